"""The voice functionals' per-segment loops, compiled with Numba (see ``compiled``): a
segment's loudness windows, and its deciles, jitter and shimmer, syllable nuclei, band
energies and voicing, each the same operations in the same order as the NumPy code they
replaced (``tests/detection/voice_reference_functionals.py`` keeps it)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from kairos.detection.voice.compiled import _jit, _pairwise, pairwise_sum

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]


@_jit
def loudness_power(
    samples: Floats, starts: Ints, window: int, hop: int, run: int, ref: float
) -> tuple[Floats, Ints]:
    """Per segment of ``samples`` (from ``starts``, and to the end), the mean-removed energy of
    ``window``-sample windows every ``hop`` samples, each the pairwise sum of its
    ``run``-sample runs' energies (each run as ``np.add.reduceat`` adds it: its first value,
    then the rest pairwise), over ``window``, over ``ref``, plus 1e-10: the argument of the
    loudness' logarithm. And where each segment's windows start in it (one more, the end)."""
    k = len(starts)
    ends = np.empty(k, dtype=np.intp)
    ends[:-1] = starts[1:]
    ends[-1] = len(samples)
    at = np.empty(k + 1, dtype=np.intp)
    at[0] = 0
    for s in range(k):
        at[s + 1] = at[s] + (ends[s] - starts[s] - window) // hop + 1
    out = np.empty(at[k])
    per = window // run
    stride = hop // run
    for s in range(k):
        lo, n = starts[s], ends[s] - starts[s]
        mean = pairwise_sum(samples, lo, lo + n) / n
        y = samples[lo : lo + n] - mean
        y *= y
        runs = np.empty(n // run)
        for j in range(len(runs)):
            runs[j] = y[j * run] + _pairwise(y, j * run + 1, run - 1)
        for w in range(at[s + 1] - at[s]):
            level = _pairwise(runs, w * stride, per)
            level /= window
            level /= ref
            level += 1e-10
            out[at[s] + w] = level
    return out, at


@_jit
def _quantile(v: Floats, q: float) -> float:
    """Quantile ``q`` of the sorted ``v`` with linear interpolation, as ``np.percentile``."""
    top = len(v) - 1
    at = q * top
    i = int(at)
    value: float = v[i] if i >= top else (v[i + 1] - v[i]) * (at - i) + v[i]
    return value


@_jit
def segment_functionals(
    win_starts: Ints,
    lag: Floats,
    amplitude: Floats,
    voiced: npt.NDArray[np.bool_],
    semitones: Floats,
    hnr: Floats,
    level: Floats,
    level_at: Ints,
    bands: Floats,
    durations: Floats,
    hop: int,
    offset: int,
    frame: int,
) -> Floats:
    """``functionals.functionals_together``'s ``FEATURES`` of each segment (windows from
    ``win_starts``; ``semitones`` and ``hnr`` of the voiced windows, in order; the loudness
    ``level`` of its 10 ms frames, ``hop`` samples apart, from ``level_at``: frame ``i``'s centre
    is at ``i * hop + offset`` from its first window's start, and windows are ``frame`` apart),
    one row each; a row of NaN with under three voiced windows."""
    k, n = len(win_starts), len(lag)
    out = np.full((k, 10), np.nan)
    on = 0  # the first voiced window of this segment in ``semitones`` and ``hnr``
    for s in range(k):
        lo = win_starts[s]
        hi = win_starts[s + 1] if s + 1 < k else n
        n_voiced = 0
        for w in range(lo, hi):
            n_voiced += voiced[w]
        first = on
        on += n_voiced
        if n_voiced < 3:
            continue
        row = out[s]
        st = np.sort(semitones[first:on])
        p10, p50, p90 = _quantile(st, 0.1), _quantile(st, 0.5), _quantile(st, 0.9)
        row[0], row[1] = p50, p90 - p10
        row[6] = _quantile(np.sort(hnr[first:on]), 0.5)
        lv = level[level_at[s] : level_at[s + 1]]
        threshold = lv.max() - 25.0
        loud = np.sort(lv[lv > threshold])
        i10, i50, i90 = _quantile(loud, 0.1), _quantile(loud, 0.5), _quantile(loud, 0.9)
        row[2], row[3] = i50, i90 - i10
        row[4], row[5] = _perturbation(lag, amplitude, voiced, lo, hi, n_voiced)
        row[7] = _nuclei(lv, threshold, voiced, lo, hi, hop, offset, frame) / durations[s]
        low = mid = high = 0.0
        for w in range(lo, hi):
            low += bands[w, 0]
            mid += bands[w, 1]
            high += bands[w, 2]
        row[8] = 10.0 * math.log10((mid + high + 1e-12) / (low + 1e-12))
        row[9] = n_voiced / (hi - lo)
    return out


@_jit
def _perturbation(
    lag: Floats, amplitude: Floats, voiced: npt.NDArray[np.bool_], lo: int, hi: int, n_voiced: int
) -> tuple[float, float]:
    """Jitter and shimmer of the windows ``lo`` to ``hi``: the mean departure of a voiced window
    with voiced neighbours from their mean, over the voiced windows' mean, in percent; NaN under
    two such windows. The sums in NumPy's pairwise order, over the values in window order."""
    wobble = np.empty((2, max(hi - lo - 2, 0)))
    on = np.empty((2, n_voiced))
    runs = 0
    for w in range(lo + 1, hi - 1):
        if voiced[w - 1] and voiced[w] and voiced[w + 1]:
            wobble[0, runs] = abs(lag[w] - 0.5 * (lag[w + 1] + lag[w - 1]))
            wobble[1, runs] = abs(amplitude[w] - 0.5 * (amplitude[w + 1] + amplitude[w - 1]))
            runs += 1
    if runs < 2:
        return math.nan, math.nan
    v = 0
    for w in range(lo, hi):
        if voiced[w]:
            on[0, v], on[1, v] = lag[w], amplitude[w]
            v += 1
    jitter = (
        100.0 * (pairwise_sum(wobble[0], 0, runs) / runs) / (pairwise_sum(on[0], 0, v) / n_voiced)
    )
    shimmer = (
        100.0 * (pairwise_sum(wobble[1], 0, runs) / runs) / (pairwise_sum(on[1], 0, v) / n_voiced)
    )
    return jitter, shimmer


@_jit
def _nuclei(
    level: Floats,
    threshold: float,
    voiced: npt.NDArray[np.bool_],
    lo: int,
    hi: int,
    hop: int,
    offset: int,
    frame: int,
) -> float:
    """Syllable nuclei (``functionals.nuclei``): voiced loudness peaks over ``threshold``, 2 dB
    dips apart; 10 ms frame ``i`` takes the voicing of the 20 ms window its centre falls in."""
    count = 0
    last = -1
    for c in range(1, len(level) - 1):
        x = level[c]
        if not (x > level[c - 1] and x >= level[c + 1] and x > threshold):
            continue
        at = (c * hop + offset) // frame
        if not voiced[lo + min(max(at, 0), hi - lo - 1)]:
            continue
        if last < 0:
            last, count = c, 1
            continue
        dip = level[last]
        for j in range(last + 1, c + 1):
            dip = min(dip, level[j])
        if min(level[last], x) - dip >= 2.0:
            last, count = c, count + 1
        elif x > level[last]:
            last = c
    return float(count)
