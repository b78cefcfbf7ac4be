"""One caller's baseline and smoothed stress (``StressTracker``), and what a segment says.

What matters is how the voice departs from the caller's *own* baseline (a loud speaker is not a
stressed one). Until the baseline has built up (``baseline_seconds`` of speech), a segment is scored
more and more by the caller head and less by the population head, which knows only how calm and
angry speakers sound across the training data. After that the baseline follows the caller slowly,
and only on segments that sound calm, so a rant does not become the new normal.

A segment's ten features are plain Python floats here, not NumPy arrays: NumPy's fixed cost per
call (about a microsecond) on ten-element vectors was most of a segment's scoring. The operations
are NumPy's own, value by value and sum by sum, so the numbers are the same to the bit; only the
two heads' dot products stay NumPy's (BLAS adds them with fused multiply-adds).
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kairos.detection.voice.codecs import FloatArray
from kairos.detection.voice.features import FEATURES, LABELS
from kairos.detection.voice.model import EXCLUDED, Vector, VoiceModel, load_default

#: A segment sounds calm enough to refine the baseline below this stress.
_CALM = 0.5
#: Smoothed stress at or above this comes with reasons.
REASON_THRESHOLD = 0.5
# Reasons need a feature this far from the baseline (SDs) pushing stress up.
_REASON_SD = 1.0
_MAX_REASONS = 3


@dataclass(frozen=True, slots=True)
class VoiceCue:
    """One feature that explains the stress score, in plain words."""

    feature: str
    sd: float
    text: str


@dataclass(frozen=True, slots=True)
class SegmentResult:
    """What one voiced segment says: its features, its own stress and the caller's stress now."""

    start_s: float
    end_s: float
    voiced_s: float
    features: dict[str, float]
    segment_stress: float
    stress: float
    baseline_weight: float
    cues: tuple[VoiceCue, ...]

    def as_json(self) -> dict[str, object]:
        """The segment as a JSON-ready dict."""
        return {
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "voiced_s": round(self.voiced_s, 3),
            "features": self.features,
            "segment_stress": round(self.segment_stress, 4),
            "stress": round(self.stress, 4),
            "baseline_weight": round(self.baseline_weight, 3),
            "reasons": [c.text for c in self.cues],
        }


