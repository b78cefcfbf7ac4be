"""What the detector reads of its collaborators, how it loads them, and its ``Scores`` record.

The protocols name the few members ``MomentDetector`` uses of the deadline finder, the text model
and the semantic tier; the loaders import each once per process and return None while it is
absent. ``Scores`` is an assessment's numbers without pydantic, turned into the contract model
by a shortcut around ``model_construct`` (``_built``).
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Protocol, TypeVar

from pydantic import BaseModel

from kairos.detection.assessment import Assessment, Cue, CueKind

# The detector's logger, as before the split: operators filter on it.
log = logging.getLogger("kairos.detection.detector")


class DeadlineLike(Protocol):
    """What the detector reads of ``kairos.detection.deadlines.DeadlineMatch``."""

    @property
    def at(self) -> datetime: ...
    @property
    def text(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def confidence(self) -> float: ...


# (text, now, zone, the customer's language or None)
DeadlineFinder = Callable[[str, datetime, "str | tzinfo", "str | None"], DeadlineLike | None]


class SemanticLike(Protocol):
    """What the detector uses of ``kairos.detection.semantic.SemanticModel``."""

    @property
    def version(self) -> str: ...
    @property
    def combiner(self) -> CombinerLike | None: ...
    @property
    def languages(self) -> frozenset[str]: ...
    def logits(self, text: str) -> Sequence[float]: ...


class CombinerLike(Protocol):
    """What the detector uses of ``kairos.detection.semantic.Combiner``."""

    @property
    def prior(self) -> float: ...
    def score(self, raw: float, logit: float | None) -> float: ...


@functools.cache
def default_semantic() -> SemanticLike | None:
    """The shipped semantic tier, loaded once per process; None without it (lexical only)."""
    try:
        module = importlib.import_module("kairos.detection.semantic")
    except ImportError:
        return None
    model: SemanticLike | None = module.load_default()
    if model is None:
        return None
    # Each distinct turn read once per process: the outcomes review's replay costs lookups.
    from kairos.detection.semantic_memo import SemanticMemo

    return SemanticMemo(model)


class TextModelLike(Protocol):
    """What the detector uses of ``kairos.detection.model.TextModel``."""

    @property
    def version(self) -> str: ...
    def predict(self, text: str) -> dict[str, float]: ...
    def calibrate(self, raw: float) -> float: ...


@functools.cache
def deadline_finder() -> DeadlineFinder | None:
    """``earliest_deadline`` from ``kairos.detection.deadlines``, or None while it is absent."""
    try:
        module = importlib.import_module("kairos.detection.deadlines")
    except ImportError:
        return None
    finder: DeadlineFinder = module.earliest_deadline
    return finder


@functools.cache
def default_model() -> TextModelLike | None:
    """The shipped text model, loaded once per process; None when there is none (cues only)."""
    try:
        module = importlib.import_module("kairos.detection.model")
    except ImportError:
        return None
    try:
        model: TextModelLike | None = module.load_default()
    except Exception:  # a broken model file must not stop detection; cues still work
        log.exception("could not load the default text model; detecting with cues only")
        return None
    return model


# A cue as the detector keeps it: (kind, label, weight, text, start, end, event_id, feature, value).
_CueRow = tuple[
    CueKind, str, float, str | None, int | None, int | None, str | None, str | None, float | None
]


@dataclass(frozen=True, slots=True)
class Scores:
    """An assessment's numbers without pydantic: what batch scoring writes out."""

    interaction_id: str | None
    emotion: float
    urgency: float
    complexity: float
    churn_risk: float
    stakes: list[str]
    deadline: datetime | None
    minutes_to_deadline: float | None
    cube: str
    raw: float
    mot_score: float
    confidence: float
    reasons: list[_CueRow]
    model_version: str
    as_of: datetime | None
    utterances: int
    stress: float | None = None
    language: str | None = None
    mot_logit: float | None = None

    def to_assessment(self) -> Assessment:
        """The contract model; built without re-validation since every value is in range."""
        reasons = [_cue(r) for r in self.reasons]
        return _built(
            Assessment,
            {
                "interaction_id": self.interaction_id,
                "emotion": self.emotion,
                "urgency": self.urgency,
                "complexity": self.complexity,
                "churn_risk": self.churn_risk,
                "stakes": self.stakes,
                "deadline": self.deadline,
                "minutes_to_deadline": self.minutes_to_deadline,
                "cube": self.cube,
                "mot_score": self.mot_score,
                "confidence": self.confidence,
                "reasons": reasons,
                "model_version": self.model_version,
                "as_of": self.as_of,
                "utterances": self.utterances,
                "stress": self.stress,
                "language": self.language,
                "mot_logit": self.mot_logit,
            },
        )


#: ``Scores``' values in its fields' order (``DetectorState._combine`` returns them):
#: interaction_id, emotion, urgency, complexity, churn_risk, stakes, deadline,
#: minutes_to_deadline, cube, raw, mot_score, confidence, reasons, model_version, as_of,
#: utterances, stress, language, mot_logit.
ScoreValues = tuple[
    str | None, float, float, float, float, list[str], datetime | None, float | None, str, float,
    float, float, list[_CueRow], str, datetime | None, int, float | None, str | None, float | None,
]  # fmt: skip
#: What the update path keeps of the last assessment while no deadline is set (emotion, urgency,
#: complexity, churn, stakes, cube, MoT score, confidence, version, stress, language, the
#: pre-prior logit): an event that moves nothing but the clock and the count of utterances
#: reuses it.
KeptValues = tuple[
    float,
    float,
    float,
    float,
    list[str],
    str,
    float,
    float,
    str,
    float | None,
    str | None,
    float | None,
]
_SCORES_FIELDS = tuple(Scores.__dataclass_fields__)


def assessment_of(values: ScoreValues) -> Assessment:
    """The assessment of ``Scores(*values)``, built without the ``Scores`` in between (the
    detector's update path; ``test_fast_paths`` holds it to ``Scores.to_assessment``)."""
    fields: dict[str, object] = dict(zip(_SCORES_FIELDS, values, strict=True))
    del fields["raw"]
    fields["reasons"] = [_cue(r) for r in values[12]]
    return _built(Assessment, fields)


_CUE_FIELDS = (
    "kind", "label", "weight", "text", "start", "end", "event_id", "feature", "value"
)  # fmt: skip
# A cue stays among an interaction's reasons for many updates, and Cue is frozen: each row's
# model is built once and shared. Bounded; cleared whole when full (rebuilding is cheap).
_CUE_CACHE: dict[_CueRow, Cue] = {}
_CUE_CACHE_SIZE = 1 << 14


def _cue(row: _CueRow) -> Cue:
    cue = _CUE_CACHE.get(row)
    if cue is None:
        if len(_CUE_CACHE) >= _CUE_CACHE_SIZE:
            _CUE_CACHE.clear()
        cue = _CUE_CACHE[row] = _built(Cue, dict(zip(_CUE_FIELDS, row, strict=True)))
    return cue


_M = TypeVar("_M", bound=BaseModel)


def _built(cls: type[_M], values: dict[str, object]) -> _M:
    """A pydantic model from values known valid, every field given.

    What ``model_construct`` does, without its per-field default and alias handling, which cost
    more than the rest of an update (the detector builds one assessment and up to a dozen cues
    per utterance). ``test_detector`` checks the result equals ``model_construct``'s.
    """
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj
