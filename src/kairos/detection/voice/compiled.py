"""The voice analysis' per-window and per-segment loops, compiled with Numba.

What NumPy alone left of a call-second was mostly its fixed cost per call: a pass's pitch pick,
perturbation and syllable nuclei are a dozen or more calls each on arrays of a few hundred
values. Each function here is the same arithmetic, in the same order, as the NumPy code it
replaced (``tests/detection/voice_reference*.py`` keep that code, ``test_voice_compiled.py``
checks both to the bit):
element-wise steps are IEEE operations that give the same doubles in any order of elements; the
sums that NumPy adds pairwise are added in its pairwise order (``pairwise_sum``); logarithms and
matrix products stay in NumPy (its vectorised logarithms and BLAS may round otherwise). Numba is
told nothing that licenses reordering (no ``fastmath``), so no multiply-add is fused.

Compiled once per machine and cached (``cache=True``: in ``NUMBA_CACHE_DIR`` when it is set,
else beside the module or in the user's cache folder; compiled in each process where none is
writable); ``warm`` compiles or loads every kernel, so that a server pays it at start rather
than in its first live pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]

F = TypeVar("F", bound=Callable[..., Any])


def _jit(f: F) -> F:
    """``f`` compiled (no fastmath: the same operations in the same order), cached on disk;
    where Numba finds no folder it may write (a read-only install, no writable home, no
    ``NUMBA_CACHE_DIR``), compiled in each process instead of failing the import."""
    try:
        return cast(F, numba.njit(cache=True, nogil=True)(f))
    except RuntimeError:
        return cast(F, numba.njit(nogil=True)(f))


@_jit
def pairwise_sum(a: Floats, lo: int, hi: int) -> float:
    """``a[lo:hi].sum()`` as NumPy adds a contiguous float64 run: pairwise (under eight in
    order, up to 128 in eight running sums combined as a tree, longer runs by halves)."""
    return _pairwise(a, lo, hi - lo)


@_jit
def _pairwise(a: Floats, lo: int, n: int) -> float:
    """NumPy's ``pairwise_sum`` of ``a[lo:lo + n]`` (``numpy/_core/src/umath/loops_utils.h``):
    runs of up to 128 in ``_run``, longer ones split in two (the first half a multiple of
    eight) and the halves' sums added. Its recursion as a loop over an explicit stack (a
    recursive function loaded from Numba's cache can crash)."""
    if n <= 128:
        return _run(a, lo, n)
    # Each frame: its start, length, and 0 (left half next), 1 (right half next) or 2 (add).
    starts = np.empty(64, dtype=np.intp)
    lengths = np.empty(64, dtype=np.intp)
    stage = np.zeros(64, dtype=np.intp)
    left = np.empty(64)
    starts[0], lengths[0], stage[0] = lo, n, 0
    depth = 1
    result = 0.0
    while depth:
        top = depth - 1
        at, m = starts[top], lengths[top]
        if m <= 128:
            result = _run(a, at, m)
            depth -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[top] == 0:
            stage[top] = 1
            starts[depth], lengths[depth], stage[depth] = at, half, 0
            depth += 1
        elif stage[top] == 1:
            left[top] = result
            stage[top] = 2
            starts[depth], lengths[depth], stage[depth] = at + half, m - half, 0
            depth += 1
        else:
            result = left[top] + result
            depth -= 1
    return result


@_jit
def _run(a: Floats, lo: int, n: int) -> float:
    """NumPy's pairwise sum of a run of at most 128: under eight added in order, else eight
    running sums combined as a tree, then the rest in order."""
    res = 0.0
    if n < 8:
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    end = n - n % 8
    while i < end:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return float(res)


@_jit
def pitch_pick(
    r: Floats,
    amplitude: Floats,
    starts: Ints,
    lag_lo: int,
    score_cost: Floats,
    log_lags: Floats,
    jump_cost: float,
    threshold: float,
) -> tuple[Floats, Floats]:
    """``features._pitch``: per window of the segments from ``starts`` (and to the end), the
    pitch period in samples (parabolic peak) and its periodicity (0 unvoiced or silent)."""
    n, span = len(r), len(score_cost)
    lag = np.empty(n)
    strength = np.empty(n)
    best = np.empty(n, dtype=np.intp)
    found = np.empty(n, dtype=np.bool_)
    sure = np.empty(span, dtype=np.intp)
    for s in range(len(starts)):
        lo = starts[s]
        hi = starts[s + 1] if s + 1 < len(starts) else n
        count = 0
        loudest = amplitude[lo]
        for w in range(lo, hi):
            loudest = max(loudest, amplitude[w])
            b = _best(r[w], lag_lo, score_cost, log_lags, 0.0, 0.0)
            best[w] = b
            found[w] = b >= 0
            if b < 0:
                best[w] = 0
            elif r[w, lag_lo + b] > threshold:
                if count == len(sure):
                    sure = np.concatenate((sure, np.empty(span, dtype=np.intp)))
                sure[count] = b
                count += 1
        if count:
            v = np.sort(sure[:count])
            m = count // 2
            typical = float(v[m]) if count % 2 else 0.5 * (float(v[m - 1]) + float(v[m]))
            log_typical = math.log2(typical + lag_lo)
            for w in range(lo, hi):
                if found[w]:
                    best[w] = _best(r[w], lag_lo, score_cost, log_lags, jump_cost, log_typical)
        loudest *= 0.03
        for w in range(lo, hi):
            loud = found[w] and amplitude[w] > loudest
            _parabola(r[w], lag_lo + best[w], loud, threshold, w, lag, strength)
    return lag, strength