class StressTracker:
    """One caller's baseline and smoothed stress: ``update(features, ...) -> SegmentResult``."""

    __slots__ = (
        "_base_n",
        "_base_sum",
        "_recent",
        "_stress",
        "_voiced",
        "adapt_seconds",
        "baseline_seconds",
        "max_caller_weight",
        "model",
        "smoothing_seconds",
        "window_seconds",
    )

    def __init__(
        self,
        model: VoiceModel | None = None,
        *,
        baseline_seconds: float = 6.0,
        max_caller_weight: float = 0.8,
        smoothing_seconds: float = 1.0,
        window_seconds: float = 10.0,
        adapt_seconds: float = 60.0,
    ) -> None:
        self.model = model or load_default()
        self.baseline_seconds = baseline_seconds
        self.max_caller_weight = max_caller_weight
        self.smoothing_seconds = smoothing_seconds
        self.window_seconds = window_seconds
        self.adapt_seconds = adapt_seconds
        # One segment's ten features are plain Python floats here: NumPy's fixed cost per call
        # (about a microsecond) on ten-element arrays was most of a segment's scoring. The same
        # operations value by value, so the same numbers to the bit.
        n = len(FEATURES)
        # Kept as arrays of doubles (``array``): a list of float objects took 4 KiB more a stream.
        self._base_sum = array("d", bytes(8 * n))  # voiced-seconds-weighted sums, per feature
        self._base_n = array("d", bytes(8 * n))
        self._voiced = 0.0  # seconds of speech in the baseline so far
        self._stress: float | None = None
        # (end_s, seconds, segment stress, caller z or None, population z), last window_seconds
        self._recent: deque[tuple[float, float, float, array[float] | None, array[float]]] = deque()

    @property
    def stress(self) -> float | None:
        """The smoothed stress now; None before any speech."""
        return self._stress

    @property
    def baseline_weight(self) -> float:
        """How much the caller head counts now, 0 with no baseline up to ``max_caller_weight``."""
        return self.max_caller_weight * min(1.0, self._voiced / self.baseline_seconds)

    def baseline(self) -> Vector | None:
        """The caller's baseline features (NaN where never measured); None before any speech."""
        values = self._baseline_values()
        return None if values is None else np.array(values)

    def _baseline_values(self) -> list[float] | None:
        if self._voiced <= 0.0:
            return None
        nan = math.nan
        return [s / n if n > 0 else nan for s, n in zip(self._base_sum, self._base_n, strict=True)]

    def update(
        self, features: Vector | FloatArray, *, start_s: float, end_s: float, voiced_s: float
    ) -> SegmentResult:
        """Score one segment against the baseline so far, then fold it into the baseline."""
        model = self.model
        # A float32 vector's ``tolist`` gives each value as the double it is: what a float64
        # copy first gave, without the copy.
        x: list[float] = (
            features.tolist()
            if isinstance(features, np.ndarray) and features.dtype.kind == "f"
            else np.asarray(features, dtype=np.float64).tolist()
        )
        scaled = model.population_scaled_values(x)
        p_pop = model.scaled_values_probability(scaled)
        weight = self.baseline_weight
        base = self._baseline_values()
        z_caller: list[float] | None = None
        p_seg = p_pop
        if base is not None and weight > 0.0:
            z_caller = model.caller_z_values(x, base)
            p_seg = weight * model.caller_values_probability(z_caller) + (1.0 - weight) * p_pop
        self._learn(x, voiced_s, p_seg)
        seconds = max(end_s - start_s, 1e-3)
        if self._stress is None:
            self._stress = p_seg
        else:
            alpha = 1.0 - math.exp(-seconds / self.smoothing_seconds)
            self._stress += alpha * (p_seg - self._stress)
        recent = self._recent
        kept_z = None if z_caller is None else array("d", z_caller)
        recent.append((end_s, seconds, p_seg, kept_z, array("d", scaled)))
        while recent and recent[0][0] <= end_s - self.window_seconds:
            recent.popleft()
        cues = self._cues(end_s, weight) if self._stress >= REASON_THRESHOLD else ()
        isfinite = math.isfinite
        return SegmentResult(
            start_s=start_s,
            end_s=end_s,
            voiced_s=voiced_s,
            features={
                name: round(v, 4) for name, v in zip(FEATURES, x, strict=True) if isfinite(v)
            },
            segment_stress=p_seg,
            stress=self._stress,
            baseline_weight=weight,
            cues=cues,
        )

    def _learn(self, x: list[float], voiced_s: float, p_seg: float) -> None:
        if self._voiced < self.baseline_seconds:
            w = voiced_s
        elif p_seg < _CALM:
            # Past the build-up the baseline drifts with calm speech only, over about a minute.
            w = voiced_s
            keep = math.exp(-voiced_s / self.adapt_seconds)
            self._base_sum = array("d", [s * keep for s in self._base_sum])
            self._base_n = array("d", [n * keep for n in self._base_n])
        else:
            return
        sums, counts = self._base_sum, self._base_n
        for i, v in enumerate(x):
            if math.isfinite(v):
                sums[i] += w * v
                counts[i] += w
        self._voiced += voiced_s

    def _cues(self, end_s: float, weight: float) -> tuple[VoiceCue, ...]:
        values = self.model.values
        # The reasons describe the stressed stretch that ends now (the run of recent segments
        # that sound stressed, within the window), else the whole window.
        recent = list(self._recent)
        run: list[tuple[float, float, float, array[float] | None, array[float]]] = []
        for row in reversed(recent):
            if row[2] < _CALM:
                break
            run.append(row)
        rows = run or recent
        oldest = min(rows, key=lambda r: r[0])
        span = max(1.0, min(self.window_seconds, end_s - oldest[0] + oldest[1]))
        caller = weight >= 0.5 * self.max_caller_weight and all(r[3] is not None for r in rows)
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
        cues: list[VoiceCue] = []
        for i in order:
            name, value = FEATURES[i], sds[i]
            if pushes[i] <= 0 or abs(value) < _REASON_SD:
                continue
            if name in EXCLUDED:
                continue
            side = "above" if value > 0 else "below"
            text = (f"{LABELS[name]} {abs(value):.1f} SD {side} {where} "
                    f"over the last {span:.0f} s")  # fmt: skip
            cues.append(VoiceCue(feature=name, sd=round(value, 2), text=text))
            if len(cues) == _MAX_REASONS:
                break
        return tuple(cues)


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
