"""``StressTracker``'s scoring as it was in plain Python floats, segment by segment, kept as the
reference the compiled scoring (``compiled_scoring.score_into``) must match to the bit."""

from __future__ import annotations

import math
from array import array
from collections import deque

import numpy as np

from kairos.detection.voice import FEATURES, VoiceModel
from kairos.detection.voice.reasons import Recent, cues
from kairos.detection.voice.tracker import REASON_THRESHOLD, SegmentResult

_CALM = 0.5


class ReferenceTracker:
    """One caller's baseline and smoothed stress, scored value by value in Python."""

    def __init__(self, model: VoiceModel, **settings: float) -> None:
        self.model = model
        self.baseline_seconds = settings.get("baseline_seconds", 6.0)
        self.max_caller_weight = settings.get("max_caller_weight", 0.8)
        self.smoothing_seconds = settings.get("smoothing_seconds", 1.0)
        self.window_seconds = settings.get("window_seconds", 10.0)
        self.adapt_seconds = settings.get("adapt_seconds", 60.0)
        self.sums = [0.0] * len(FEATURES)
        self.counts = [0.0] * len(FEATURES)
        self.voiced = 0.0
        self.stress: float | None = None
        self.recent: deque[Recent] = deque()

    def update(
        self, features: np.ndarray, *, start_s: float, end_s: float, voiced_s: float
    ) -> SegmentResult:
        model = self.model
        x: list[float] = np.asarray(features, dtype=np.float64).tolist()
        scaled = model.population_scaled_values(x)
        p_pop = model.scaled_values_probability(scaled)
        weight = self.max_caller_weight * min(1.0, self.voiced / self.baseline_seconds)
        z: list[float] | None = None
        p_seg = p_pop
        if self.voiced > 0.0 and weight > 0.0:
            pairs = zip(self.sums, self.counts, strict=True)
            base = [s / n if n > 0 else math.nan for s, n in pairs]
            z = model.caller_z_values(x, base)
            p_seg = weight * model.caller_values_probability(z) + (1.0 - weight) * p_pop
        self._learn(x, voiced_s, p_seg)
        seconds = max(end_s - start_s, 1e-3)
        if self.stress is None:
            self.stress = p_seg
        else:
            alpha = 1.0 - math.exp(-seconds / self.smoothing_seconds)
            self.stress += alpha * (p_seg - self.stress)
        kept = None if z is None else array("d", z)
        self.recent.append((end_s, seconds, p_seg, kept, array("d", scaled)))
        while self.recent and self.recent[0][0] <= end_s - self.window_seconds:
            self.recent.popleft()
        said = ()
        if self.stress >= REASON_THRESHOLD:
            said = cues(
                self.recent, model.values, end_s=end_s, weight=weight,
                window_seconds=self.window_seconds, max_caller_weight=self.max_caller_weight,
            )  # fmt: skip
        return SegmentResult(
            start_s=start_s,
            end_s=end_s,
            voiced_s=voiced_s,
            features={n: round(v, 4) for n, v in zip(FEATURES, x, strict=True) if math.isfinite(v)},
            segment_stress=p_seg,
            stress=self.stress,
            baseline_weight=weight,
            cues=said,
        )

    def _learn(self, x: list[float], voiced_s: float, p_seg: float) -> None:
        if self.voiced < self.baseline_seconds:
            w = voiced_s
        elif p_seg < _CALM:
            w = voiced_s
            keep = math.exp(-voiced_s / self.adapt_seconds)
            self.sums = [s * keep for s in self.sums]
            self.counts = [n * keep for n in self.counts]
        else:
            return
        for i, v in enumerate(x):
            if math.isfinite(v):
                self.sums[i] += w * v
                self.counts[i] += w
        self.voiced += voiced_s


def zero_scaled(model: VoiceModel) -> VoiceModel:
    """``model`` with one population scale and one within-caller spread set to zero: the
    degenerate case (a division by zero) the scoring must give NumPy's numbers for."""
    arrays = {name: model.values[name] for name in model.values}
    arrays["pop_scale"] = (0.0, *arrays["pop_scale"][1:])
    arrays["within_sd"] = (*arrays["within_sd"][:3], 0.0, *arrays["within_sd"][4:])
    return VoiceModel(
        pop_intercept=model.pop_intercept, rel_intercept=model.rel_intercept, **arrays
    )
