"""A follow-up of a lost moment of truth starts as that moment: the detector reads the fact from
the task's first event (outreach never writes an assessment of its own)."""

from __future__ import annotations

from datetime import UTC, datetime

from kairos.detection.detector import MomentDetector
from kairos.events import FollowUp, InteractionStarted

AT = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)


def _started(follow_up: FollowUp | None) -> InteractionStarted:
    return InteractionStarted(
        event_id="t:start", interaction_id="t", occurred_at=AT, channel="call",
        reason="outreach: follow up", follow_up=follow_up,
    )  # fmt: skip


def test_a_follow_up_holds_the_score_of_the_moment_it_follows_with_its_stakes() -> None:
    plain = MomentDetector(interaction_id="t").update(_started(None))
    follow = FollowUp(source="lost-1", mot_score=0.82, stakes=["travel_disruption"])
    a = MomentDetector(interaction_id="t").update(_started(follow))
    assert plain.mot_score < 0.5
    assert a.mot_score >= 0.82
    assert "travel_disruption" in a.stakes
    cue = next(r for r in a.reasons if r.kind == "journey" and r.label == "follow_up")
    assert cue.text == "follows up lost-1" and cue.event_id == "t:start"


def test_the_held_score_never_lowers_what_the_call_itself_says() -> None:
    detector = MomentDetector(interaction_id="t", timezone="UTC")
    detector.update(_started(FollowUp(source="lost-1", mot_score=0.3)))
    a = detector.update_text(
        "My flight got cancelled and my daughter's recital is at 7 tonight, I'm furious",
        occurred_at=AT,
    )
    assert a.mot_score > 0.7