@_jit
def _best(
    row: Floats,
    lag_lo: int,
    score_cost: Floats,
    log_lags: Floats,
    jump_cost: float,
    log_typical: float,
) -> int:
    """The index (from ``lag_lo``) of ``row``'s best-scoring local peak, with jumps from
    ``log_typical`` costing ``jump_cost`` per octave; -1 when it has no peak."""
    best = -1
    top = -np.inf
    for j in range(len(score_cost)):
        k = lag_lo + j
        x = row[k]
        if x >= row[k - 1] and x > row[k + 1]:
            value = x - score_cost[j]
            if jump_cost:
                value -= jump_cost * abs(log_lags[j] - log_typical)
            if best < 0 or value > top:
                best, top = j, value
    return best


@_jit
def _parabola(
    row: Floats, k: int, loud: bool, threshold: float, w: int, lag: Floats, strength: Floats
) -> None:
    """Window ``w``'s period (the parabola through ``row``'s lags ``k`` +- 1) into ``lag``, and
    its height into ``strength`` when it is ``loud`` and over ``threshold`` (else 0)."""
    a, b, c = row[k - 1], row[k], row[k + 1]
    half = a - c
    half *= 0.5
    denom = b * -2.0
    denom += a
    denom += c
    # Through a peak (a <= b > c) the parabola's vertex lies within half a lag of it.
    shift = half / denom if denom < 0 else 0.0
    height = b - 0.5 * half * shift
    if height > 1.0:
        height = 1.0
    lag[w] = k + shift
    strength[w] = height if loud and height > threshold else 0.0


@_jit
def normalise_into(
    full: Floats,
    inverse_win_ac: Floats,
    energy_scale: float,
    rows: Ints,
    r: Floats,
    amplitude: Floats,
    speech: npt.NDArray[np.bool_],
    lo: int,
    hi: int,
    threshold: float,
) -> None:
    """``frames.Plan.analyse``'s normalised autocorrelation and amplitude of each row of
    ``full`` (its inverse transforms), written into row ``rows[i]`` of ``r`` and ``amplitude``;
    and ``speech[rows[i]]`` kept only where ``Plan.voiced`` finds a peak over ``threshold`` at
    a lag from ``lo`` to ``hi`` (exclusive)."""
    lags = len(inverse_win_ac)
    for i in range(len(rows)):
        at = rows[i]
        energy = full[i, 0]
        # ``np.maximum``: NaN stays NaN.
        floor = energy if energy >= 1e-20 or energy != energy else 1e-20
        scale = 1.0 / floor
        mine = r[at]
        for j in range(lags):
            mine[j] = full[i, j] * scale * inverse_win_ac[j]
        amplitude[at] = math.sqrt(abs(energy) * energy_scale)
        voiced = False
        for j in range(lo, hi):
            x = mine[j]
            if x > threshold and x >= mine[j - 1] and x >= mine[j + 1]:
                voiced = True
                break
        speech[at] = speech[at] and voiced


def warm() -> None:
    """Compile (or load from the cache) every kernel now, on a few values of the types the
    analysis passes, rather than in the first live pass that needs it."""
    from kairos.detection.voice.compiled_functionals import loudness_power, segment_functionals

    first = np.zeros(1, dtype=np.intp)
    r = np.zeros((4, 60))
    r[:, 10] = 1.0
    lag, strength = pitch_pick(r, np.ones(4), first, 6, np.zeros(48), np.zeros(48), 0.2, 0.65)
    power, at = loudness_power(np.ones(800), first, 256, 80, 16, 4e-10)
    voiced = np.ones(4, dtype=np.bool_)
    segment_functionals(
        first, lag, strength, voiced, lag, lag, power, at, np.ones((4, 3)), np.ones(1), 80, -32, 160
    )
    rows = np.arange(4, dtype=np.intp)
    normalise_into(r, np.ones(56), 1.0, rows, r.copy(), lag.copy(), voiced, 10, 53, 0.5)
    normalise_into(r[:, :56], np.ones(56), 1.0, rows, r.copy(), lag.copy(), voiced, 10, 53, 0.5)
    from kairos.detection.voice import (
        compiled_gate,
        compiled_scoring,
        compiled_segments,
        compiled_spectra,
    )

    compiled_spectra.warm()
    compiled_gate.warm()
    compiled_segments.warm()
    compiled_scoring.warm()
