"""A live pass's segments scored against their callers' baselines, compiled: one loop for every
segment the pass closed, of every stream.

``StressTracker.update`` scored a segment in Python (about 25 µs: the ten features standardised
for the population head and against the caller's baseline for the caller head, the two heads'
logistics, the baseline's fold and the smoothing), segment by segment. ``score_into`` runs the
same steps over the rows of a pass's feature matrix, each against its tracker's row of a state
matrix (``SUMS`` ... ``ADAPT``), in the order given, so a stream's segments fold into its
baseline in turn. The arithmetic is the Python version's, operation by operation (no fastmath:
no multiply-add fused, nothing reordered), except the heads' dot products: ``_dot`` adds its
ten products in order with fused multiply-adds (``fastmath={"contract"}``), which is what
OpenBLAS's ``ddot`` does for fewer than 16 values, the bits NumPy's ``@`` gave
(``test_voice_scoring.py`` checks it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

from kairos.detection.voice.compiled import _jit

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]
Bools = npt.NDArray[np.bool_]

F = TypeVar("F", bound=Callable[..., Any])

#: A tracker's state row, with ``n`` features: the voiced-seconds-weighted sums ``[0, n)`` and
#: weights ``[n, 2n)`` of its baseline, then (from ``2n``) the seconds of speech in it, the
#: smoothed stress (NaN before any speech) and the tracker's four settings.
VOICED, STRESS, BASELINE_S, MAX_WEIGHT, SMOOTHING_S, ADAPT_S = range(6)
#: Columns of ``score_into``'s ``out``: the segment's stress, the smoothed stress after it, the
#: baseline weight it was scored with, its seconds for the smoothing, and 1.0 when the caller
#: head scored it (its row of ``z`` is then the caller z-scores).
P_SEG, SMOOTHED, WEIGHT, SECONDS, CALLER = range(5)

#: A segment sounds calm enough to refine the baseline below this stress.
CALM = 0.5


def _jit_fma(f: F) -> F:
    """``f`` compiled with multiply-adds fused and nothing else licensed (no reordering)."""
    try:
        return cast(F, numba.njit(cache=True, nogil=True, fastmath={"contract"})(f))
    except RuntimeError:
        return cast(F, numba.njit(nogil=True, fastmath={"contract"})(f))


@_jit_fma
def _dot(a: Floats, j: int, b: Floats) -> float:
    """``a[j] @ b`` as OpenBLAS's ``ddot`` adds ten values: in order, each a fused multiply-add."""
    s = 0.0
    for i in range(b.shape[0]):
        s += a[j, i] * b[i]
    return s


@_jit
def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@_jit
def _learn(state: Floats, r: int, x: Floats, j: int, voiced_s: float, p_seg: float) -> None:
    """``StressTracker``'s fold of segment ``x[j]`` into the baseline of ``state[r]``."""
    n = x.shape[1]
    voiced = 2 * n + VOICED
    if state[r, voiced] < state[r, 2 * n + BASELINE_S]:
        w = voiced_s
    elif p_seg < CALM:
        # Past the build-up the baseline drifts with calm speech only, over about a minute.
        w = voiced_s
        keep = math.exp(-voiced_s / state[r, 2 * n + ADAPT_S])
        for i in range(2 * n):
            state[r, i] = state[r, i] * keep
    else:
        return
    for i in range(n):
        v = x[j, i]
        if math.isfinite(v):
            state[r, i] += w * v
            state[r, n + i] += w
    state[r, voiced] += voiced_s


@_jit
def score_into(
    x: Floats,
    rows: Ints,
    times: Floats,
    state: Floats,
    pop: Floats,
    pop_mask: Bools,
    rel: Floats,
    intercepts: Floats,
    scaled: Floats,
    z: Floats,
    out: Floats,
) -> None:
    """Segment ``j`` (features ``x[j]``; ``times[j]``: start, end and voiced seconds) scored
    against the tracker state ``state[rows[j]]``, folded into it, and its stress smoothed, in
    the order of ``j``. ``pop``: the population head's mean, scale and coefficients (rows);
    ``rel``: the within-speaker SDs and the caller head's coefficients; ``intercepts``: the
    heads'. Writes each segment's standardised features to ``scaled[j]``, its caller z-scores
    to ``z[j]`` (when the caller head scored it) and ``out[j]`` (``P_SEG`` ... ``CALLER``)."""
    n = x.shape[1]
    for j in range(x.shape[0]):
        r = rows[j]
        for i in range(n):
            s = pop[1, i]
            v = 0.0
            if pop_mask[i] and s != 0.0:
                v = (x[j, i] - pop[0, i]) / s
                if not math.isfinite(v):
                    v = 0.0
            scaled[j, i] = v
        p_pop = _sigmoid(_dot(scaled, j, pop[2]) + intercepts[0])
        voiced = state[r, 2 * n + VOICED]
        most = state[r, 2 * n + MAX_WEIGHT]
        weight = most * min(1.0, voiced / state[r, 2 * n + BASELINE_S])
        p_seg = p_pop
        out[j, CALLER] = 0.0
        if voiced > 0.0 and weight > 0.0:
            for i in range(n):
                sd, count = rel[0, i], state[r, n + i]
                base = state[r, i] / count if count > 0 else math.nan
                v = 0.0
                if sd != 0.0:
                    v = (x[j, i] - base) / sd
                    if not math.isfinite(v):
                        v = 0.0
                    elif v > 6.0:
                        v = 6.0
                    elif v < -6.0:
                        v = -6.0
                z[j, i] = v
            p_caller = _sigmoid(_dot(z, j, rel[1]) + intercepts[1])
            p_seg = weight * p_caller + (1.0 - weight) * p_pop
            out[j, CALLER] = 1.0
        _learn(state, r, x, j, times[j, 2], p_seg)
        seconds = max(times[j, 1] - times[j, 0], 1e-3)
        stress = state[r, 2 * n + STRESS]
        if math.isnan(stress):
            stress = p_seg
        else:
            alpha = 1.0 - math.exp(-seconds / state[r, 2 * n + SMOOTHING_S])
            stress += alpha * (p_seg - stress)
        state[r, 2 * n + STRESS] = stress
        out[j, P_SEG], out[j, SMOOTHED] = p_seg, stress
        out[j, WEIGHT], out[j, SECONDS] = weight, seconds


def warm() -> None:
    """Compile (or load from the cache) ``score_into``."""
    n = 3
    state = np.zeros((1, 2 * n + 6))
    state[0, 2 * n + STRESS] = math.nan
    state[0, 2 * n + BASELINE_S :] = (6.0, 0.8, 1.0, 60.0)
    x = np.ones((2, n))
    score_into(
        x,
        np.zeros(2, dtype=np.intp),
        np.array([[0.0, 1.0, 1.0], [1.0, 2.0, 1.0]]),
        state,
        np.ones((3, n)),
        np.ones(n, dtype=np.bool_),
        np.ones((2, n)),
        np.zeros(2),
        np.empty_like(x),
        np.empty_like(x),
        np.empty((2, 5)),
    )
