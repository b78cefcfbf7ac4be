"""The streaming moment-of-truth detector: one small instance per live interaction.

``MomentDetector.update(event)`` folds one event into a few running aggregates (a decayed emotion
level and trend, urgency, stakes per category, churn, complexity, the agent's stance, the nearest
deadline and a bounded top-k of cues) and returns the current ``Assessment``. It never keeps the
transcript, so a live interaction costs a few kilobytes and any worker can rebuild it from the
event log. ``raw_mot_score`` is the one definition of the uncalibrated MoT score.
"""

from __future__ import annotations

import functools
import importlib
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Literal, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

from kairos.detection import cues
from kairos.detection.assessment import HIGH, Assessment, Cue, CueKind, Journey, cube_cell
from kairos.detection.language import LanguageVote
from kairos.events import (
    AudioSegment,
    InteractionEnded,
    InteractionStarted,
    IvrInput,
    IvrSelection,
    SurveyResponse,
    Transfer,
    Utterance,
)

log = logging.getLogger(__name__)

#: How many cues an assessment keeps as reasons (and the detector keeps as state).
TOP_K = 10
#: Longest span of customer text kept in a cue.
_MAX_SPAN = 80
# How much of a stake's weight turns into urgency without any deadline: these situations are
# time-critical by nature (a stranded traveller, a gas leak), others less so.
_IMPLIED_URGENCY: dict[str, float] = {
    "travel_disruption": 0.55,
    "safety": 0.7,
    "health": 0.45,
    "fraud": 0.5,
    "money_lost": 0.35,
    "business_deadline": 0.45,
    "insurance_claim": 0.4,
    "bereavement": 0.3,
    "family_event": 0.3,
    "first_time": 0.0,
}
# Voice stress adds to the emotion axis above this level (a calm voice adds nothing), up to
# _VOICE_EMOTION at stress 1; reasons of kind voice show from _VOICE_REASONS on.
_VOICE_FLOOR = 0.35
_VOICE_EMOTION = 0.9
_VOICE_REASONS = 0.5
# Fixed logistic used until a fitted calibration ships with the model.
_CAL_CENTER = 3.0
_CAL_SLOPE = 1.8


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

    def score(self, raw: float, logit: float | None) -> float: ...


@functools.cache
def default_semantic() -> SemanticLike | None:
    """The shipped semantic tier, loaded once per process; None without it (lexical only)."""
    try:
        module = importlib.import_module("kairos.detection.semantic")
    except ImportError:
        return None
    model: SemanticLike | None = module.load_default()
    return model


def _prob(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _above_even(p: float) -> float:
    """How far a balanced head's probability is above even odds, in [0, 1]."""
    return 0.0 if p <= 0.5 else 2.0 * (p - 0.5)


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


def noisy_or(*values: float) -> float:
    """Combine independent pieces of evidence in [0, 1]: 1 - prod(1 - v)."""
    miss = 1.0
    for v in values:
        if v > 0.0:
            miss *= 1.0 - min(v, 1.0)
    return 1.0 - miss


def _clip(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def raw_mot_score(
    *,
    emotion: float,
    urgency: float,
    complexity: float,
    churn_risk: float,
    stakes_strength: float,
    deadline_urgency: float,
    journey_risk: float = 0.0,
) -> float:
    """The uncalibrated MoT score: a real number, higher means more of a moment of truth.

    Inputs are in [0, 1]: the four axes of the assessment; ``stakes_strength``, how sure and how
    grave the strongest stakes are (0 with none); ``deadline_urgency``, urgency due to a stated
    deadline alone; ``journey_risk``, what the journey adds (repeat contact, failed moments,
    value, tenure). A moment of truth needs *pressure* (stakes, or a deadline, or at half weight
    urgent words) together with *affect* (emotion or churn risk): their geometric mean is the
    core, so a rant without stakes or a stake nobody minds stays low.
    """
    pressure = max(stakes_strength, deadline_urgency, 0.5 * urgency)
    affect = max(emotion, churn_risk)
    core = math.sqrt(pressure * affect)
    return 6.0 * core + 1.0 * complexity + 1.2 * journey_risk + 0.8 * max(pressure, affect)


def calibrate_fixed(raw: float) -> float:
    """The logistic that maps a raw score to a probability while no fitted calibration ships."""
    return 1.0 / (1.0 + math.exp(-_CAL_SLOPE * (raw - _CAL_CENTER)))


def _zone(name: str | tzinfo | None) -> tzinfo:
    if isinstance(name, tzinfo):
        return name
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown timezone %r; using UTC", name)
        return UTC


# The cube cell of each (emotion, urgency, complexity) high/low combination, named once.
_CUBE: dict[tuple[bool, bool, bool], str] = {
    (e, u, c): cube_cell(float(e), float(u), float(c))
    for e in (False, True)
    for u in (False, True)
    for c in (False, True)
}

# A cue as the detector keeps it: (kind, label, weight, text, start, end, event_id, feature, value).
#: The cue label for an IVR choice the menu marks as prone to moments of truth.
IVR_MOT_PRONE = "mot_prone_ivr_choice"

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
            },
        )


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


