"""The voice functionals' NumPy code before its loops were compiled (``kairos.detection.voice
.compiled``), kept as the reference the compiled kernels must match to the bit
(``functionals.functionals_together`` as it was)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from kairos.detection.voice.codecs import FloatArray
from kairos.detection.voice.frames import Windows
from kairos.detection.voice.functionals import (
    _BLOCK,
    _HOP,
    _LOUD_HOP,
    _LOUD_WIN,
    _PITCH_RATE,
    _REF,
    _WIN,
    ANALYSIS_RATE,
    nuclei,
)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]
_DECILES_LIST = (0.1, 0.5, 0.9)
_TOGETHER = 3
_DECILES = np.array(_DECILES_LIST)


def functionals_together(
    segments: Sequence[tuple[Windows, npt.NDArray[np.floating]]],
    lag: Floats,
    strength: Floats,
    amplitude: Floats,
) -> list[FloatArray | None]:
    """Each (windows, samples at 8 kHz) segment's ``FEATURES`` from its windows' pitch period
    ``lag``, periodicity ``strength`` (0 unvoiced) and ``amplitude``, concatenated in the
    segments' order; None for a segment with fewer than three voiced windows."""
    lengths = [len(w) for w, _ in segments]
    if len(segments) < _TOGETHER:
        # One or two segments (a lone stream's usual case) cost less measured one by one.
        alone: list[FloatArray | None] = []
        at = 0
        for (windows, x), n in zip(segments, lengths, strict=True):
            end = at + n
            alone.append(_one(windows, x, lag[at:end], strength[at:end], amplitude[at:end]))
            at = end
        return alone
    starts = np.cumsum([0, *lengths[:-1]])
    voiced = strength > 0
    n_voiced = np.add.reduceat(voiced, starts, dtype=np.intp)
    good = n_voiced >= 3
    out: list[FloatArray | None] = [None] * len(segments)
    if not good.all():
        if not good.any():
            return out
        keep = np.repeat(good, lengths)
        lag, strength, amplitude, voiced = lag[keep], strength[keep], amplitude[keep], voiced[keep]
        picked = good.nonzero()[0].tolist()
        lengths = [lengths[i] for i in picked]
        starts = np.cumsum([0, *lengths[:-1]])
        n_voiced = n_voiced[good]
    else:
        picked = list(range(len(segments)))
    mine = [segments[i] for i in picked]
    k = len(mine)
    values = np.empty((k, 10))
    _pitch_columns(values, lag, strength, voiced, n_voiced)
    level, counts, threshold = _loudness_columns(values, [x for _, x in mine])
    lengths_a = np.array(lengths)
    values[:, 4:6] = _perturbation(lag, amplitude, voiced, starts, lengths_a, n_voiced)
    values[:, 7] = _nuclei(level, counts, threshold, voiced, starts, lengths_a)
    # Each segment's band energies summed row after row, as ``bands.sum(axis=0)`` adds them.
    bands = np.add.reduceat(np.concatenate([w.bands for w, _ in mine]), starts, axis=0)
    values[:, 8] = [
        10.0 * math.log10((mid + high + 1e-12) / (low + 1e-12)) for low, mid, high in bands.tolist()
    ]
    values[:, 7] /= [len(x) / ANALYSIS_RATE for _, x in mine]
    values[:, 9] = n_voiced / lengths_a
    for i, features in zip(picked, values.astype(np.float32), strict=True):
        out[i] = features
    return out


def _pitch_columns(
    values: Floats, lag: Floats, strength: Floats, voiced: npt.NDArray[np.bool_], n_voiced: Ints
) -> None:
    """Pitch median and 10-90 range (semitones re 100 Hz) and the median harmonics-to-noise
    ratio of each segment's voiced windows, into ``values``' columns 0, 1 and 6."""
    semitones = 12.0 * np.log2(_PITCH_RATE / lag[voiced] / 100.0)
    r = np.minimum(np.maximum(strength[voiced], 1e-3), 0.999)
    hnr = 10.0 * np.log10(r / (1.0 - r))
    k = len(n_voiced)
    rows = np.repeat(np.arange(k), n_voiced)
    cols = np.arange(len(rows)) - np.repeat(np.cumsum(n_voiced) - n_voiced, n_voiced)
    both = np.full((2, k, int(n_voiced.max())), np.inf)
    both[0, rows, cols] = semitones
    both[1, rows, cols] = hnr
    both.sort(axis=2)
    # Both rows' deciles at once; of the harmonics-to-noise ratio only the median is kept.
    deciles = _quantiles(both.reshape(2 * k, -1), np.concatenate((n_voiced, n_voiced)), _DECILES)
    values[:, 0] = deciles[:k, 1]
    values[:, 1] = deciles[:k, 2] - deciles[:k, 0]
    values[:, 6] = deciles[k:, 1]


