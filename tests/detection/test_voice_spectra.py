"""The compiled window analysis (``compiled_spectra``) against the NumPy transforms it replaced.

Not to the bit: the kernels sum in eight lanes and take the autocorrelation as a cosine sum
(a matrix product) instead of an inverse FFT, so each value may differ from the NumPy code's
by a few units in the last place of the window's energy (its largest autocorrelation value and
the scale of every rounding error in both). The tolerance is 1e-12 of that energy: about 5,000
such units, and five orders of magnitude below any real change (one lag off, a band's edge one
bin off, the taper or the mean left out each move a value by more than 1e-4 of the energy).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from tests.detection.voice_support import _calls

from kairos.detection.voice import compiled_gate, compiled_spectra
from kairos.detection.voice.frames import BANDS, Plan, plan

Floats = npt.NDArray[np.float64]

#: Of a window's energy (see the module's docstring).
TOLERANCE = 1e-12


def _numpy_spectra(
    p: Plan, windows: Floats, detail: Floats, *, centred: bool = True
) -> tuple[Floats, Floats]:
    """The NumPy analysis before the kernels: mean (left in where not ``centred``), taper, the
    forward and inverse FFT of the power spectrum, and the band sums."""
    w = windows - (windows @ np.full(p.length, 1.0 / p.length))[:, None] if centred else windows
    w = w * p.hann
    spectrum = np.fft.rfft(w, p.nfft, axis=1)
    spectrum *= spectrum.conj()
    full = np.fft.irfft(spectrum, p.nfft, axis=1)[:, : p.lags]
    freqs = np.arange(p.nfft // 2 + 1) * p.lag_rate / p.nfft
    gain = (2.0 * p.factor) ** 2
    scale = 2.0 * p.factor / p.nfft / gain
    mask = np.stack([((freqs >= lo) & (freqs < hi)) * scale for lo, hi in BANDS], axis=1)
    bands = np.column_stack([spectrum.real @ mask, detail @ p.hann_squared])
    return full, bands


def _windows(rows: int, seed: int) -> tuple[Floats, Floats]:
    """Decimated 40 ms windows of emodb calls, some near silence and some silent."""
    p = plan(8000)
    rng = np.random.default_rng(seed)
    calls = np.concatenate(_calls(2, 6.0)).astype(np.float64)
    starts = rng.integers(0, len(calls) - p.win, size=rows)
    x = np.stack([calls[s : s + p.win] for s in starts.tolist()])
    x[: rows // 5] *= 1e-9
    x[rows // 5 : rows // 4 + 1] = 0.0
    low, detail = p.decimate(x)
    return np.ascontiguousarray(low), np.ascontiguousarray(detail[:, : p.length])


def test_the_compiled_analysis_gives_the_numpy_transforms_within_rounding() -> None:
    p = plan(8000)
    for rows, seed in ((1, 1), (7, 2), (300, 3), (1500, 4)):
        low, detail = _windows(rows, seed)
        want_full, want_bands = _numpy_spectra(p, low, detail)
        for reuse in (False, True):
            got = p.analyse(low, detail, reuse=reuse)
            energy = np.maximum(want_full[:, :1], 1e-300)
            full = got.r / p.inverse_win_ac * np.maximum(want_full[:, :1], 1e-20)
            assert (np.abs(full - want_full) <= TOLERANCE * energy).all()
            band_scale = np.maximum(want_bands.sum(axis=1, keepdims=True), 1e-300)
            assert (np.abs(got.bands - want_bands) <= TOLERANCE * band_scale).all()
            silent = want_full[:, 0] == 0.0
            assert silent.any() and (got.r[silent] == 0.0).all()
            assert (got.amplitude[silent] == 0.0).all()


def test_a_real_change_is_far_outside_the_tolerance() -> None:
    """The tolerance above catches a change to the analysis: the autocorrelation one lag off,
    or the windows' mean left in, each exceed it by orders of magnitude."""
    p = plan(8000)
    low, detail = _windows(200, 5)
    want_full, _ = _numpy_spectra(p, low, detail)
    heard = want_full[:, 0] > 1e-6
    low, detail, want_full = low[heard], detail[heard], want_full[heard]
    assert len(low) > 100
    got = p.analyse(low, detail)
    full = got.r / p.inverse_win_ac * want_full[:, :1]
    bound = 1e4 * TOLERANCE * want_full[:, 0]
    assert (np.abs(np.roll(full, 1, axis=1) - want_full).max(axis=1) > bound).all()
    with_mean, _ = _numpy_spectra(p, low, detail, centred=False)
    assert (np.abs(with_mean - want_full).max(axis=1) > bound).all()


def test_a_live_pass_decimates_as_numpy_does_to_the_bit() -> None:
    """``compiled_spectra.decimate_into`` (a live pass's decimation) gives ``Plan.decimate``'s
    doubles on the float64 samples: element-wise sums, differences and products, the same in
    any order; read from each row's previous frame and its frames where they are (float32 as a
    live pass holds them, or float64), the rows of fewer frames zero-padded."""
    p = plan(8000)
    rng = np.random.default_rng(6)
    for dtype in (np.float32, np.float64):
        for rows, width in ((1, 320), (5, 3360), (40, 1760)):
            x = rng.standard_normal((rows, width)) * 10.0 ** rng.integers(-9, 1, (rows, 1))
            framed = x.astype(dtype).reshape(rows, -1, p.frame)
            # Row r has its previous frame and ``counts[r]`` frames; zeros after them.
            counts = rng.integers(0, framed.shape[1], rows)
            counts[0] = framed.shape[1] - 1
            for r, c in enumerate(counts):
                framed[r, c + 1 :] = 0.0
            blocks = np.concatenate([framed[r, 1 : c + 1] for r, c in enumerate(counts)])
            runs, low, detail = (np.full((rows, width // 2), 7.0) for _ in range(3))
            sums = np.empty((rows, width // p.frame))
            compiled_spectra.decimate_into(
                np.ascontiguousarray(framed[:, 0]),
                blocks,
                counts.astype(np.intp),
                runs,
                low,
                detail,
                sums,
            )
            wide = framed.reshape(rows, width).astype(np.float64)
            want_low, want_detail = p.decimate(wide)
            assert low[:, :-1].tobytes() == want_low.tobytes()
            assert (low[:, -1] == 7.0).all()
            assert detail.tobytes() == want_detail.tobytes()
            # Each frame's sum of squares as a stream fed alone adds it (``vad.frame_energy``).
            alone = [[compiled_gate.square_sum(f) for f in row] for row in framed.astype(float)]
            assert sums.tobytes() == np.array(alone).tobytes()
