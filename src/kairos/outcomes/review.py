"""The quality review of one conversation: a library, no web or database imports.

The detector is re-run over the whole conversation (the moment of truth *in hindsight*); the
customer's sentiment at the start is set against the end (recovery); the agent's behaviours are
found with their evidence; and the outcome is classified:

- a conversation is a **moment of truth** when the detector flagged it live, or in hindsight
  (``mot_score`` at or above :data:`THRESHOLD` at any turn, survey free text included);
- it **ended well** when it was resolved (or the customer said so) and nothing says otherwise: a
  CSAT of 1–2, a recontact on the same issue, or the customer leaving angry;
- a moment of truth that ended well is **won**; one that did not (or whose ending is unknown) is
  **missed** when it was not flagged live or was handled as routine, else **lost**;
- a **missed moment** (the morning list, DESIGN.md) is a moment of truth that did not end well or
  was handled as routine, even when the customer stayed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kairos.detection import HIGH, Journey, cues
from kairos.detection.detector import MomentDetector, default_model, noisy_or
from kairos.outcomes import behaviours

#: A conversation is a moment of truth when its MoT score reaches this (live or in hindsight).
THRESHOLD = HIGH

#: The statuses of a moment of truth; a call that carries a thread's moment on is ``continued``
#: (:mod:`kairos.outcomes.escalated`), counted on the thread, and the rest are ``routine``.
MOMENTS = ("won", "lost", "missed")

_GRATITUDE = re.compile(
    r"\b(?:thanks?|thank you|thx|ty|appreciate(?:d)?|great|perfect|awesome|brilliant|"
    r"got it|sorted|resolved|fixed|that worked|that helps|all good|cheers|much better)\b",
    re.I,
)
_STILL_BAD = re.compile(
    r"\b(?:still|not (?:resolved|fixed|sorted|helpful)|no help|useless|ridiculous|unacceptable|"
    r"never(?:\W+\w+){0,4}\W+again|worst|joke|pathetic|disgusting|waste|nobody|no one|"
    r"doesn't help|didn't help|not good enough|unbelievable|terrible|awful|shocking|disgrace|"
    r"done with)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Turn:
    """One utterance: who said it, what, and (when stored) its event id and time."""

    speaker: str
    text: str
    event_id: str | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Known:
    """What is known of the conversation's ending from outside its words."""

    resolved: bool | None = None
    confirmed_by_customer: bool | None = None
    csat: int | None = None
    nps: int | None = None
    recontact: bool = False
    live_score: float | None = None
    handled_as_moment: bool = False
    survey_text: str | None = None
    #: Archives: what the detector saw before the first answer stands for "live".
    live_is_first_reply: bool = False


@dataclass
class Review:
    """The review of one conversation (see the module docstring for the definitions)."""

    hindsight_score: float
    live_score: float | None
    mot_live: bool
    mot_hindsight: bool
    handled_as_routine: bool
    resolved: bool | None
    resolved_source: str | None
    confirmed_by_customer: bool | None
    ended_well: bool | None
    status: str
    missed: bool
    sentiment_start: float | None
    sentiment_end: float | None
    recovery: float | None
    csat: int | None
    nps: int | None
    recontact: bool
    cube: str
    stakes: list[str]
    churn_risk: float
    reasons: list[dict[str, Any]]
    behaviours: list[dict[str, Any]]
    reask_count: int
    model_version: str
    first_reply_score: float | None = None
    why: list[str] = field(default_factory=list)

    @property
    def is_mot(self) -> bool:
        """Whether this was a moment of truth, live or in hindsight."""
        return self.mot_live or self.mot_hindsight


def turn_sentiment(text: str) -> float:
    """A customer turn's sentiment in [-1, 1]: thanks and relief up, distress and anger down."""
    negative: list[float] = []
    positive = 0.0
    for hit in cues.scan(text, (cues.FAMILIES[0],)):
        if hit.weight > 0:
            negative.append(hit.weight)
        else:
            positive = max(positive, -hit.weight)
    loud = cues.intensity(text).value
    model = default_model()
    if model is not None:
        p = model.predict(text)
        negative.append(max(p.get("emotion", 0.0), 0.7 * p.get("dissatisfaction", 0.0)))
    if _GRATITUDE.search(text):
        positive = max(positive, 0.4)
    if _STILL_BAD.search(text):
        negative.append(0.5)
    neg = noisy_or(*negative, 0.5 * loud)
    return round(max(-1.0, min(1.0, positive - neg)), 4)


