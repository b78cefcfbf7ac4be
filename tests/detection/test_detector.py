"""The streaming detector on the issue's examples, over conversations, and its state size."""

from __future__ import annotations

import pickle
import sys
from datetime import UTC, datetime, timedelta

import pytest

from kairos.detection import Journey
from kairos.detection.assessment import Assessment, Cue
from kairos.detection.detector import MomentDetector

NOON_NY = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)  # 12:00 in New York


def score(
    text: str,
    *,
    tz: str = "America/New_York",
    at: datetime = NOON_NY,
    journey: Journey | None = None,
):  # type: ignore[no-untyped-def]
    return MomentDetector(timezone=tz, journey=journey).update_text(text, occurred_at=at)


def test_cancelled_flight_before_the_recital() -> None:
    a = score("My flight just got cancelled and I have to be at my daughter's recital by 7 tonight")
    assert a.emotion >= 0.5 and a.urgency >= 0.5
    assert {"travel_disruption", "family_event"} <= set(a.stakes)
    assert a.deadline is not None
    assert a.deadline.isoformat() == "2026-11-22T19:00:00-05:00"
    assert a.minutes_to_deadline == pytest.approx(420.0)
    assert a.mot_score > 0.7
    assert a.cube.startswith("emotion:high urgency:high")
    assert any(r.kind == "urgency" and r.text and "7 tonight" in r.text for r in a.reasons)


def test_first_claim_from_the_roadside() -> None:
    a = score(
        "I've just been in an accident on the motorway, it's my first claim in 17 years "
        "and I don't know what to do",
        tz="Europe/London",
    )
    assert {"insurance_claim", "first_time"} <= set(a.stakes)
    assert a.emotion >= 0.5
    assert a.mot_score > 0.7


def test_locked_pc_before_a_client_deadline() -> None:
    a = score(
        "My laptop is locked and I have a client presentation in two hours, I need this fixed now"
    )
    assert "business_deadline" in a.stakes
    assert a.deadline == NOON_NY + timedelta(hours=2)
    assert a.urgency >= 0.5 and a.emotion >= 0.5
    assert a.mot_score > 0.7


@pytest.mark.parametrize(
    "text",
    [
        "what's my balance",
        "Can I change my email address?",
        "What are your opening hours?",
        "How do I order a new cheque book?",
    ],
)
def test_routine_requests_score_low(text: str) -> None:
    a = score(text)
    assert a.mot_score < 0.2
    assert a.cube == "emotion:low urgency:low complexity:low"
    assert a.stakes == []


def test_rising_anger_across_turns_raises_emotion() -> None:
    d = MomentDetector(timezone="UTC")
    turns = [
        "Hi, my package hasn't arrived yet",
        "It was due last week, that's disappointing",
        "This is ridiculous, nobody has answered my emails",
        "I'm FURIOUS!!! This is the worst service ever",
    ]
    emotions = [
        d.update_text(t, occurred_at=NOON_NY + timedelta(minutes=i)).emotion
        for i, t in enumerate(turns)
    ]
    assert emotions[-1] > emotions[0]
    assert emotions[-1] == max(emotions)


def test_repeating_oneself_raises_complexity() -> None:
    d = MomentDetector(timezone="UTC")
    first = d.update_text("My router keeps dropping the connection", occurred_at=NOON_NY)
    later = d.update_text(
        "I already told you, this is the third time I call about it",
        occurred_at=NOON_NY + timedelta(minutes=3),
    )
    assert later.complexity > first.complexity
    assert any(r.kind == "complexity" for r in later.reasons)


def test_agent_blame_and_ownership_move_the_assessment() -> None:
    opening = "My flight was cancelled and I'll miss my sister's wedding tomorrow"
    blamed, owned = MomentDetector(timezone="UTC"), MomentDetector(timezone="UTC")
    for d in (blamed, owned):
        d.update_text(opening, occurred_at=NOON_NY)
    b = blamed.update_text(
        "That's not our problem, you misread the policy",
        speaker="agent",
        occurred_at=NOON_NY + timedelta(minutes=1),
    )
    o = owned.update_text(
        "I'm so sorry. Leave it with me, I'll get you on the next flight",
        speaker="agent",
        occurred_at=NOON_NY + timedelta(minutes=1),
    )
    # The agent's words move churn and the reasons, never the customer's emotion (EU AI Act
    # 5(1)(f): agent utterances feed no emotion score).
    assert b.churn_risk > o.churn_risk and b.mot_score >= o.mot_score
    assert b.emotion == o.emotion
    assert any(r.kind == "agent" and r.text for r in b.reasons)
    assert any(r.kind == "agent" and r.text for r in o.reasons)


def test_churn_language() -> None:
    a = score(
        "I've been a customer for 20 years and I'm cancelling my account, switching to "
        "your competitor. Never again."
    )
    assert a.churn_risk >= 0.5


def test_a_repeat_contact_raises_the_score() -> None:
    text = "My internet is down and I work from home"
    fresh = score(text)
    repeat = score(
        text,
        journey=Journey(repeat_contact=True, prior_contacts_same_issue=2, prior_failed_moments=1),
    )
    assert repeat.mot_score > fresh.mot_score
    assert any(r.kind == "journey" for r in repeat.reasons)


def test_deterministic_and_picklable() -> None:
    text = "URGENT: someone stole my card and emptied my account, I need money for rent today"
    a, b = score(text), score(text)
    assert a.model_dump() == b.model_dump()
    d = MomentDetector(timezone="UTC")
    d.update_text(text, occurred_at=NOON_NY)
    clone = pickle.loads(pickle.dumps(d))
    nxt = "hello?"
    later = NOON_NY + timedelta(minutes=1)
    assert (
        clone.update_text(nxt, occurred_at=later).model_dump()
        == d.update_text(nxt, occurred_at=later).model_dump()
    )


def test_state_stays_small_over_a_long_conversation() -> None:
    d = MomentDetector(timezone="UTC")
    for i in range(200):
        d.update_text(
            f"turn {i}: this is ridiculous, my flight is cancelled and I'm stranded!!",
            occurred_at=NOON_NY + timedelta(seconds=i),
        )
    cues = d._cues
    assert len(cues) <= 32
    size = sys.getsizeof(d) + sys.getsizeof(cues) + sum(sys.getsizeof(c) for c in cues)
    assert size < 8_192


def test_fast_built_assessment_equals_pydantic_construction() -> None:
    """The detector's shortcut around model_construct yields the same models, field for field."""
    d = MomentDetector(timezone="UTC")
    at = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    fast = d.update_text(
        "My flight got cancelled and I need to be at my daughter's recital by 7 tonight!!",
        occurred_at=at,
    )
    slow = Assessment.model_validate(fast.model_dump())
    assert fast == slow
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.reasons and all(isinstance(c, Cue) for c in fast.reasons)
    assert fast.model_dump_json() == slow.model_dump_json()
