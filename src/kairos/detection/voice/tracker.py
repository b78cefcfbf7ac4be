"""One caller's baseline and smoothed stress (``StressTracker``), and what a segment says.

What matters is how the voice departs from the caller's *own* baseline (a loud speaker is not a
stressed one). Until the baseline has built up (``baseline_seconds`` of speech), a segment is scored
more and more by the caller head and less by the population head, which knows only how calm and
angry speakers sound across the training data. After that the baseline follows the caller slowly,
and only on segments that sound calm, so a rant does not become the new normal.

The arithmetic runs compiled (``compiled_scoring.score_into``), and ``score_together`` scores
every segment a live pass closed, of every stream, in one call: each tracker's baseline, speech
seconds, smoothed stress and settings are one row of doubles (``_state``), gathered into a
matrix for the call and handed back after. ``update`` is the same for one segment. The reasons
(``reasons.cues``) are said in Python, for the segments whose stress comes with them.
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kairos.detection.voice import compiled_scoring as cs
from kairos.detection.voice.codecs import FloatArray
from kairos.detection.voice.compiled_scoring import CALM as _CALM
from kairos.detection.voice.features import FEATURES
from kairos.detection.voice.model import Vector, VoiceModel, load_default
from kairos.detection.voice.reasons import (
    Recent,
    VoiceCue,
    _divide,
    _pairwise_sum,
    _weighted_mean,
    cues,
)

__all__ = [
    "REASON_THRESHOLD",
    "_CALM",
    "SegmentResult",
    "StressTracker",
    "VoiceCue",
    "_divide",
    "_pairwise_sum",
    "_weighted_mean",
    "score_together",
]

#: Smoothed stress at or above this comes with reasons.
REASON_THRESHOLD = 0.5

_N = len(FEATURES)


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

    __slots__ = ("_recent", "_state", "model", "window_seconds")

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
        self.window_seconds = window_seconds
        # The baseline's sums and weights per feature, the seconds of speech in it, the smoothed
        # stress (NaN before any speech) and the settings: one row of ``score_into``'s state.
        self._state = np.zeros(2 * _N + 6)
        self._state[2 * _N + cs.STRESS] = math.nan
        settings = (baseline_seconds, max_caller_weight, smoothing_seconds, adapt_seconds)
        self._state[2 * _N + cs.BASELINE_S :] = settings
        self._recent: deque[Recent] = deque()

    def _setting(self, column: int) -> float:
        return float(self._state[2 * _N + column])

    @property
    def baseline_seconds(self) -> float:
        """Seconds of speech until the baseline counts fully."""
        return self._setting(cs.BASELINE_S)

    @property
    def max_caller_weight(self) -> float:
        """The most the caller head counts."""
        return self._setting(cs.MAX_WEIGHT)

    @property
    def smoothing_seconds(self) -> float:
        """The smoothed stress' time constant."""
        return self._setting(cs.SMOOTHING_S)

    @property
    def adapt_seconds(self) -> float:
        """How slowly the baseline drifts with calm speech past its build-up."""
        return self._setting(cs.ADAPT_S)

    @property
    def stress(self) -> float | None:
        """The smoothed stress now; None before any speech."""
        stress = self._setting(cs.STRESS)
        return None if math.isnan(stress) else stress

    @property
    def baseline_weight(self) -> float:
        """How much the caller head counts now, 0 with no baseline up to ``max_caller_weight``."""
        voiced = self._setting(cs.VOICED)
        return self.max_caller_weight * min(1.0, voiced / self.baseline_seconds)

    def baseline(self) -> Vector | None:
        """The caller's baseline features (NaN where never measured); None before any speech."""
        if self._setting(cs.VOICED) <= 0.0:
            return None
        sums, counts = self._state[:_N].tolist(), self._state[_N : 2 * _N].tolist()
        return np.array([s / n if n > 0 else math.nan for s, n in zip(sums, counts, strict=True)])

    def update(
        self, features: Vector | FloatArray, *, start_s: float, end_s: float, voiced_s: float
    ) -> SegmentResult:
        """Score one segment against the baseline so far, then fold it into the baseline."""
        return score_together([self], [features], [(start_s, end_s, voiced_s)])[0]


