"""The voice pitch pick's NumPy code before its loops were compiled (``kairos.detection.voice
.compiled``), kept as the reference the compiled kernel must match to the bit (``features._pitch``
as it was), and the features of segments through the reference pitch and functionals."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from tests.detection.voice_reference_functionals import functionals_together

from kairos.detection.voice.codecs import FloatArray
from kairos.detection.voice.features import (
    _JUMP_COST,
    _LAG_HI,
    _LAG_LO,
    _LOG_LAGS,
    _PLAN,
    _SCORE_COST,
    ANALYSIS_RATE,
    VOICING_THRESHOLD,
)
from kairos.detection.voice.frames import Windows

Floats = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_ROW_OFFSET = _PLAN.lags * np.arange(4096)
_AROUND = np.array([-1, 0, 1])


def features_together(
    segments: Sequence[tuple[Windows, npt.NDArray[np.floating]]],
) -> list[FloatArray | None]:
    """``features.features_together`` as it was, on the reference's pitch and functionals."""
    out: list[FloatArray | None] = [None] * len(segments)
    kept = [i for i, (w, x) in enumerate(segments) if len(x) / ANALYSIS_RATE >= 0.1 and len(w) > 0]
    if not kept:
        return out
    parts = [segments[i][0] for i in kept]
    r = np.concatenate([w.r for w in parts])
    amplitude = np.concatenate([w.amplitude for w in parts])
    lag, strength = pitch(r, amplitude, [len(w) for w in parts])
    found = functionals_together([segments[i] for i in kept], lag, strength, amplitude)
    for i, x in zip(kept, found, strict=True):
        out[i] = x
    return out


def pitch(r: Floats, amplitude: Floats, lengths: list[int]) -> tuple[Floats, Floats]:
    """Per window of segments of ``lengths`` windows, one after another: the pitch period in
    samples (parabolic peak) and its periodicity (0 when unvoiced or silent)."""
    inner = r[:, _LAG_LO : _LAG_HI + 1]
    peak = inner >= r[:, _LAG_LO - 1 : _LAG_HI]
    peak &= inner > r[:, _LAG_LO + 1 : _LAG_HI + 2]
    score = np.where(peak, inner - _SCORE_COST, -np.inf)
    best = np.argmax(score, axis=1)
    n = len(r)
    # Flat indices of each row's best lag: one gather for the three points around it.
    at = (_ROW_OFFSET[:n] if n <= len(_ROW_OFFSET) else r.shape[1] * np.arange(n)) + _LAG_LO
    flat = r.reshape(-1)
    found = peak.any(axis=1)
    sure = found & (flat[at + best] > VOICING_THRESHOLD)
    # Second pass: octave jumps away from each segment's typical period cost more.
    if len(lengths) == 1:
        if sure.any():
            typical = _median(best[sure]) + _LAG_LO
            score -= _JUMP_COST * np.abs(_LOG_LAGS - math.log2(typical))
            best = np.argmax(score, axis=1)
        loudest = 0.03 * amplitude.max()
    else:
        starts = np.cumsum([0, *lengths[:-1]])
        has = np.logical_or.reduceat(sure, starts).tolist()
        logs = [math.log2(m + _LAG_LO) for m in _medians(best, sure, starts)]
        if len(logs) == len(lengths):
            # Every segment has a typical period (the usual case): the scores change in place.
            # (``score -= _JUMP_COST * |_LOG_LAGS - typical|``, the same steps in one buffer.)
            jumps = np.subtract(_LOG_LAGS, np.repeat(logs, lengths)[:, None])
            np.abs(jumps, out=jumps)
            jumps *= _JUMP_COST
            score -= jumps
            best = np.argmax(score, axis=1)
        elif logs:
            rows = np.repeat(has, lengths)
            log_typical = np.repeat(logs, [m for m, yes in zip(lengths, has, strict=True) if yes])
            jumps = score[rows]
            jumps -= _JUMP_COST * np.abs(_LOG_LAGS - log_typical[:, None])
            best[rows] = np.argmax(jumps, axis=1)
        loudest = 0.03 * np.repeat(np.maximum.reduceat(amplitude, starts), lengths)
    k = best + _LAG_LO
    around = flat[(at + best)[:, None] + _AROUND]
    a, b, c = around[:, 0], around[:, 1], around[:, 2]
    half = a - c
    half *= 0.5
    denom = b * -2.0
    denom += a
    denom += c
    # Through a peak (a <= b > c) the parabola's vertex lies within half a lag of it.
    shift = np.zeros(n)
    np.divide(half, denom, out=shift, where=denom < 0)
    height = np.minimum(b - 0.5 * half * shift, 1.0)
    # Praat's silence rule: frames far below the segment's loudest are unvoiced.
    ok = found & (amplitude > loudest)
    ok &= height > VOICING_THRESHOLD
    return k + shift, np.where(ok, height, 0.0)


def _medians(
    best: npt.NDArray[np.intp], sure: BoolArray, starts: npt.NDArray[np.intp]
) -> list[float]:
    """``_median`` of each segment's ``best[sure]`` (segments from ``starts``; those with none
    left out), all in one sort: each lag keyed by its segment, ``key = segment * span + lag``."""
    span = _LAG_HI - _LAG_LO + 1  # ``best`` is an index into these lags
    segment = np.zeros(len(best), dtype=np.intp)
    segment[starts[1:]] = 1
    np.cumsum(segment, out=segment)
    mine = segment[sure]  # in order, so the sorted keys' segments are ``mine`` too
    mine *= span
    v = np.sort(mine + best[sure])
    v -= mine
    counts = np.bincount(segment[sure])
    counts = counts[counts > 0]
    odd = counts % 2
    at = np.cumsum(counts) - counts + counts // 2
    upper, lower = v[at].tolist(), v[at - 1 + odd].tolist()
    return [
        float(hi) if o else 0.5 * (float(lo) + float(hi))
        for lo, hi, o in zip(lower, upper, odd.tolist(), strict=True)
    ]


def _median(values: npt.NDArray[np.intp]) -> float:
    """The median, as ``np.median``, cheaper."""
    v = np.sort(values)
    m = len(v) // 2
    return float(v[m]) if len(v) % 2 else 0.5 * (float(v[m - 1]) + float(v[m]))
