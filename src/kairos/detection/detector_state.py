"""The streaming detector's state, and how it combines that state into scores.

``DetectorState`` holds the few running aggregates of one interaction (``__slots__``, no
transcript), folds evidence that is already read into them (cue hits, the text model's and the
semantic tier's outputs, the journey, voice stress), keeps the bounded top-k of cues, and
``scores()`` combines it all into the axes, stakes, cube and MoT score. ``MomentDetector``
(``kairos.detection.detector``) adds the reading of events and text on top.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kairos.detection import cues
from kairos.detection.assessment import Assessment, Cue, Journey
from kairos.detection.combination import _above_even, _clip, _prob, noisy_or
from kairos.detection.detector_combine import assessment, combine, deadline_urgency
from kairos.detection.detector_contracts import (
    KeptValues,
    Scores,
    SemanticLike,
    TextModelLike,
    _CueRow,
    deadline_finder,
    default_model,
    default_semantic,
)
from kairos.detection.language import LanguageVote
from kairos.events import AudioSegment

# The detector's logger, as before the split.
log = logging.getLogger("kairos.detection.detector")

#: How many cues an assessment keeps as reasons (and the detector keeps as state).
TOP_K = 10
#: Longest span of customer text kept in a cue.
_MAX_SPAN = 80
# Voice stress adds to the emotion axis above this level (a calm voice adds nothing), up to
# _VOICE_EMOTION at stress 1; reasons of kind voice show from _VOICE_REASONS on.
_VOICE_FLOOR = 0.35
_VOICE_EMOTION = 0.9
_VOICE_REASONS = 0.5


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


class DetectorState:
    """One interaction's running aggregates, and their combination into ``Scores``."""

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
        "_floor",
        "_grievance",
        "_journey",
        "_language",
        "_latest",
        "_model",
        "_model_churn",
        "_model_emotion",
        "_model_stakes",
        "_praise",
        "_reasons",
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
        "_values",
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
        self._emo_slow = self._praise = 0.0  # praise: the last turn's, where a lexicon reads it
        self._urg_words = 0.0
        self._stakes: dict[str, float] = {}
        self._churn = 0.0
        self._tenure = 0.0
        self._complexity = 0.0
        self._repeats = 0
        self._grievance = 0.0  # the relationship at stake: a repeated failure, leaving, mistreated
        self._transfers = 0
        self._agent = 0.0  # stance: > 0 blaming, < 0 owning the problem
        self._model_emotion = self._model_stakes = self._model_churn = 0.0
        self._deadline: datetime | None = None
        self._floor = 0.0  # the MoT score a follow-up of a lost moment holds at
        self._deadline_conf = 0.0
        self._cues: list[_CueRow] = []
        # The cues' contract models and evidence, until the cues change (``reasons``).
        self._reasons: tuple[list[Cue], float] | None = None
        # The last assessment's values, while only the clock and the count of utterances moved
        # since (``detector_combine.assessment``); None after any other change.
        self._values: KeptValues | None = None
        self._stress: float | None = None  # the customer's voice stress, from audio segments
        self._language = LanguageVote()
        if journey is not None:
            self._journey_cues(journey)

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
                self._grievance = max(self._grievance, w)
        elif hit.family == "complexity":
            if hit.labels[0] == "repeat":
                self._repeats += 1
                self._grievance = max(self._grievance, w)
            self._complexity = noisy_or(self._complexity, w)

    def _model_turn(self, text: str, event_id: str | None, *, relieved: bool = False) -> None:
        assert self._model is not None
        get = self._model.predict(text).get
        emotion, stakes, churn = get("emotion", 0.0), get("stakes", 0.0), get("churn", 0.0)
        # A turn that says the problem is solved does not raise the emotion it reads.
        e = 0.0 if relieved else max(emotion, 0.7 * get("dissatisfaction", 0.0))
        self._model_emotion = max(e, 0.75 * self._model_emotion)
        self._model_stakes = max(stakes, 0.8 * self._model_stakes)
        self._model_churn = max(churn, self._model_churn)
        for head, p in (("emotion", emotion), ("stakes", stakes), ("churn", churn)):
            if p >= 0.5:
                self._add_cue(("model", head, round(0.5 * p, 3), None, None, None, event_id,
                               f"p_{head}", round(p, 3)))  # fmt: skip

    def _semantic_turn(
        self,
        text: str,
        event_id: str | None,
        logits: Sequence[float] | None,
        *,
        relieved: bool = False,
    ) -> None:
        """Fold the semantic tier's reading of a turn; a ``relieved`` one can only lower it."""
        if logits is None:
            assert self._semantic is not None
            logits = self._semantic.logits(text)
        mot, emotion, stakes, churn, dissatisfaction = (float(z) for z in logits[:5])
        if relieved and self._sem_mot is not None:
            mot = min(mot, self._sem_mot)
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
        self._reasons = None
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
                    self._reasons = None
                return
        self._reasons = None
        rows.append(row)
        rows.sort(key=_strength)
        if len(rows) > TOP_K:
            rows.pop()

    # -- combination ----------------------------------------------------------------------

    def _deadline_urgency(self) -> float:
        return deadline_urgency(self)

    def scores(self) -> Scores:
        """Combine the state into the axes, stakes, cube and MoT score."""
        return Scores(*combine(self))

    def _assessment(self) -> Assessment:
        """``scores().to_assessment()``, by the update path's shortcuts (``assessment``)."""
        return assessment(self)


def _strength(row: _CueRow) -> tuple[float, str, str]:
    # Strongest first; ties broken by kind and label so the order is deterministic.
    return (-abs(row[2]), row[0], row[1])
