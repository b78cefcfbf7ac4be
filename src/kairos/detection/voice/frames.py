"""One FFT per 40 ms window, shared by the voice activity detector and the features.

A stream is cut into 20 ms frames; window ``j`` is frames ``j - 1`` and ``j`` (40 ms, three
periods at the 75 Hz pitch floor), mean-removed and Hann-windowed. One real FFT of each gives its
power spectrum, summed into a few frequency bands, and (through the inverse FFT) its
autocorrelation, normalised by the window's own (Boersma 1993) so that a periodic window peaks
near 1 at its pitch period whatever the taper. The detector asks whether a window peaks above the
voicing threshold at a pitch period; at 8 kHz the same windows are kept with the open segment
and give its features when it closes (``features.window_features``), so no sample is transformed
twice. Everything runs on a whole block of windows at once (one 2-D array), not a window at a
time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from kairos.detection.voice.codecs import FloatArray

Floats = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

FRAME_SECONDS = 0.02
PITCH_FLOOR = 75.0
#: Voice activity: a pitch up to this counts as voiced (the features look up to 600 Hz).
VAD_CEILING = 400.0
#: The frequency bands summed from each window's power spectrum (Hz, lower edge included).
BANDS: tuple[tuple[float, float], ...] = (
    (50.0, 500.0),
    (500.0, 1000.0),
    (1000.0, 2000.0),
    (2000.0, 3400.0),
)


@dataclass(frozen=True, slots=True)
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
        "band_matrix",
        "frame",
        "hann",
        "inverse_win_ac",
        "lag_hi",
        "lags",
        "mean_vector",
        "nfft",
        "rate",
        "win",
        "win_ac",
    )

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.frame = round(rate * FRAME_SECONDS)
        self.win = 2 * self.frame
        self.lag_hi = math.ceil(rate / PITCH_FLOOR)
        self.lags = self.lag_hi + 2
        # The window plus the longest period: the autocorrelation does not wrap there.
        self.nfft = 1 << (self.win + self.lags - 1).bit_length()
        self.hann = np.hanning(self.win)
        ac = np.fft.irfft(np.abs(np.fft.rfft(self.hann, self.nfft)) ** 2)[: self.lags]
        self.win_ac: Floats = ac / ac[0]
        self.inverse_win_ac: Floats = 1.0 / self.win_ac
        self.mean_vector: Floats = np.full(self.win, 1.0 / self.win)
        freqs = np.fft.rfftfreq(self.nfft, 1.0 / rate)
        self.band_matrix: Floats = np.stack(
            [((freqs >= lo) & (freqs < hi)).astype(np.float64) for lo, hi in BANDS], axis=1
        )

    def analyse(self, windows: npt.NDArray[np.floating]) -> Windows:
        """Analyse each row of ``windows`` (``win`` samples each)."""
        w = windows - (windows @ self.mean_vector)[:, None]
        w *= self.hann
        spectrum = np.fft.rfft(w, self.nfft, axis=1)
        power = spectrum.real**2
        power += spectrum.imag**2
        ac = np.fft.irfft(power, self.nfft, axis=1)[:, : self.lags]
        energy = ac[:, 0]
        # A silent window has no autocorrelation to speak of: 0 at every lag, not NaN.
        scale = 1.0 / np.maximum(energy, 1e-20)
        r = ac * scale[:, None]
        r *= self.inverse_win_ac
        return Windows(
            r=r,
            amplitude=np.sqrt(np.maximum(energy, 0.0) * (1.0 / self.win)),
            bands=power @ self.band_matrix,
        )

    def of_frames(
        self, previous: FloatArray, frames: FloatArray, wanted: BoolArray | None = None
    ) -> Windows:
        """Windows ending at each row of ``frames`` (20 ms each), ``previous`` the frame before.

        With ``wanted``, only those windows are transformed; the others are left *pending*
        (amplitude -1, no autocorrelation) for ``fill`` to compute if they turn out to matter.
        """
        x: Floats = np.concatenate((previous, frames.reshape(-1)), dtype=np.float64)
        windows = self._strided(x, len(frames))
        if wanted is None:
            return self.analyse(windows)
        rows = np.flatnonzero(wanted)
        if len(rows) == len(frames):
            return self.analyse(windows)
        out = Windows(
            r=np.zeros((len(frames), self.lags)),
            amplitude=np.full(len(frames), -1.0),
            bands=np.zeros((len(frames), len(BANDS))),
        )
        if len(rows):
            part = self.analyse(windows[rows])
            out.r[rows], out.amplitude[rows], out.bands[rows] = part.r, part.amplitude, part.bands
        return out

    def fill(self, windows: Windows, x: npt.NDArray[np.floating]) -> None:
        """Compute the pending rows of ``windows``, the windows every 20 ms over ``x``."""
        pending = np.flatnonzero(windows.amplitude < 0.0)
        if len(pending) == 0:
            return
        y: Floats = np.ascontiguousarray(x, dtype=np.float64)
        part = self.analyse(self._strided(y, len(windows))[pending])
        windows.r[pending], windows.amplitude[pending] = part.r, part.amplitude
        windows.bands[pending] = part.bands

    def of_samples(self, x: npt.NDArray[np.floating]) -> Windows:
        """Windows every 20 ms over ``x`` (the first starting at its first sample)."""
        y: Floats = np.ascontiguousarray(x, dtype=np.float64)
        return self.analyse(self._strided(y, max(0, len(y) // self.frame - 1)))

    def _strided(self, x: Floats, n: int) -> Floats:
        """``n`` overlapping windows over ``x``, a window every frame (a view, no copy)."""
        step = x.strides[0]
        return np.ndarray((n, self.win), np.float64, x, 0, (self.frame * step, step))

    def voiced(self, r: Floats, threshold: float) -> BoolArray:
        """Windows whose autocorrelation has a local peak above ``threshold`` at a pitch period
        of 75-400 Hz."""
        lo, hi = max(1, int(self.rate / VAD_CEILING)), int(self.rate / PITCH_FLOOR)
        inner = r[:, lo:hi]
        peak = inner > threshold
        peak &= inner >= r[:, lo - 1 : hi - 1]
        peak &= inner >= r[:, lo + 1 : hi + 1]
        return np.asarray(peak.any(axis=1))


@cache
def plan(rate: int) -> Plan:
    """The window analysis at ``rate`` (built once per rate)."""
    return Plan(rate)