def _loudness_columns(
    values: Floats, xs: list[npt.NDArray[np.floating]]
) -> tuple[Floats, Ints, Floats]:
    """Each segment's loudness median and 10-90 range over its frames within 25 dB of its
    loudest, into columns 2 and 3; the loudness rows (10 ms frames, in dB re 20 µPa, valid up
    to each row's count), the counts and each row's threshold (loudest less 25 dB)."""
    n = [len(x) for x in xs]
    width = -(-max(n) // _BLOCK) * _BLOCK
    k = len(xs)
    padded = np.zeros((k, width))
    means = []
    for row, (x, m) in enumerate(zip(xs, n, strict=True)):
        mine = padded[row, :m]
        mine[:] = x
        means.append(mine.sum() / m)
    padded -= np.array(means)[:, None]
    padded *= padded
    # A window is 16 runs of 16 samples and starts every 5 runs: each run's energy (added in
    # order), then each window's sum of 16 runs (pairwise); neither reads past a row's end.
    runs = np.add.reduceat(padded.reshape(-1), np.arange(0, k * width, _BLOCK))
    runs = runs.reshape(k, width // _BLOCK)
    # Every segment holds 0.1 s at least (800 samples): seven windows or more.
    counts = (np.array(n) - _LOUD_WIN) // _LOUD_HOP + 1
    most = int(counts.max())
    across, step = runs.strides
    shape = (k, most, _LOUD_WIN // _BLOCK)
    windows = np.ndarray(shape, np.float64, runs, 0, (across, step * _LOUD_HOP // _BLOCK, step))
    level = windows.sum(axis=2)
    # The same operations in the same order as ``10 log10(ms / ref + 1e-10)``.
    level /= _LOUD_WIN
    level /= _REF
    level += 1e-10
    np.log10(level, out=level)
    level *= 10.0
    valid = np.arange(most) < counts[:, None]
    threshold = np.where(valid, level, -np.inf).max(axis=1) - 25.0
    loud = valid & (level > threshold[:, None])
    ranked = np.where(loud, level, np.inf)
    ranked.sort(axis=1)
    i10, i50, i90 = _quantiles(ranked, loud.sum(axis=1), _DECILES).T
    values[:, 2] = i50
    values[:, 3] = i90 - i10
    return level, counts, threshold


def _quantiles(ranked: Floats, counts: Ints, q: Floats) -> Floats:
    """Quantiles ``q`` of each row's first ``counts`` values (the row sorted), with linear
    interpolation as ``np.percentile``: one column per quantile."""
    top = (counts - 1)[:, None]
    at = top * q
    i = at.astype(np.intp)
    flat = ranked.reshape(-1)
    row = (np.arange(len(ranked)) * ranked.shape[1])[:, None]
    low = flat[row + i]
    high = flat[row + np.minimum(i + 1, top)]
    out: Floats = np.where(i >= top, low, (high - low) * (at - i) + low)
    return out


def _perturbation(
    lag: Floats,
    amplitude: Floats,
    voiced: npt.NDArray[np.bool_],
    starts: Ints,
    lengths: Ints,
    n_voiced: Ints,
) -> Floats:
    """Each segment's jitter and shimmer (``features``: the mean departure of a voiced window
    with voiced neighbours from their mean, over the mean, in percent); NaN under two."""
    values = np.array((lag, amplitude))
    runs = voiced[2:] & voiced[1:-1] & voiced[:-2]
    # A segment's first and last windows have no neighbour on one side within it.
    runs[starts[1:] - 1] = False
    runs[(starts + lengths)[:-1] - 2] = False
    wobble = np.abs(values[:, 1:-1] - 0.5 * (values[:, 2:] + values[:, :-2]))[:, runs]
    on = values[:, voiced]
    at_run = np.zeros(len(voiced), dtype=np.bool_)
    at_run[1:-1] = runs
    n_runs = np.add.reduceat(at_run, starts, dtype=np.intp)
    ends_w, ends_v = np.cumsum(n_runs).tolist(), np.cumsum(n_voiced).tolist()
    sums = np.empty((len(starts), 4))
    a = b = 0
    for row, (w, v) in enumerate(zip(ends_w, ends_v, strict=True)):
        # Each sum alone, over a contiguous row: NumPy's pairwise order, as one segment's.
        sums[row, :2] = wobble[:, a:w].sum(axis=1)
        sums[row, 2:] = on[:, b:v].sum(axis=1)
        a, b = w, v
    # (Under two runs the sums are 0 over at least 1: no 0/0 to warn about.)
    runs_at_least_one = np.maximum(n_runs, 1)[:, None]
    out = 100.0 * (sums[:, :2] / runs_at_least_one) / (sums[:, 2:] / n_voiced[:, None])
    out[n_runs < 2] = math.nan
    return out


def _nuclei(
    level: Floats,
    counts: Ints,
    threshold: Floats,
    voiced: npt.NDArray[np.bool_],
    starts: Ints,
    lengths: Ints,
) -> Floats:
    """Each segment's syllable nuclei (``features.nuclei``): voiced loudness peaks within 25 dB
    of its loudest, 2 dB dips apart; the 10 ms frames take the voicing of the 20 ms window they
    fall in."""
    k, most = level.shape
    at = (np.arange(most) * _LOUD_HOP + _LOUD_WIN // 2 - _WIN // 2) // _HOP
    centre = np.minimum(np.maximum(at, 0)[None, :], (lengths - 1)[:, None]) + starts[:, None]
    voiced_at = voiced[centre]
    inner = level[:, 1:-1]
    peak = inner > level[:, :-2]
    peak &= inner >= level[:, 2:]
    peak &= inner > threshold[:, None]
    peak &= voiced_at[:, 1:-1]
    peak &= np.arange(1, most - 1) < (counts - 1)[:, None]
    rows, cols = peak.nonzero()
    found = [0] * k
    levels = level.tolist()
    last_row = -1
    last = 0
    for r, c in zip(rows.tolist(), (cols + 1).tolist(), strict=True):
        row = levels[r]
        if r != last_row:
            last_row, last = r, c
            found[r] = 1
            continue
        dip = min(row[last : c + 1])
        if min(row[last], row[c]) - dip >= 2.0:
            last = c
            found[r] += 1
        elif row[c] > row[last]:
            last = c
    return np.array(found, dtype=np.float64)


def _one(
    windows: Windows,
    x: npt.NDArray[np.floating],
    lag: Floats,
    strength: Floats,
    amplitude: Floats,
) -> FloatArray | None:
    """``functionals_together`` of one segment, by itself: the same operations on its values
    alone, so the same numbers to the bit."""
    voiced = strength > 0
    n_voiced = int(voiced.sum())
    if n_voiced < 3:
        return None
    semitones = 12.0 * np.log2(_PITCH_RATE / lag[voiced] / 100.0)
    p10, p50, p90 = _sorted_quantiles(semitones, _DECILES_LIST)
    r = np.minimum(np.maximum(strength[voiced], 1e-3), 0.999)
    hnr = _sorted_quantiles(10.0 * np.log10(r / (1.0 - r)), (0.5,))[0]
    level = _level(x)
    threshold = level.max() - 25.0
    i10, i50, i90 = _sorted_quantiles(level[level > threshold], _DECILES_LIST)
    at = (np.arange(len(level)) * _LOUD_HOP + _LOUD_WIN // 2 - _WIN // 2) // _HOP
    voiced_at = voiced[np.minimum(np.maximum(at, 0), len(voiced) - 1)]
    runs = voiced[2:] & voiced[1:-1] & voiced[:-2]
    n_runs = int(runs.sum())
    jitter = shimmer = math.nan
    if n_runs >= 2:
        values = np.array((lag, amplitude))
        wobble = np.abs(values[:, 1:-1] - 0.5 * (values[:, 2:] + values[:, :-2]))[:, runs]
        on = values[:, voiced].sum(axis=1)
        jitter, shimmer = (100.0 * (wobble.sum(axis=1) / n_runs) / (on / n_voiced)).tolist()
    low, mid, high = windows.bands.sum(axis=0).tolist()
    alpha = 10.0 * math.log10((mid + high + 1e-12) / (low + 1e-12))
    rate = nuclei(level, voiced_at) / (len(x) / ANALYSIS_RATE)
    row = [p50, p90 - p10, i50, i90 - i10, jitter, shimmer, hnr, rate, alpha]
    return np.array([*row, n_voiced / len(voiced)], dtype=np.float32)


def _sorted_quantiles(values: Floats, q: tuple[float, ...]) -> list[float]:
    """``_quantiles`` of one set of values, over a Python list."""
    v = np.sort(values).tolist()
    top = len(v) - 1
    out = []
    for f in q:
        at = f * top
        i = int(at)
        out.append(v[i] if i >= top else (v[i + 1] - v[i]) * (at - i) + v[i])
    return out


def _level(x: npt.NDArray[np.floating]) -> Floats:
    """One segment's loudness as ``_loudness_columns`` computes each row: 32 ms windows every
    10 ms, each the sum of 16-sample runs' energies, in dB re 20 µPa."""
    n = len(x)
    y = np.zeros(-(-n // _BLOCK) * _BLOCK)
    mine = y[:n]
    mine[:] = x
    y -= mine.sum() / n
    y *= y
    runs = np.add.reduceat(y, np.arange(0, len(y), _BLOCK))
    count = (n - _LOUD_WIN) // _LOUD_HOP + 1
    step = runs.strides[0]
    shape = (count, _LOUD_WIN // _BLOCK)
    windows = np.ndarray(shape, np.float64, runs, 0, (step * _LOUD_HOP // _BLOCK, step))
    level: Floats = windows.sum(axis=1)
    level /= _LOUD_WIN
    level /= _REF
    level += 1e-10
    np.log10(level, out=level)
    level *= 10.0
    return level
