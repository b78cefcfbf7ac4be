"""The window analysis' steps around its forward FFT, compiled: one loop each side of it.

Before the transform, each window is read where the decimation left it (no gathered copy),
its mean removed and the Hann taper applied into the zero-padded FFT buffer, and its detail
energy weighted by the taper's square, in one loop. After it, each bin's power is summed into
the bands and folded (each bin with its mirror about a quarter of the rate), and two matrix
products give the autocorrelation at the even and at the odd lags the pitch reads
(``frames.Plan``'s ``lag_even`` and ``lag_odd``): the inverse FFT computed 216 lags of which 56
are read, and the power spectrum went through a complex multiply and a strided copy first.

These are not the NumPy operations they replaced to the bit: the sums run in eight lanes and
the autocorrelation is a cosine sum (BLAS) instead of an inverse FFT, so values differ in the
last bits (about 1e-15 of a window's energy). Every path (a live pass, a segment measured alone,
a recording) goes through these same kernels, so a stream fed live and the same audio measured
whole still agree to the bit.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kairos.detection.voice.compiled import _jit

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]
#: Samples as a pass holds them: float32 live (``codecs``), float64 as given.
Samples = npt.NDArray[np.float32] | npt.NDArray[np.float64]


@_jit
def _lane_dot(x: Floats, w: Floats, n: int) -> float:
    """``x[:n] @ w[:n]`` in eight running sums (independent chains, so the loop is not bound by
    one addition's latency), combined as a tree, then the rest in order."""
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
    j = 0
    while j + 8 <= n:
        a0 += x[j] * w[j]
        a1 += x[j + 1] * w[j + 1]
        a2 += x[j + 2] * w[j + 2]
        a3 += x[j + 3] * w[j + 3]
        a4 += x[j + 4] * w[j + 4]
        a5 += x[j + 5] * w[j + 5]
        a6 += x[j + 6] * w[j + 6]
        a7 += x[j + 7] * w[j + 7]
        j += 8
    total = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
    while j < n:
        total += x[j] * w[j]
        j += 1
    return total


@_jit
def windowed_into(
    low: Floats,
    low_at: Ints,
    detail: Floats,
    detail_at: Ints,
    hann: Floats,
    hann_squared: Floats,
    ones: Floats,
    padded: Floats,
    energies: Floats,
) -> None:
    """Window ``i`` (``low[low_at[i]:][:length]``, ``length`` the taper's) less its mean, times
    ``hann``, into ``padded[i, :length]`` (the rest of the row is left as it is: the zero
    padding); and its detail energies (``detail[detail_at[i]:][:length]``) weighted by
    ``hann_squared`` into ``energies[i]``. ``ones`` is ``length`` ones."""
    n = len(hann)
    inverse = 1.0 / n
    for i in range(len(low_at)):
        # Slices first: indexing them with the loop's own counter lets the compiler drop the
        # negative-index checks (1.5-2x faster than indexing ``low`` at ``low_at[i] + j``).
        x = low[low_at[i] : low_at[i] + n]
        mean = _lane_dot(x, ones, n) * inverse
        row = padded[i]
        for j in range(n):
            row[j] = (x[j] - mean) * hann[j]
        energies[i] = _lane_dot(detail[detail_at[i] : detail_at[i] + n], hann_squared, n)


@_jit
def _decimate_frame(src: Samples, rr: Floats, dr: Floats, at: int) -> float:
    """One frame ``src`` decimated into ``rr[at:]`` (each pair's sum) and ``dr[at:]`` (half
    each pair's difference squared); its sum of squares, added as ``compiled_gate.square_sum``
    adds it. Float32 samples are read as the doubles they are (exact)."""
    pairs = len(src) // 2
    a0 = a1 = a2 = a3 = 0.0
    q = 0
    while q + 4 <= pairs:
        i, j = at + q, 2 * q
        even, odd = np.float64(src[j]), np.float64(src[j + 1])
        rr[i] = even + odd
        d = even - odd
        dr[i] = d * d * 0.5
        a0 += even * even + odd * odd
        even, odd = np.float64(src[j + 2]), np.float64(src[j + 3])
        rr[i + 1] = even + odd
        d = even - odd
        dr[i + 1] = d * d * 0.5
        a1 += even * even + odd * odd
        even, odd = np.float64(src[j + 4]), np.float64(src[j + 5])
        rr[i + 2] = even + odd
        d = even - odd
        dr[i + 2] = d * d * 0.5
        a2 += even * even + odd * odd
        even, odd = np.float64(src[j + 6]), np.float64(src[j + 7])
        rr[i + 3] = even + odd
        d = even - odd
        dr[i + 3] = d * d * 0.5
        a3 += even * even + odd * odd
        q += 4
    total = (a0 + a1) + (a2 + a3)
    while q < pairs:
        i, j = at + q, 2 * q
        even, odd = np.float64(src[j]), np.float64(src[j + 1])
        rr[i] = even + odd
        d = even - odd
        dr[i] = d * d * 0.5
        total += even * even + odd * odd
        q += 1
    return total


@_jit
def decimate_into(
    prev: Samples,
    blocks: Samples,
    counts: Ints,
    runs: Floats,
    low: Floats,
    detail: Floats,
    sums: Floats,
) -> None:
    """``frames.Plan.decimate`` by 2 of each row of a pass: row ``r`` is frame ``prev[r]``, then
    its ``counts[r]`` frames of ``blocks`` (the rows' frames one after another, each row's after
    the rows before it), then zeros up to ``sums.shape[1]`` frames (of an even number of
    samples). Into the rows of ``runs`` (each pair's sum), ``low`` (each two pairs' sum; the
    last column is left as it was) and ``detail`` (half each pair's difference squared): the
    same operations as NumPy's on the float64 samples, element by element, so the same doubles.
    In the same loop, each frame's sum of squares into ``sums[r, f]``, added as
    ``compiled_gate.square_sum`` adds it (the samples are read once for both, where they are:
    float32 samples are not copied to float64 first)."""
    pairs = prev.shape[1] // 2
    start = 0
    for r in range(sums.shape[0]):
        rr, dr = runs[r], detail[r]
        count = counts[r]
        sums[r, 0] = _decimate_frame(prev[r], rr, dr, 0)
        for f in range(1, sums.shape[1]):
            at = f * pairs
            if f <= count:
                sums[r, f] = _decimate_frame(blocks[start + f - 1], rr, dr, at)
            else:
                for i in range(at, at + pairs):
                    rr[i] = 0.0
                    dr[i] = 0.0
                sums[r, f] = 0.0
        start += count
        lr = low[r]
        for i in range(runs.shape[1] - 1):
            lr[i] = rr[i] + rr[i + 1]


@_jit
def fold_power(
    spectrum: npt.NDArray[np.complex128],
    band_weights: Floats,
    even: Floats,
    odd: Floats,
    bands: Floats,
) -> None:
    """Each row's power spectrum (``|X_k|^2``, ``k`` = 0 .. ``half``), folded for the cosine
    sums of ``frames.Plan.autocorrelate``: ``even[i, k]`` = ``P_k + P_(half - k)`` and
    ``odd[i, k]`` = ``P_k - P_(half - k)`` for each pair (``cos`` at bin ``half - k`` is
    ``(-1)^lag`` times ``cos`` at bin ``k``), and ``P_(half / 2)`` last in ``even`` where
    ``half`` is even; and its power weighted by each row of ``band_weights`` into ``bands[i]``."""
    half = spectrum.shape[1] - 1
    pairs = (half + 1) // 2
    for i in range(spectrum.shape[0]):
        z = spectrum[i]
        for k in range(pairs):
            a = z[k].real * z[k].real + z[k].imag * z[k].imag
            b = z[half - k].real * z[half - k].real + z[half - k].imag * z[half - k].imag
            even[i, k] = a + b
            odd[i, k] = a - b
        if half % 2 == 0:
            m = z[half // 2]
            even[i, pairs] = m.real * m.real + m.imag * m.imag
        for b in range(band_weights.shape[0]):
            w = band_weights[b]
            total = 0.0
            for k in range(half + 1):
                if w[k] != 0.0:
                    total += (z[k].real * z[k].real + z[k].imag * z[k].imag) * w[k]
            bands[i, b] = total


def warm() -> None:
    """Compile (or load from the cache) these kernels on values of the types the analysis
    passes."""
    hann = np.ones(8)
    at = np.arange(2, dtype=np.intp)
    padded = np.zeros((2, 12))
    # ``Plan.spectra`` writes the detail energies into its bands' last column: a strided view,
    # or a contiguous one for a single window.
    for energies in (np.zeros((2, 3))[:, -1], np.zeros(2)):
        windowed_into(np.ones(10), at, np.ones(10), at, hann, hann, hann, padded, energies)
    spectrum = np.ones((2, 7), dtype=np.complex128)
    fold_power(spectrum, np.ones((2, 7)), np.zeros((2, 4)), np.zeros((2, 3)), np.zeros((2, 3)))
    # A live pass's samples are float32 (``codecs``); float64 ones are read as they are.
    counts = np.array([1, 0], dtype=np.intp)
    for dtype in (np.float32, np.float64):
        half = np.zeros((2, 8))
        samples = np.ones((2, 8), dtype=dtype)
        decimate_into(samples, samples, counts, half, half.copy(), half.copy(), np.zeros((2, 2)))
