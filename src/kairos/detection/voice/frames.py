"""One small FFT per 40 ms window, on a 4 kHz pitch track, shared by the VAD and the features.

A stream is cut into 20 ms frames; window ``j`` is frames ``j - 1`` and ``j`` (40 ms, three periods
at the 75 Hz pitch floor). Its samples are first decimated to about 4 kHz (``PITCH_RATE``; by 2 at 8
kHz): a boxcar of two sample pairs (zero at the new 2 kHz Nyquist) kept every other sample, from the
window's own samples only, so a window reads the same in a live block and in a segment measured
alone. The energy each pair holds beyond its mean (the Haar detail: the band above the decimated
one) is kept too. The decimated window, mean-removed and Hann-windowed, gets one 216-point real FFT
(the 8 kHz analysis needed 512 points): its power spectrum, summed into two bands (50 Hz-1 kHz and
1-2 kHz) beside the detail's energy (about 2-4 kHz), and, as a cosine sum over it (the inverse FFT
at the 56 lags the pitch reads, as two matrix products on the folded power: ``compiled_spectra``),
its autocorrelation, normalised by the window's own (Boersma 1993) so that a periodic window peaks
near 1 at its pitch period whatever the taper. The detector asks whether a window peaks above the
voicing threshold at a pitch period; at 8 kHz the same windows are kept with the open segment and
give its features when it closes (``features.window_features``), so no sample is transformed twice.
Everything runs on a whole block of windows at once (one 2-D array), not a window at a time.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from kairos.detection.voice import compiled_spectra
from kairos.detection.voice.codecs import FloatArray

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

FRAME_SECONDS = 0.02
PITCH_FLOOR = 75.0
#: Voice activity: a pitch up to this counts as voiced (the features look up to 600 Hz).
VAD_CEILING = 400.0
#: The frequency bands summed from each window's power spectrum (Hz, lower edge included).
BANDS: tuple[tuple[float, float], ...] = ((50.0, 1000.0), (1000.0, 2000.0))
#: The pitch track's sample rate (about): windows are low-passed and decimated to it first.
PITCH_RATE = 4000


# Not frozen: a frozen dataclass sets each field through ``object.__setattr__``, four times the
# cost of a plain one, and a live call-second makes some ten of these (its arrays were never
# frozen: ``Plan.fill`` writes pending rows in place).
@dataclass(slots=True)
class Windows:
    """A block of analysed 40 ms windows, one row each."""

    #: The normalised autocorrelation at lags 0 .. ``Plan.lags - 1`` (samples).
    r: Floats
    #: RMS of the windowed window.
    amplitude: Floats
    #: Power in each of ``BANDS``.
    bands: Floats

    def __len__(self) -> int:
        return len(self.amplitude)

    def rows(self, start: int, stop: int) -> Windows:
        """Windows ``start`` to ``stop`` (exclusive)."""
        return Windows(self.r[start:stop], self.amplitude[start:stop], self.bands[start:stop])

    @staticmethod
    def join(parts: list[Windows]) -> Windows:
        """The blocks one after another."""
        if len(parts) == 1:
            return parts[0]
        return Windows(
            np.concatenate([p.r for p in parts]),
            np.concatenate([p.amplitude for p in parts]),
            np.concatenate([p.bands for p in parts]),
        )


class Plan:
    """The constants of the window analysis at one sample rate (``plan(rate)``)."""

    __slots__ = (
        "band_weights",
        "energy_scale",
        "factor",
        "frame",
        "hann",
        "hann_squared",
        "inverse_win_ac",
        "lag_even",
        "lag_hi",
        "lag_odd",
        "lag_rate",
        "lags",
        "length",
        "nfft",
        "ones",
        "rate",
        "step",
        "win",
        "win_ac",
    )

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.frame = round(rate * FRAME_SECONDS)
        self.win = 2 * self.frame
        # Decimate by the largest factor that divides a frame and keeps the pitch band.
        self.factor = max(
            k for k in range(1, max(1, rate // PITCH_RATE) + 1) if self.frame % k == 0
        )
        self.lag_rate = rate / self.factor
        self.step = self.frame // self.factor
        # Each window's pitch samples come from its own samples only.
        self.length = self.win // self.factor - (self.factor > 1)
        self.lag_hi = math.ceil(self.lag_rate / PITCH_FLOOR)
        self.lags = self.lag_hi + 2
        # The window plus the longest period, so the autocorrelation does not wrap there,
        # rounded up to a length the FFT splits well (216 at 8 kHz: a quarter less than 256).
        self.nfft = smooth_length(self.length + self.lags - 1)
        self.hann = np.hanning(self.length)
        ac = np.fft.irfft(np.abs(np.fft.rfft(self.hann, self.nfft)) ** 2)[: self.lags]
        self.win_ac: Floats = ac / ac[0]
        self.inverse_win_ac: Floats = 1.0 / self.win_ac
        self.ones: Floats = np.ones(self.length)
        # Bin k is at k * rate / nfft (exact for whole numbers, unlike ``rfftfreq``'s steps).
        freqs = np.arange(self.nfft // 2 + 1) * self.lag_rate / self.nfft
        # The decimated samples are ``2 * factor`` times the boxcar's mean. Band energies in the
        # units of the detail (a run's energy), one column more for it; the amplitude is the
        # RMS of the windowed mean.
        gain = (2.0 * self.factor) ** 2 if self.factor > 1 else 1.0
        self.energy_scale = 1.0 / (self.length * gain)
        scale = 2.0 * self.factor / self.nfft / gain
        self.band_weights: Floats = np.stack(
            [((freqs >= lo) & (freqs < hi)) * scale for lo, hi in BANDS]
        )
        self.lag_even, self.lag_odd = _cosine_sums(self.nfft, self.lags)
        self.hann_squared: Floats = self.hann**2

    def decimate(self, x: Floats) -> tuple[Floats, Floats]:
        """``x`` low-passed (a boxcar of ``2 * factor`` samples, zero at the decimated Nyquist)
        and kept every ``factor``-th sample, times ``2 * factor``; and the energy each run of
        ``factor`` samples holds beyond its mean (the part above the decimated band). With
        ``factor`` 2, ``x`` may also be 2-D, each row decimated (a live pass does the same
        operations compiled, into its scratch buffer: ``compiled_spectra.decimate_into``)."""
        f = self.factor
        if f == 1:
            return x, np.zeros(len(x))
        if f == 2:
            # An odd last sample is in no window (a segment resampled from 11,025 Hz can end so).
            even, odd = x[..., 0 : x.shape[-1] - 1 : 2], x[..., 1::2]
            runs, detail = even + odd, even - odd
            detail *= detail
            detail *= 0.5
        else:
            count = len(x) // f
            grouped = x[: count * f].reshape(count, f)
            runs = grouped.sum(axis=1)
            detail = np.einsum("ij,ij->i", grouped, grouped) - runs * runs * (1.0 / f)
        return runs[..., :-1] + runs[..., 1:], detail

    def analyse(self, windows: Floats, detail: Floats, *, reuse: bool = False) -> Windows:
        """Analyse each row of ``windows`` (``length`` decimated samples each) and ``detail``
        (the energy above their band, over the same runs). With ``reuse`` (a live pass,
        ``batch``), the transforms go through this thread's buffers, kept for the next pass."""
        full, bands = self.spectra(*_rows(windows), *_rows(detail), reuse=reuse)
        energy = full[:, 0]
        # A silent window has no autocorrelation to speak of: 0 at every lag, not NaN.
        # (``compiled.normalise_into`` is the same arithmetic, for a live pass.)
        r = full * (1.0 / np.maximum(energy, 1e-20))[:, None]
        r *= self.inverse_win_ac
        amplitude = np.sqrt(np.abs(energy) * self.energy_scale)
        return Windows(r=r, amplitude=amplitude, bands=bands.copy())

    def spectra(
        self, low: Floats, low_at: Ints, detail: Floats, detail_at: Ints, *, reuse: bool = False
    ) -> tuple[Floats, Floats]:
        """``analyse``'s transforms of the windows ``low[low_at[i]:][:length]`` (1-D ``low``),
        their detail energies ``detail[detail_at[i]:][:length]``: each one's autocorrelation at
        lags 0 .. ``lags - 1``, not yet normalised, and its band energies (``BANDS`` and the
        detail's, weighted by the taper). Both are views of the transforms' buffers: with
        ``reuse`` this thread's, good until its next call."""
        rows = len(low_at)
        work = _work(self, rows) if reuse else None
        if work is None:
            work = _Work(rows, self)
        padded, spectrum, even, odd, lags, bands = work.views(rows)
        compiled_spectra.windowed_into(
            low, low_at, detail, detail_at, self.hann, self.hann_squared, self.ones, padded,
            bands[:, -1],
        )  # fmt: skip
        np.fft.rfft(padded, axis=1, out=spectrum)
        compiled_spectra.fold_power(spectrum, self.band_weights, even, odd, bands)
        np.matmul(even, self.lag_even, out=lags[0])
        np.matmul(odd, self.lag_odd, out=lags[1])
        # Lag 2j is row j of the even lags' product, lag 2j + 1 row j of the odd ones'.
        full = lags.transpose(1, 2, 0).reshape(rows, -1)[:, : self.lags]
        return full, bands

    def _both(self, x: Floats, n: int) -> tuple[Floats, Floats]:
        """The ``n`` windows over ``x``: decimated samples and detail energies."""
        low, detail = self.decimate(x)
        return self._strided(low, n), self._strided(detail, n)

    def of_frames(
        self, previous: FloatArray, frames: FloatArray, wanted: BoolArray | None = None
    ) -> Windows:
        """Windows ending at each row of ``frames`` (20 ms each), ``previous`` the frame before.

        With ``wanted``, only those windows are transformed; the others are left *pending*
        (amplitude -1, no autocorrelation) for ``fill`` to compute if they turn out to matter.
        """
        x: Floats = np.concatenate((previous, frames.reshape(-1)), dtype=np.float64)
        windows, detail = self._both(x, len(frames))
        if wanted is None:
            return self.analyse(windows, detail)
        rows = wanted.nonzero()[0]
        if len(rows) == len(frames):
            return self.analyse(windows, detail)
        out = Windows(
            r=np.zeros((len(frames), self.lags)),
            amplitude=np.full(len(frames), -1.0),
            bands=np.zeros((len(frames), len(BANDS) + 1)),
        )
        if len(rows):
            part = self.analyse(windows[rows], detail[rows])
            out.r[rows], out.amplitude[rows], out.bands[rows] = part.r, part.amplitude, part.bands
        return out

    def fill(self, windows: Windows, x: npt.NDArray[np.floating]) -> None:
        """Compute the pending rows of ``windows``, the windows every 20 ms over ``x``."""
        pending = (windows.amplitude < 0.0).nonzero()[0]
        if len(pending) == 0:
            return
        low, detail = self._both(np.ascontiguousarray(x, dtype=np.float64), len(windows))
        part = self.analyse(low[pending], detail[pending])
        windows.r[pending], windows.amplitude[pending] = part.r, part.amplitude
        windows.bands[pending] = part.bands

    def of_samples(self, x: npt.NDArray[np.floating]) -> Windows:
        """Windows every 20 ms over ``x`` (the first starting at its first sample)."""
        y: Floats = np.ascontiguousarray(x, dtype=np.float64)
        return self.analyse(*self._both(y, max(0, len(y) // self.frame - 1)))

    def _strided(self, y: Floats, n: int) -> Floats:
        """``n`` overlapping windows over the decimated ``y``, one every frame (a view)."""
        step = y.strides[0]
        return np.ndarray((n, self.length), np.float64, y, 0, (self.step * step, step))

    def voiced_lags(self) -> tuple[int, int]:
        """The lags (from, to exclusive) of a voiced peak: a pitch of 75-400 Hz."""
        return max(1, int(self.lag_rate / VAD_CEILING)), int(self.lag_rate / PITCH_FLOOR)

    def voiced(self, r: Floats, threshold: float) -> BoolArray:
        """Windows whose autocorrelation has a local peak above ``threshold`` at a pitch period
        of 75-400 Hz."""
        lo, hi = self.voiced_lags()
        inner = r[:, lo:hi]
        peak = inner > threshold
        peak &= inner >= r[:, lo - 1 : hi - 1]
        peak &= inner >= r[:, lo + 1 : hi + 1]
        return np.asarray(peak.any(axis=1))


#: Rows a thread's analysis buffers hold at most (about 7 MB); a larger call allocates its own.
#: Only live passes use them (``analyse(..., reuse=True)``), so only the event loop's thread
#: keeps them, not every worker thread that scores an uploaded recording.
WORK_ROWS = 1024
_LOCAL = threading.local()


class _Work:
    """One thread's buffers for ``Plan.spectra``: the zero-padded windows, their spectrum, its
    folded power, the even and odd lags and the bands, reused from call to call (fresh arrays
    of this size are fresh pages from the system each time: more than half of the analysis'
    time for a pass of 30 blocks, 2026-12-05)."""

    __slots__ = ("bands", "even", "lags", "odd", "padded", "spectrum")

    def __init__(self, rows: int, p: Plan) -> None:
        # Only the first ``length`` columns are ever written: the rest stay the zero padding.
        self.padded: Floats = np.zeros((rows, p.nfft))
        self.spectrum = np.zeros((rows, p.nfft // 2 + 1), dtype=np.complex128)
        self.even: Floats = np.zeros((rows, len(p.lag_even)))
        self.odd: Floats = np.zeros((rows, len(p.lag_odd)))
        self.lags: Floats = np.zeros((2, rows, p.lag_even.shape[1]))
        self.bands: Floats = np.zeros((rows, len(BANDS) + 1))

    def views(
        self, rows: int
    ) -> tuple[Floats, npt.NDArray[np.complex128], Floats, Floats, Floats, Floats]:
        """The first ``rows`` rows of each buffer."""
        return (
            self.padded[:rows],
            self.spectrum[:rows],
            self.even[:rows],
            self.odd[:rows],
            self.lags[:, :rows],
            self.bands[:rows],
        )


def _work(p: Plan, rows: int) -> _Work | None:
    """This thread's buffers for ``p`` with room for ``rows`` (None past ``WORK_ROWS``)."""
    if rows > WORK_ROWS:
        return None
    works: dict[tuple[int, int], _Work] | None = getattr(_LOCAL, "works", None)
    if works is None:
        works = _LOCAL.works = {}
    key = (p.length, p.nfft)
    work = works.get(key)
    if work is None or len(work.padded) < rows:
        # Room for a quarter more than the largest pass yet, in steps of 64 rows.
        size = max(rows, 5 * len(work.padded) // 4 if work is not None else 0)
        work = works[key] = _Work(min(-(-size // 64) * 64, WORK_ROWS), p)
    return work


def _cosine_sums(nfft: int, lags: int) -> tuple[Floats, Floats]:
    """The inverse real FFT of ``nfft`` points of a power spectrum, at lags 0 .. ``lags - 1``,
    as two matrices for ``compiled_spectra.fold_power``'s folded power: the even lags (a row
    for each pair of bins, then the middle bin's where there is one) and the odd ones (the
    middle bin's cosine is 0 there). ``k * lag`` is reduced modulo ``nfft`` so that each
    cosine is of a small angle; bins 1 .. nfft/2 - 1 count twice (for their mirror images)."""
    half = nfft // 2
    pairs = (half + 1) // 2
    k = np.arange(pairs + (half % 2 == 0))
    weight = np.where((k == 0) | (k == half), 1.0, 2.0) / nfft

    def at(lag: Ints) -> Floats:
        angle = 2.0 * np.pi * ((k[:, None] * lag) % nfft) / nfft
        return np.cos(angle) * weight[:, None]

    count = (lags + 1) // 2
    even = at(2 * np.arange(count))
    odd = at(2 * np.arange(count) + 1)[:pairs]
    return np.ascontiguousarray(even), np.ascontiguousarray(odd)


def _rows(a: Floats) -> tuple[Floats, Ints]:
    """A 2-D array as ``Plan.spectra`` reads it: a 1-D array over its rows (a view where its
    rows are runs of contiguous values, as the strided windows over a decimated stream are) and
    where each row starts in it."""
    size = a.itemsize
    rows, width = a.shape
    if a.dtype != np.float64 or (width > 1 and a.strides[1] != size) or a.strides[0] % size:
        a = np.ascontiguousarray(a, dtype=np.float64)
    step = a.strides[0] // size
    span = (rows - 1) * step + width if rows else 0
    flat: Floats = np.lib.stride_tricks.as_strided(a, (span,), (size,))
    return flat, np.arange(rows, dtype=np.intp) * step


def smooth_length(n: int) -> int:
    """The smallest even length of at least ``n`` with no prime factor over 3 (cheap to FFT).

    >>> smooth_length(214), smooth_length(256), smooth_length(100)
    (216, 256, 108)
    """
    best = 1 << max(1, (n - 1).bit_length())
    three = 1
    while three < best:
        two = 2
        while two * three < n:
            two *= 2
        best = min(best, two * three)
        three *= 3
    return best


@cache
def plan(rate: int) -> Plan:
    """The window analysis at ``rate`` (built once per rate)."""
    return Plan(rate)