Doubles = npt.NDArray[np.float64]
#: A model's vectors as ``score_into`` takes them: the population head's mean, scale and
#: coefficients, which features it reads, the within-speaker SDs and caller coefficients, and
#: the two intercepts.
Packed = tuple[Doubles, npt.NDArray[np.bool_], Doubles, Doubles]
#: Each model's ``Packed``, by the model's version.
_PACKED: dict[str, Packed] = {}


def _packed(model: VoiceModel) -> Packed:
    found = _PACKED.get(model.version)
    if found is None:
        found = _PACKED[model.version] = (
            np.stack([model.pop_mean, model.pop_scale, model.pop_coef]),
            np.ascontiguousarray(model.pop_mask, dtype=np.bool_),
            np.stack([model.within_sd, model.rel_coef]),
            np.array([model.pop_intercept, model.rel_intercept]),
        )
    return found


def score_together(
    trackers: Sequence[StressTracker],
    features: Sequence[Vector | FloatArray],
    times: Sequence[tuple[float, float, float]],
) -> list[SegmentResult]:
    """Segment ``j`` (``features[j]``; ``times[j]``: start, end and voiced seconds) scored by
    ``trackers[j]`` and folded into its baseline, in order (a tracker may come more than once:
    its segments in the order they were said); every segment's result, in that order."""
    if not trackers:
        return []
    model = trackers[0].model
    if any(t.model is not model for t in trackers):
        return [
            r
            for t, x, at in zip(trackers, features, times, strict=True)
            for r in score_together([t], [x], [at])
        ]
    # float32 features become the doubles they are, as their ``tolist`` gave before.
    x = np.array(features, dtype=np.float64).reshape(len(trackers), _N)
    rows: dict[int, int] = {}
    owners = [rows.setdefault(id(t), len(rows)) for t in trackers]
    held = list({id(t): t for t in trackers}.values())
    state = np.stack([t._state for t in held])
    scaled, z = np.empty_like(x), np.empty_like(x)
    out = np.empty((len(trackers), 5))
    cs.score_into(
        x, np.array(owners, dtype=np.intp), np.array(times, dtype=np.float64), state,
        *_packed(model), scaled, z, out,
    )  # fmt: skip
    for t, row in zip(held, state, strict=True):
        t._state = row
    return _results(trackers, x, times, scaled, z, out)


def _results(
    trackers: Sequence[StressTracker],
    x: Doubles,
    times: Sequence[tuple[float, float, float]],
    scaled: Doubles,
    z: Doubles,
    out: Doubles,
) -> list[SegmentResult]:
    """Each segment's ``SegmentResult``, its row kept in its tracker's recent window and its
    reasons said when its stress comes with them."""
    values = trackers[0].model.values
    isfinite = math.isfinite
    found = []
    for t, xs, at, sc, zs, o in zip(
        trackers, x.tolist(), times, scaled.tolist(), z.tolist(), out.tolist(), strict=True
    ):
        start_s, end_s, voiced_s = at
        p_seg, stress, weight, seconds, caller = o
        recent = t._recent
        recent.append((end_s, seconds, p_seg, array("d", zs) if caller else None, array("d", sc)))
        while recent and recent[0][0] <= end_s - t.window_seconds:
            recent.popleft()
        said: tuple[VoiceCue, ...] = ()
        if stress >= REASON_THRESHOLD:
            max_weight = t._state[2 * _N + cs.MAX_WEIGHT]
            said = cues(
                recent, values, end_s=end_s, weight=weight,
                window_seconds=t.window_seconds, max_caller_weight=float(max_weight),
            )  # fmt: skip
        features = {name: round(v, 4) for name, v in zip(FEATURES, xs, strict=True) if isfinite(v)}
        found.append(
            SegmentResult(
                start_s=start_s,
                end_s=end_s,
                voiced_s=voiced_s,
                features=features,
                segment_stress=p_seg,
                stress=stress,
                baseline_weight=weight,
                cues=said,
            )
        )
    return found
