"""The detector's known wrong cases from issue 14, kept right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kairos.detection.datasets import Example
from kairos.detection.detector import MomentDetector
from kairos.detection.training import _label
from kairos.events import InteractionStarted
from kairos.routing.policies import MOT_THRESHOLD
from kairos.simulation.scripts import SCRIPTS
from kairos.simulation.traffic import contacts
from kairos.simulation.truth import DETECTED

AT = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)


def test_a_balance_enquiry_is_not_flagged() -> None:
    """The demo's routine contact, as the simulator plays it: subject, two turns each way."""
    (script,) = [s for s in SCRIPTS if s.reason == "balance enquiry"]
    d = MomentDetector()
    d.update(
        InteractionStarted(
            event_id="s",
            interaction_id="i",
            occurred_at=AT,
            channel="chat",
            subject=script.subject,
            reason=script.reason,
        )
    )
    for i, (customer, agent) in enumerate(zip(script.customer, script.agent, strict=True)):
        d.update_text(customer, occurred_at=AT + timedelta(seconds=20 * i))
        a = d.update_text(agent, speaker="agent", occurred_at=AT + timedelta(seconds=20 * i + 10))
    assert a.mot_score < MOT_THRESHOLD
    assert not a.stakes
    assert any(r.label == "relief" for r in a.reasons)  # "that's all I needed"


def test_the_stakes_head_learns_that_ordinary_talk_has_no_stakes() -> None:
    says_nothing: dict[str, int | None] = dict.fromkeys(("stakes", "churn", "dissatisfaction"))
    calm = Example("dailydialog", "1", "that's all I needed, thanks", "train",
                   {"emotion": 0, **says_nothing}, 0)  # fmt: skip
    unknown = Example("user_satisfaction", "2", "ok", "train",
                      {"emotion": None, **says_nothing}, None)  # fmt: skip
    assert _label(calm, "stakes") == 0
    assert _label(calm, "churn") is None
    assert _label(unknown, "stakes") is None


def test_rude_staff_registers_as_dissatisfaction() -> None:
    a = MomentDetector(model=None).update_text("the staff were rude", occurred_at=AT)
    cue = next(r for r in a.reasons if r.kind == "emotion" and r.label == "anger")
    assert cue.text == "staff were rude"
    assert a.emotion >= 0.5


def test_the_third_time_an_order_is_lost_is_high() -> None:
    a = MomentDetector().update_text("this is the third time my order is lost", occurred_at=AT)
    labels = {(r.kind, r.label) for r in a.reasons}
    assert {("complexity", "repeat"), ("stakes", "money_lost")} <= labels
    assert "money_lost" in a.stakes
    assert a.mot_score >= 0.7


def test_sarcasm_that_hides_a_complaint_registers() -> None:
    a = MomentDetector(model=None).update_text(
        "great, another two hours on hold, just what I needed", occurred_at=AT
    )
    labels = {r.label for r in a.reasons if r.kind == "emotion"}
    assert "sarcasm" in labels
    assert a.emotion >= 0.5
    # Said plainly, the same closing words are thanks.
    calm = MomentDetector(model=None).update_text("Great, that's all I needed. Thanks.")
    assert "sarcasm" not in {r.label for r in calm.reasons}


def test_a_closing_gate_is_travel_stakes() -> None:
    a = MomentDetector(model=None).update_text("the gate closes in forty minutes", occurred_at=AT)
    assert "travel_disruption" in a.stakes
    assert any(r.kind == "stakes" and r.text and "gate closes" in r.text for r in a.reasons)


def _played(reason: str) -> float:
    """The final mot_score of the first simulated contact of a script, every event in order."""
    contact = next(c for c in contacts(seed=0, count=400) if c.script.reason == reason)
    d = MomentDetector(interaction_id=contact.interaction_id)
    for event in contact.events:
        if isinstance(event, DETECTED):
            d.update(event)
    return d.scores().mot_score


def test_rude_staff_is_flagged() -> None:
    """Mistreatment by staff is a breaking point: flagged, said alone or in the demo's contact."""
    a = MomentDetector().update_text("the staff were rude", occurred_at=AT)
    assert a.mot_score >= MOT_THRESHOLD
    assert any(r.kind == "churn" and r.label == "mistreated" for r in a.reasons)
    assert _played("rude staff") >= MOT_THRESHOLD


def test_a_failure_repeated_is_flagged() -> None:
    """The third call about the same fault, a fee charged again: the relationship is at stake."""
    assert _played("repeat fault") >= MOT_THRESHOLD
    assert _played("overcharged again") >= MOT_THRESHOLD
    a = MomentDetector().update_text("Fine. But if it happens again I'm leaving.", occurred_at=AT)
    assert any(r.kind == "churn" and r.label == "leaving" for r in a.reasons)
    trip = MomentDetector().update_text("I'm leaving for the airport now", occurred_at=AT)
    assert not any(r.kind == "churn" for r in trip.reasons)


def test_irritation_and_routine_deadlines_are_not_flagged() -> None:
    """Upset at a wait, or a deadline whose loss is an inconvenience: not moments of truth."""
    assert _played("long hold") < MOT_THRESHOLD
    assert _played("card declined") < MOT_THRESHOLD
    assert _played("balance enquiry") < MOT_THRESHOLD


def test_a_solved_problem_does_not_raise_the_score() -> None:
    """ "Yes, it went through" is relief: the models' readings of that turn do not push the
    score up (they once read it as dissatisfied and flagged a card check as a moment of truth)."""
    d = MomentDetector()
    first = d.update_text(
        "My card keeps getting declined at checkout and the sale ends at 1:30 pm.", occurred_at=AT
    )
    after = d.update_text("OK, trying again now. Yes, it went through.", occurred_at=AT)
    assert any(r.label == "relief" for r in after.reasons)
    assert after.mot_score < min(first.mot_score + 0.05, MOT_THRESHOLD)
