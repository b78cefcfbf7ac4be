"""Why a caller sounds stressed, in plain words: the features that push the stress up most.

``cues`` reads a tracker's recent segments (the stressed run that ends now, else the whole
window) and says up to three features at least one SD from where they should be: from the
caller's own baseline once it counts for half or more, else from calm speech across speakers.
The means are NumPy's to the bit in plain floats (``_weighted_mean``), as before this module
held them.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kairos.detection.voice.compiled_scoring import CALM
from kairos.detection.voice.features import FEATURES, LABELS
from kairos.detection.voice.model import EXCLUDED

# Reasons need a feature this far from the baseline (SDs) pushing stress up.
_REASON_SD = 1.0
_MAX_REASONS = 3

#: One recent segment: its end, its seconds, its stress, its caller z-scores (None when the
#: caller head did not score it) and its standardised features.
Recent = tuple[float, float, float, "array[float] | None", "array[float]"]


@dataclass(frozen=True, slots=True)
class VoiceCue:
    """One feature that explains the stress score, in plain words."""

    feature: str
    sd: float
    text: str


def cues(
    recent: Sequence[Recent],
    values: dict[str, tuple[float, ...]],
    *,
    end_s: float,
    weight: float,
    window_seconds: float,
    max_caller_weight: float,
) -> tuple[VoiceCue, ...]:
    """The reasons for the stress after the segment that ends at ``end_s`` (the last of
    ``recent``), with the model's ``values``."""
    # The reasons describe the stressed stretch that ends now (the run of recent segments
    # that sound stressed, within the window), else the whole window.
    run: list[Recent] = []
    for row in reversed(recent):
        if row[2] < CALM:
            break
        run.append(row)
    rows = run or list(recent)
    oldest = min(rows, key=lambda r: r[0])
    span = max(1.0, min(window_seconds, end_s - oldest[0] + oldest[1]))
    caller = weight >= 0.5 * max_caller_weight and all(r[3] is not None for r in rows)
    if caller:
        sds = _weighted_mean([r[3] for r in rows], [r[1] for r in rows])  # type: ignore[misc]
        pushes = [z * c for z, c in zip(sds, values["rel_coef"], strict=True)]
        where = "this caller's baseline"
    else:
        scaled = _weighted_mean([r[4] for r in rows], [r[1] for r in rows])
        pushes = [z * c for z, c in zip(scaled, values["pop_coef"], strict=True)]
        # Said against calm speech across speakers: SDs of the calm norm, not of the scaler.
        sds = [
            _divide(z * scale + mean - norm_mean, norm_sd)
            for z, scale, mean, norm_mean, norm_sd in zip(
                scaled,
                values["pop_scale"],
                values["pop_mean"],
                values["norm_mean"],
                values["norm_sd"],
                strict=True,
            )
        ]
        where = "calm speech across speakers"
    order = sorted(range(len(pushes)), key=lambda i: -pushes[i])
    found: list[VoiceCue] = []
    for i in order:
        name, value = FEATURES[i], sds[i]
        if pushes[i] <= 0 or abs(value) < _REASON_SD:
            continue
        if name in EXCLUDED:
            continue
        side = "above" if value > 0 else "below"
        text = (f"{LABELS[name]} {abs(value):.1f} SD {side} {where} "
                f"over the last {span:.0f} s")  # fmt: skip
        found.append(VoiceCue(feature=name, sd=round(value, 2), text=text))
        if len(found) == _MAX_REASONS:
            break
    return tuple(found)


def _weighted_mean(rows: Sequence[Sequence[float]], weights: list[float]) -> list[float]:
    """The weighted mean of the rows as NumPy computed it here before, to the bit, in plain
    floats: ``(rows * w[:, None]).sum(axis=0) / w[:, None].sum(axis=0)`` adds each column's
    products row after row (a sum down axis 0) and the weights pairwise (``_pairwise_sum``)."""
    first, w0 = rows[0], weights[0]
    sums = [v * w0 for v in first]
    for row, w in zip(rows[1:], weights[1:], strict=True):
        sums = [s + v * w for s, v in zip(sums, row, strict=True)]
    total = _pairwise_sum(weights)
    return [s / total for s in sums]


def _pairwise_sum(values: list[float]) -> float:
    """``np.sum`` of a short contiguous float64 vector (NumPy's pairwise_sum up to 128 values:
    under eight added in order, else eight running sums combined as a tree, then the rest)."""
    n = len(values)
    if n > 128:
        return float(np.sum(values))
    if n < 8:
        total = 0.0
        for v in values:
            total += v
        return total
    r = values[:8]
    i = 8
    while i + 8 <= n:
        r = [a + b for a, b in zip(r, values[i : i + 8], strict=True)]
        i += 8
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for v in values[i:]:
        total += v
    return total


def _divide(a: float, b: float) -> float:
    """``a / b`` as NumPy divides floats: by zero, an infinity or NaN rather than an error."""
    if b:
        return a / b
    if a == 0.0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)