def infer_resolution(turns: Sequence[Turn]) -> bool | None:
    """Resolved as the customer's last words after the agent's last reply read: None if silent."""
    last_agent = max((i for i, t in enumerate(turns) if t.speaker == "agent"), default=None)
    if last_agent is None:
        return None
    after = [t.text for t in turns[last_agent + 1 :] if t.speaker == "customer"]
    if not after:
        return None
    text = after[-1]
    if _STILL_BAD.search(text):
        return False
    sentiment = turn_sentiment(text)
    if _GRATITUDE.search(text) and sentiment > -0.3:
        return True
    if sentiment <= -0.5:
        return False
    return None


@dataclass
class _Replay:
    """What re-running the detector over a whole conversation found."""

    scores: Any
    peak: float = 0.0
    peak_reasons: list[Any] = field(default_factory=list)
    first_reply: float | None = None
    sentiments: list[float] = field(default_factory=list)
    found: list[dict[str, Any]] = field(default_factory=list)
    plain: list[tuple[str, str, str | None]] = field(default_factory=list)


def _replay(turns: Sequence[Turn], known: Known, det: MomentDetector) -> _Replay:
    out = _Replay(scores=None)
    for index, turn in enumerate(turns):
        if turn.speaker == "agent" and out.first_reply is None:
            # What routing would have seen while the customer waited for the first answer.
            out.first_reply = out.scores.mot_score if out.scores is not None else 0.0
        det.observe_text(turn.text, speaker=turn.speaker, occurred_at=turn.occurred_at,
                         event_id=turn.event_id)  # fmt: skip
        if turn.speaker == "customer":
            out.sentiments.append(turn_sentiment(turn.text))
        elif turn.speaker == "agent":
            out.found.extend(
                b.as_dict()
                for b in behaviours.agent_turn(turn.text, turn=index, event_id=turn.event_id)
            )
        out.plain.append((turn.speaker, turn.text, turn.event_id))
        out.scores = det.scores()
        if out.scores.mot_score > out.peak or not out.peak_reasons:
            out.peak = max(out.peak, out.scores.mot_score)
            out.peak_reasons = out.scores.reasons
    if known.survey_text:
        det.observe_text(known.survey_text, speaker="customer", event_id="survey")
        out.sentiments.append(turn_sentiment(known.survey_text))
        out.scores = det.scores()
        if out.scores.mot_score > out.peak:
            out.peak, out.peak_reasons = out.scores.mot_score, out.scores.reasons
    if out.scores is None:
        out.scores = det.scores()
    if out.first_reply is None:  # nobody answered: routing would have seen it all
        out.first_reply = out.scores.mot_score
    return out


def _resolution(known: Known, turns: Sequence[Turn]) -> tuple[bool | None, str | None]:
    """Whether it was resolved, and how that is known: recorded, confirmed or inferred."""
    resolved, source = known.resolved, "recorded" if known.resolved is not None else None
    if resolved is None and known.confirmed_by_customer:
        resolved, source = True, "confirmed"
    if resolved is None:
        resolved = infer_resolution(turns)
        source = "inferred" if resolved is not None else None
    return resolved, source


def _ending(
    known: Known, resolved: bool | None, source: str | None, end: float | None
) -> tuple[bool | None, list[str]]:
    """Whether it ended well (None: no sign either way), and why not."""
    why: list[str] = []
    ended_well: bool | None = None
    if known.csat is not None and known.csat <= 2:
        ended_well = False
        why.append(f"CSAT {known.csat} of 5")
    if known.recontact:
        ended_well = False
        why.append("the customer came back about the same issue")
    if resolved is False:
        ended_well = False
        why.append(
            "not resolved" + (" (the customer's last words)" if source == "inferred" else "")
        )
    if end is not None and end <= -0.5:
        ended_well = False
        why.append(f"the customer ended upset (sentiment {end:+.2f})")
    if ended_well is None and (resolved or (known.csat is not None and known.csat >= 4)):
        ended_well = True
    return ended_well, why