class MomentDetector:
    """Streaming MoT detector for one interaction: ``update(event) -> Assessment``.

    >>> from datetime import datetime, timezone
    >>> d = MomentDetector(model=None)
    >>> at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> a = d.update_text("what are your opening hours?", occurred_at=at)
    >>> a.mot_score < 0.2
    True
    """

    __slots__ = (
        "_agent",
        "_churn",
        "_complexity",
        "_cues",
        "_deadline",
        "_deadline_conf",
        "_emo_fast",
        "_emo_level",
        "_emo_slow",
        "_finder",
        "_journey",
        "_language",
        "_latest",
        "_model",
        "_model_churn",
        "_model_emotion",
        "_model_stakes",
        "_relief",
        "_repeats",
        "_sem_churn",
        "_sem_emotion",
        "_sem_mot",
        "_sem_stakes",
        "_semantic",
        "_stakes",
        "_stress",
        "_tenure",
        "_transfers",
        "_turns",
        "_tz",
        "_tz_source",
        "_urg_words",
        "_utterances",
        "interaction_id",
    )

    def __init__(
        self,
        *,
        interaction_id: str | None = None,
        timezone: str | tzinfo = "UTC",
        timezone_source: str | None = None,
        journey: Journey | None = None,
        model: TextModelLike | Literal["default"] | None = "default",
        semantic: SemanticLike | Literal["default"] | None = "default",
    ) -> None:
        self.interaction_id = interaction_id
        self._tz: tzinfo = _zone(timezone)
        # Where the zone came from, in words (``kairos.detection.timezones``): deadline evidence.
        self._tz_source = timezone_source or "set by the caller"
        self._journey = journey
        self._model: TextModelLike | None = default_model() if model == "default" else model
        self._semantic: SemanticLike | None = (
            default_semantic() if semantic == "default" else semantic
        )
        # The semantic tier's state: a decayed peak of the MoT logit, and of three axes.
        self._sem_mot: float | None = None
        self._sem_emotion = self._sem_stakes = self._sem_churn = 0.0
        self._finder = deadline_finder()
        self._latest: datetime | None = None
        self._turns = 0  # customer utterances
        self._utterances = 0
        self._emo_level = 0.0  # decayed peak of per-turn negativity
        self._emo_fast = 0.0  # fast and slow moving averages: their gap is the trend
        self._emo_slow = 0.0
        self._relief = 0.0
        self._urg_words = 0.0
        self._stakes: dict[str, float] = {}
        self._churn = 0.0
        self._tenure = 0.0
        self._complexity = 0.0
        self._repeats = 0
        self._transfers = 0
        self._agent = 0.0  # stance: > 0 blaming, < 0 owning the problem
        self._model_emotion = self._model_stakes = self._model_churn = 0.0
        self._deadline: datetime | None = None
        self._deadline_conf = 0.0
        self._cues: list[_CueRow] = []
        self._stress: float | None = None  # the customer's voice stress, from audio segments
        self._language = LanguageVote()
        if journey is not None:
            self._journey_cues(journey)

    # -- events ---------------------------------------------------------------------------

    def update(
        self,
        event: InteractionStarted
        | Utterance
        | IvrSelection
        | IvrInput
        | Transfer
        | InteractionEnded
        | SurveyResponse
        | AudioSegment,
    ) -> Assessment:
        """Fold one event of the interaction into the state; return the new assessment."""
        self._see_time(event.occurred_at)
        if isinstance(event, Utterance):
            self._utterance(event.text, event.speaker, event.event_id)
        elif isinstance(event, InteractionStarted):
            if event.timezone:
                self._tz = _zone(event.timezone)
                self._tz_source = "the interaction's zone"
            for text in (event.reason, event.subject):
                if text:
                    self._context_text(text, event.event_id)
        elif isinstance(event, IvrSelection):
            self._context_text(event.label or event.option, event.event_id)
            if event.mot_prone:
                # The centre's menu marks this reason as one where moments of truth happen;
                # routing reads the cue and offers the call early, before anyone has spoken.
                chosen = event.label or event.reason or event.option
                self._add_cue(("journey", IVR_MOT_PRONE, 0.5, chosen, None, None,
                               event.event_id, "ivr", 1.0))  # fmt: skip
        elif isinstance(event, Transfer):
            self._transfers += 1
            w = noisy_or(*([0.25] * self._transfers))
            self._add_cue(("complexity", "transfer", round(w, 3), event.reason, None, None,
                           event.event_id, "transfers", float(self._transfers)))  # fmt: skip
        elif isinstance(event, AudioSegment):
            self._audio(event)
        # IVR inputs, the end and surveys say nothing about the moment while it happens.
        return self.scores().to_assessment()

    def update_text(
        self,
        text: str,
        *,
        speaker: Literal["customer", "agent", "bot"] = "customer",
        occurred_at: datetime | None = None,
        event_id: str | None = None,
    ) -> Assessment:
        """Fold one utterance given as plain text; the same as ``update(Utterance(...))``."""
        self.observe_text(text, speaker=speaker, occurred_at=occurred_at, event_id=event_id)
        return self.scores().to_assessment()

    def observe_text(
        self,
        text: str,
        *,
        speaker: str = "customer",
        occurred_at: datetime | None = None,
        event_id: str | None = None,
        semantic_logits: Sequence[float] | None = None,
    ) -> None:
        """Fold one utterance without building an assessment (batch scoring's fast path).

        ``semantic_logits``: the semantic tier's logits for this text, computed beforehand in a
        batch (``SemanticModel.logits_many``); without them the detector computes its own.
        """
        if occurred_at is not None:
            if occurred_at.tzinfo is None:
                raise ValueError("occurred_at must be timezone-aware")
            self._see_time(occurred_at)
        elif self._latest is None:
            self._latest = datetime.now(UTC)
        self._utterance(text, speaker, event_id, semantic_logits)

    @property
    def assessment(self) -> Assessment:
        """The current assessment (recomputed from the state; the state stays small)."""
        return self.scores().to_assessment()

    def _see_time(self, at: datetime) -> None:
        if self._latest is None or at > self._latest:
            self._latest = at

    # -- text -----------------------------------------------------------------------------

    def _utterance(
        self,
        text: str,
        speaker: str,
        event_id: str | None,
        logits: Sequence[float] | None = None,
    ) -> None:
        self._utterances += 1
        if speaker == "customer":
            self._customer_turn(text, event_id, logits)
        elif speaker == "agent":
            self._agent_turn(text, event_id)
        # Bot prompts are scripted; they say nothing about this customer.

    @property
    def language(self) -> str | None:
        """The customer's language (ISO 639-1): the majority of their first turns; None so far."""
        return self._language.language

    def _customer_turn(
        self, text: str, event_id: str | None, logits: Sequence[float] | None = None
    ) -> None:
        self._turns += 1
        emo: list[float] = []
        urg: list[float] = []
        relief = calm = 0.0
        lang = self._language.add(text)
        for hit in cues.scan(text, cues.customer_families(lang)):
            w = hit.weight
            fam = hit.family
            if fam == "emotion":
                if w < 0:
                    relief = min(relief, w)
                else:
                    emo.append(w)
            elif fam == "urgency":
                if w < 0:
                    calm = min(calm, w)
                else:
                    urg.append(w)
            else:
                self._absorb(hit, 1.0)
            self._add_cue(self._hit_row(hit, event_id))
        loud = cues.intensity(text)
        turn = noisy_or(*emo)
        if loud.value > 0.0:
            turn = turn + (1.0 - turn) * 0.5 * loud.value if turn > 0 else 0.35 * loud.value
            self._add_cue(("emotion", "intensity", round(0.5 * loud.value, 3),
                           self._span(text, loud.start, loud.end), loud.start, loud.end,
                           event_id, "intensity", round(loud.value, 3)))  # fmt: skip
        if self._model is not None:
            self._model_turn(text, event_id)
        sem = self._semantic
        # The semantic tier reads only the languages it was shown to read (its card says which);
        # elsewhere the lexical tier speaks alone. Text of no known language is read.
        if sem is not None and (lang is None or lang in sem.languages):
            self._semantic_turn(text, event_id, logits)
        # Emotion: a decayed peak (one calm line does not erase anger) and the trend between a
        # fast and a slow average (negativity rising across turns, not only the last line).
        self._relief = relief
        self._emo_level = max(turn, self._emo_level * (0.75 if turn else 0.85)) * (1.0 + relief)
        if self._turns == 1:
            self._emo_fast = self._emo_slow = turn
        else:
            self._emo_fast = 0.6 * turn + 0.4 * self._emo_fast
            self._emo_slow = 0.25 * turn + 0.75 * self._emo_slow
        rise = self._emo_fast - self._emo_slow
        if self._turns >= 3 and rise > 0.12:
            self._add_cue(("emotion", "rising_negativity", round(rise, 3), None, None, None,
                           event_id, "trend", round(rise, 3)))  # fmt: skip
        self._urg_words = max(noisy_or(*urg), 0.8 * self._urg_words) * (1.0 + calm)
        if self._finder is not None and self._latest is not None:
            self._find_deadline(text, event_id)

    def _absorb(self, hit: cues.Hit, scale: float) -> None:
        w = hit.weight * scale
        if hit.family == "stakes":
            for label in hit.labels:
                self._stakes[label] = min(0.97, noisy_or(self._stakes.get(label, 0.0), w))
        elif hit.family == "churn":
            if hit.labels[0] == "tenure":
                self._tenure = max(self._tenure, w)
            else:
                self._churn = noisy_or(self._churn, w)
        elif hit.family == "complexity":
            if hit.labels[0] == "repeat":
                self._repeats += 1
            self._complexity = noisy_or(self._complexity, w)

    def _context_text(self, text: str, event_id: str | None) -> None:
        """An IVR choice or a stated reason: what it is about, at a little less than words said."""
        for hit in cues.scan(text, cues.customer_families(self._language.language)):
            if hit.family in ("stakes", "churn", "complexity"):
                self._absorb(hit, 0.8)
                self._add_cue(self._hit_row(hit, event_id, 0.8))

    def _agent_turn(self, text: str, event_id: str | None) -> None:
        delta = 0.0
        for hit in cues.scan(text, cues.agent_families(self._language.language)):
            delta += hit.weight
            self._add_cue(self._hit_row(hit, event_id))
        # Stance decays so that ownership after blame can win the customer back.
        self._agent = max(-1.0, min(1.0, 0.7 * self._agent + delta))

    def _model_turn(self, text: str, event_id: str | None) -> None:
        assert self._model is not None
        p = self._model.predict(text)
        e = max(p.get("emotion", 0.0), 0.7 * p.get("dissatisfaction", 0.0))
        self._model_emotion = max(e, 0.75 * self._model_emotion)
        self._model_stakes = max(p.get("stakes", 0.0), 0.8 * self._model_stakes)
        self._model_churn = max(p.get("churn", 0.0), self._model_churn)
        for head in ("emotion", "stakes", "churn"):
            if p.get(head, 0.0) >= 0.5:
                self._add_cue(("model", head, round(0.5 * p[head], 3), None, None, None,
                               event_id, f"p_{head}", round(p[head], 3)))  # fmt: skip

    def _semantic_turn(
        self, text: str, event_id: str | None, logits: Sequence[float] | None
    ) -> None:
        """Fold the semantic tier's reading of a customer turn (given, or computed here)."""
        if logits is None:
            assert self._semantic is not None
            logits = self._semantic.logits(text)
        mot, emotion, stakes, churn, dissatisfaction = (float(z) for z in logits[:5])
        # A decayed peak: one calm closing line does not undo the moment.
        self._sem_mot = mot if self._sem_mot is None else max(mot, self._sem_mot - 0.7)
        e = max(_above_even(_prob(emotion)), 0.7 * _above_even(_prob(dissatisfaction)))
        self._sem_emotion = max(e, 0.75 * self._sem_emotion)
        self._sem_stakes = max(_above_even(_prob(stakes)), 0.8 * self._sem_stakes)
        self._sem_churn = max(_above_even(_prob(churn)), self._sem_churn)
        p = _prob(mot)
        if p >= 0.5:
            self._add_cue(("model", "semantic", round(0.5 * p, 3), text[:_MAX_SPAN], 0,
                           min(len(text), _MAX_SPAN), event_id, "p_mot", round(p, 3)))  # fmt: skip

    def _find_deadline(self, text: str, event_id: str | None) -> None:
        assert self._finder is not None and self._latest is not None
        # The voted language limits the patterns tried (English always runs); None: every one.
        found = self._finder(text, self._latest, self._tz, self._language.language)
        if found is None:
            return
        current = self._deadline
        # The binding deadline is the nearest one still ahead of us.
        if current is None or current <= self._latest or found.at < current:
            self._deadline = found.at
            self._deadline_conf = found.confidence
            minutes = (found.at - self._latest).total_seconds() / 60.0
            # The evidence says which zone the words were read in and why: "by 7 tonight ->
            # Wed 19:00 Europe/Madrid (the customer's phone (+34, ES): ...)".
            zone = getattr(self._tz, "key", None) or found.at.tzname()
            said = f"{self._span(text, found.start, found.end)} -> {found.at:%a %d %b %H:%M} "
            self._add_cue(("urgency", "deadline", round(self._deadline_urgency(), 3),
                           f"{said}{zone} ({self._tz_source})", found.start, found.end,
                           event_id, f"deadline:{found.kind}", round(minutes, 1)))  # fmt: skip

    def _journey_cues(self, j: Journey) -> None:
        facts: list[tuple[str, float, float]] = []
        if j.repeat_contact:
            facts.append(("repeat_contact", 0.45, 1.0))
        if j.prior_contacts_same_issue:
            facts.append(("prior_contacts_same_issue", 0.2 * min(j.prior_contacts_same_issue, 4),
                          float(j.prior_contacts_same_issue)))  # fmt: skip
        if j.prior_failed_moments:
            facts.append(("prior_failed_moments", 0.3 * min(j.prior_failed_moments, 3),
                          float(j.prior_failed_moments)))  # fmt: skip
        if j.customer_value is not None and j.customer_value >= 0.5:
            facts.append(("customer_value", 0.4 * j.customer_value, j.customer_value))
        if j.tenure_years is not None and j.tenure_years >= 5:
            facts.append(("tenure_years", min(0.4, j.tenure_years / 40), j.tenure_years))
        for label, w, v in facts:
            self._add_cue(("journey", label, round(w, 3), None, None, None, None, label, v))

    # -- voice ----------------------------------------------------------------------------

    def _audio(self, event: AudioSegment) -> None:
        """The customer's voice stress as of this segment; the voice reasons are today's only."""
        if event.speaker != "customer":
            return  # the agent's voice says nothing about the customer's state
        self._stress = event.stress
        self._cues = [r for r in self._cues if r[0] != "voice"]
        if event.stress < _VOICE_REASONS:
            return
        self._add_cue(("voice", "stress", round(self._voice_emotion(), 3),
                       f"voice stress {event.stress:.2f}", None, None, event.event_id,
                       "stress", round(event.stress, 4)))  # fmt: skip
        for reason in event.reasons:
            self._add_cue(("voice", reason.feature, round(min(0.5, 0.12 * abs(reason.sd)), 3),
                           reason.text, None, None, event.event_id, reason.feature,
                           reason.sd))  # fmt: skip

    def _voice_emotion(self) -> float:
        if self._stress is None:
            return 0.0
        return _VOICE_EMOTION * _clip((self._stress - _VOICE_FLOOR) / (1.0 - _VOICE_FLOOR))

    # -- cues -----------------------------------------------------------------------------

    @staticmethod
    def _span(text: str, start: int | None, end: int | None) -> str | None:
        if start is None or end is None:
            return None
        return text[start : min(end, start + _MAX_SPAN)]

    @staticmethod
    def _hit_row(hit: cues.Hit, event_id: str | None, scale: float = 1.0) -> _CueRow:
        label = "+".join(hit.labels)
        return (hit.family, label, round(hit.weight * scale, 3), hit.text[:_MAX_SPAN], hit.start,
                hit.end, event_id, None, None)  # fmt: skip

    def _add_cue(self, row: _CueRow) -> None:
        """Keep the strongest cue per (kind, label), and only the TOP_K strongest overall."""
        rows = self._cues
        for i, old in enumerate(rows):
            if old[0] == row[0] and old[1] == row[1]:
                # A newer cue of the same kind replaces an older one of equal strength (the
                # deadline, the trend), so the reason shows the latest evidence.
                if abs(row[2]) >= abs(old[2]):
                    rows[i] = row
                    rows.sort(key=_strength)
                return
        rows.append(row)
        rows.sort(key=_strength)
        if len(rows) > TOP_K:
            rows.pop()

    # -- combination ----------------------------------------------------------------------

    def _deadline_urgency(self) -> float:
        if self._deadline is None or self._latest is None:
            return 0.0
        hours = (self._deadline - self._latest).total_seconds() / 3600.0
        # Nearer is more urgent: ~0.9 within the hour, 0.8 at 2 h, 0.5 at 8 h, 0.25 a day out.
        # A deadline that has passed still matters (it was missed) but no longer races a clock.
        u = 0.6 if hours < 0 else 1.0 / (1.0 + hours / 8.0)
        return u * self._deadline_conf

    def scores(self) -> Scores:
        """Combine the state into the axes, stakes, cube and MoT score."""
        stakes = {k: v for k, v in self._stakes.items() if v >= 0.45}
        strength = implied = 0.0
        if stakes:  # most turns of most interactions have none: skip the sorting
            top = sorted(stakes.values(), reverse=True)[:2]
            strength = _clip(noisy_or(*top[:1], *(0.5 * v for v in top[1:])))
            implied = noisy_or(*(_IMPLIED_URGENCY.get(k, 0.0) * v for k, v in stakes.items()))
        strength = max(strength, 0.8 * self._model_stakes)
        deadline_u = self._deadline_urgency()
        urgency = _clip(noisy_or(deadline_u, self._urg_words, implied))
        stance = self._agent
        blame, owned = max(0.0, stance), max(0.0, -stance)
        rise = max(0.0, self._emo_fast - self._emo_slow) if self._turns >= 3 else 0.0
        # A grave stake with the clock running is distressing even when told calmly.
        situational = strength * strength * (0.4 + 0.5 * urgency)
        emotion = noisy_or(self._emo_level, 0.8 * rise, situational, 0.45 * blame,
                           self._model_emotion, self._voice_emotion())  # fmt: skip
        emotion = _clip(emotion * (1.0 - 0.35 * owned))
        tenure = self._tenure * (0.3 + 0.7 * emotion)
        j = self._journey
        failed = 0.25 * min(j.prior_failed_moments, 3) if j else 0.0
        churn = noisy_or(self._churn, tenure, 0.35 * blame, 0.8 * self._model_churn, failed)
        churn = _clip(churn * (1.0 - 0.3 * owned))
        journey_risk = 0.0
        complexity = noisy_or(self._complexity, 0.3 * min(self._repeats, 3),
                              0.15 * max(0, len(stakes) - 1))  # fmt: skip
        if self._transfers:
            complexity = noisy_or(complexity, *([0.25] * min(self._transfers, 4)))
        if j is not None:
            journey_risk = noisy_or(
                0.4 if j.repeat_contact else 0.0,
                0.3 * min(j.prior_failed_moments, 3),
                0.4 * (j.customer_value or 0.0),
                min(0.3, (j.tenure_years or 0.0) / 40),
            )
            complexity = noisy_or(complexity, 0.35 if j.repeat_contact else 0.0,
                                  0.15 * min(j.prior_contacts_same_issue, 4))  # fmt: skip
        complexity = _clip(complexity)
        raw = raw_mot_score(
            emotion=emotion,
            urgency=urgency,
            complexity=complexity,
            churn_risk=churn,
            stakes_strength=strength,
            deadline_urgency=deadline_u,
            journey_risk=journey_risk,
        )
        model = self._model
        mot = _clip(model.calibrate(raw) if model is not None else calibrate_fixed(raw))
        version = model.version if model is not None else "cues-only"
        sem = self._semantic
        if self._sem_mot is not None:
            # The semantic tier: the fused, calibrated score, and what it reads on the axes
            # (after the raw score, which stays the lexical tier's own).
            combiner = sem.combiner if sem is not None else None
            if combiner is not None:
                mot = _clip(combiner.score(raw, self._sem_mot))
            emotion = _clip(noisy_or(emotion, 0.8 * self._sem_emotion))
            churn = _clip(noisy_or(churn, 0.6 * self._sem_churn))
        if sem is not None:
            version = f"{version}+{sem.version}"
        evidence = sum(abs(r[2]) for r in self._cues)
        confidence = _clip(1.0 - math.exp(-(0.5 * evidence + 0.3 * self._turns)))
        minutes = None
        if self._deadline is not None and self._latest is not None:
            minutes = round((self._deadline - self._latest).total_seconds() / 60.0, 1)
        return Scores(
            interaction_id=self.interaction_id,
            emotion=round(emotion, 4),
            urgency=round(urgency, 4),
            complexity=round(complexity, 4),
            churn_risk=round(churn, 4),
            stakes=sorted(stakes, key=lambda k: -stakes[k]) if stakes else [],
            deadline=self._deadline,
            minutes_to_deadline=minutes,
            cube=_CUBE[emotion >= HIGH, urgency >= HIGH, complexity >= HIGH],
            raw=raw,
            mot_score=round(mot, 4),
            confidence=round(max(0.05, min(confidence, 0.99)), 4),
            reasons=list(self._cues),
            model_version=version,
            as_of=self._latest,
            utterances=self._utterances,
            stress=round(self._stress, 4) if self._stress is not None else None,
            language=self._language.language,
        )


def _strength(row: _CueRow) -> tuple[float, str, str]:
    # Strongest first; ties broken by kind and label so the order is deterministic.
    return (-abs(row[2]), row[0], row[1])
