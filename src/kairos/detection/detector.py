"""The streaming moment-of-truth detector: one small instance per live interaction.

``MomentDetector.update(event)`` folds one event into a few running aggregates (a decayed emotion
level and trend, urgency, stakes per category, churn, complexity, the agent's stance, the nearest
deadline and a bounded top-k of cues) and returns the current ``Assessment``. It never keeps the
transcript, so a live interaction costs a few kilobytes and any worker can rebuild it from the
event log. ``raw_mot_score`` is the one definition of the uncalibrated MoT score.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from kairos.detection import cues, valence
from kairos.detection.assessment import Assessment
from kairos.detection.combination import calibrate_fixed, noisy_or, raw_mot_score
from kairos.detection.detector_contracts import (
    CombinerLike,
    DeadlineFinder,
    DeadlineLike,
    Scores,
    SemanticLike,
    TextModelLike,
    deadline_finder,
    default_model,
    default_semantic,
)
from kairos.detection.detector_state import TOP_K, DetectorState, _zone
from kairos.events import (
    AudioSegment,
    FollowUp,
    InteractionEnded,
    InteractionStarted,
    IvrInput,
    IvrSelection,
    SurveyResponse,
    Transfer,
    Utterance,
)

__all__ = [
    "IVR_MOT_PRONE",
    "TOP_K",
    "CombinerLike",
    "DeadlineFinder",
    "DeadlineLike",
    "DetectorState",
    "MomentDetector",
    "Scores",
    "SemanticLike",
    "TextModelLike",
    "calibrate_fixed",
    "deadline_finder",
    "default_model",
    "default_semantic",
    "noisy_or",
    "raw_mot_score",
]

#: The cue label for an IVR choice the menu marks as prone to moments of truth.
IVR_MOT_PRONE = "mot_prone_ivr_choice"
#: How much of a turn's lexicon negativity (``kairos.detection.valence``) reads as emotion.
VALENCE_WEIGHT = 2.0
#: How much of a turn's lexicon positivity calms the emotion read in it (as a relief cue does).
POSITIVE_RELIEF = 0.5


class MomentDetector(DetectorState):
    """Streaming MoT detector for one interaction: ``update(event) -> Assessment``.

    >>> from datetime import datetime, timezone
    >>> d = MomentDetector(model=None)
    >>> at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> a = d.update_text("what are your opening hours?", occurred_at=at)
    >>> a.mot_score < 0.2
    True
    """

    __slots__ = ()  # the state's slots (``DetectorState``): no per-instance dict

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
        # The last assessment's values stay valid only through an event that moves nothing but
        # the clock and the count of utterances (``detector_combine.assessment``).
        kept, self._values = self._values, None
        self._see_time(event.occurred_at)
        if isinstance(event, Utterance):
            if self._utterance(event.text, event.speaker, event.event_id):
                self._values = kept
        elif isinstance(event, InteractionStarted):
            if event.timezone:
                self._tz = _zone(event.timezone)
                self._tz_source = "the interaction's zone"
            for text in (event.reason, event.subject):
                if text:
                    self._context_text(text, event.event_id)
            if event.follow_up is not None:
                self._follow_up(event.follow_up, event.event_id)
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
        else:
            # IVR inputs, the end and surveys say nothing about the moment while it happens.
            self._values = kept
        return self._assessment()

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
        return self._assessment()

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
        self._values = None
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
        return self._assessment()

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
    ) -> bool:
        """Fold an utterance; True when it moved nothing but the count of utterances."""
        self._utterances += 1
        if speaker == "customer":
            self._customer_turn(text, event_id, logits)
            return False
        if speaker == "agent":
            return self._agent_turn(text, event_id)
        # Bot prompts are scripted; they say nothing about this customer.
        return True

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
        turn = noisy_or(*emo) if emo else 0.0
        if loud.value > 0.0:
            turn = turn + (1.0 - turn) * 0.5 * loud.value if turn > 0 else 0.35 * loud.value
            self._add_cue(("emotion", "intensity", round(0.5 * loud.value, 3),
                           self._span(text, loud.start, loud.end), loud.start, loud.end,
                           event_id, "intensity", round(loud.value, 3)))  # fmt: skip
        val = valence.read(text, lang) if lang in valence.LANGUAGES else None
        if val is not None and val.value < 0.0 and (emo or loud.value > 0.0):
            val = None  # a lexicon's praise never outweighs a cue's complaint
        if val is not None and val.value < 0.0:
            # Praise, where no cue reads relief: it calms what this turn reads, as relief does.
            relief = min(relief, POSITIVE_RELIEF * val.value)
        if self._model is not None:
            self._model_turn(text, event_id, relieved=relief < 0.0)
        if val is not None and val.value > 0.0 and relief >= 0.0:
            self._valence_turn(text, val, event_id)
        sem = self._semantic
        # The semantic tier reads only the languages it was shown to read (its card says which);
        # elsewhere the lexical tier speaks alone. Text of no known language is read.
        if sem is not None and (lang is None or lang in sem.languages):
            self._semantic_turn(text, event_id, logits, relieved=relief < 0.0)
        # Emotion: a decayed peak (one calm line does not erase anger) and the trend between a
        # fast and a slow average (negativity rising across turns, not only the last line).
        self._praise = -val.value if val is not None and val.value < 0.0 else 0.0
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
        urgent = noisy_or(*urg) if urg else 0.0
        self._urg_words = max(urgent, 0.8 * self._urg_words) * (1.0 + calm)
        if self._finder is not None and self._latest is not None:
            self._find_deadline(text, event_id)

    def _valence_turn(self, text: str, val: valence.Valence, event_id: str | None) -> None:
        """Words a lexicon reads as negative, where the semantic tier does not read the language:
        they raise the emotion the text model reads (a decayed peak, as its heads are)."""
        self._model_emotion = max(self._model_emotion, min(1.0, VALENCE_WEIGHT * val.value))
        self._add_cue(("emotion", "valence", round(0.5 * val.value, 3), text[val.start : val.end],
                       val.start, val.end, event_id, "lexicon", val.value))  # fmt: skip

    def _follow_up(self, follow: FollowUp, event_id: str | None) -> None:
        """A call back on a lost moment of truth: the moment is not over until it is won back.

        The score holds at the source's hindsight score, and its stakes carry over.
        """
        self._floor = max(self._floor, follow.mot_score)
        for label in follow.stakes:
            self._stakes[label] = max(self._stakes.get(label, 0.0), 0.6)
        self._add_cue(("journey", "follow_up", round(follow.mot_score, 3),
                       f"follows up {follow.source}", None, None, event_id,
                       "follow_up", follow.mot_score))  # fmt: skip

    def _context_text(self, text: str, event_id: str | None) -> None:
        """An IVR choice or a stated reason: what it is about, at a little less than words said."""
        for hit in cues.scan(text, cues.customer_families(self._language.language)):
            if hit.family in ("stakes", "churn", "complexity"):
                self._absorb(hit, 0.8)
                self._add_cue(self._hit_row(hit, event_id, 0.8))

    def _agent_turn(self, text: str, event_id: str | None) -> bool:
        """Fold an agent's turn; True when it moved nothing (no cue, and no stance to decay)."""
        hits = cues.scan(text, cues.agent_families(self._language.language))
        if not hits and self._agent == 0.0:
            return True  # 0.7 * 0.0 + 0.0 is 0.0 again
        delta = 0.0
        for hit in hits:
            delta += hit.weight
            self._add_cue(self._hit_row(hit, event_id))
        # Stance decays so that ownership after blame can win the customer back.
        self._agent = max(-1.0, min(1.0, 0.7 * self._agent + delta))
        return False

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