def _moment_why(
    why: list[str],
    *,
    mot_live: bool,
    handled_as_routine: bool,
    ended_well: bool | None,
    found: list[dict[str, Any]],
    reasks: int,
) -> list[str]:
    """What went wrong with a moment of truth, each once, in the order it went: unseen, handled
    as routine, then how it ended (``why``), then the agent's words."""
    head = []
    if not mot_live:
        head.append("only seen in hindsight: not flagged while it happened")
    if handled_as_routine:
        head.append("handled as routine: normal priority, no moment-of-truth handling")
    tail = []
    if ended_well is None:
        tail.append("no sign that it ended well")
    counts: dict[str, int] = {}
    for b in found:
        counts[b["kind"]] = counts.get(b["kind"], 0) + 1
    for kind in ("blame", "deflection", "premature_close", "reask"):
        if counts.get(kind):
            tail.append(f"agent: {kind.replace('_', ' ')} ×{counts[kind]}")
    if reasks and not counts.get("reask"):
        tail.append(f"agent: reask ×{reasks}")
    return list(dict.fromkeys([*head, *why, *tail]))


def review(
    turns: Sequence[Turn],
    *,
    known: Known | None = None,
    journey: Journey | None = None,
    timezone: str = "UTC",
    reask_count: int = 0,
    detector: MomentDetector | None = None,
    timezone_source: str | None = None,
) -> Review:
    """Review one conversation: re-run the detector over all of it and classify its outcome."""
    known = known or Known()
    det = detector or MomentDetector(
        timezone=timezone, timezone_source=timezone_source, journey=journey
    )
    replay = _replay(turns, known, det)
    scores, found = replay.scores, replay.found
    asked_again = behaviours.reasks(replay.plain)
    found.extend(b.as_dict() for b in asked_again)
    reasks = max(reask_count, len(asked_again))
    live = known.live_score
    if live is None and known.live_is_first_reply:
        live = replay.first_reply
    mot_live = live is not None and live >= THRESHOLD
    mot_hindsight = replay.peak >= THRESHOLD
    sentiments = replay.sentiments
    start = sentiments[0] if sentiments else None
    end = sentiments[-1] if len(sentiments) > 1 else None
    recovery = round(end - start, 4) if start is not None and end is not None else None
    resolved, source = _resolution(known, turns)
    ended_well, why = _ending(known, resolved, source, end)
    handled_as_routine = not known.handled_as_moment
    is_mot = mot_live or mot_hindsight
    if not is_mot:
        status = "routine"
    elif ended_well:
        status = "won"
    elif not mot_live or handled_as_routine:
        status = "missed"
    else:
        status = "lost"
    missed = is_mot and (ended_well is not True or handled_as_routine)
    if is_mot:
        why = _moment_why(why, mot_live=mot_live, handled_as_routine=handled_as_routine,
                          ended_well=ended_well, found=found, reasks=reasks)  # fmt: skip
    reasons = [
        {k: v for k, v in zip(_CUE_FIELDS, row, strict=True) if v is not None}
        for row in replay.peak_reasons
    ]
    return Review(
        hindsight_score=round(replay.peak, 4), live_score=live, mot_live=mot_live,
        mot_hindsight=mot_hindsight, handled_as_routine=handled_as_routine, resolved=resolved,
        resolved_source=source, confirmed_by_customer=known.confirmed_by_customer,
        ended_well=ended_well, status=status, missed=missed, sentiment_start=start,
        sentiment_end=end, recovery=recovery, csat=known.csat, nps=known.nps,
        recontact=known.recontact, cube=scores.cube, stakes=list(scores.stakes),
        churn_risk=scores.churn_risk, reasons=reasons, behaviours=found, reask_count=reasks,
        model_version=scores.model_version, first_reply_score=replay.first_reply, why=why,
    )  # fmt: skip


_CUE_FIELDS = ("kind", "label", "weight", "text", "start", "end", "event_id", "feature", "value")
