"""A thread escalated to a call is one moment of truth: the call carries it on. The thread's
review reads the call too (its words, its wrap-up) and names it; the call's review counts no
moment of its own, so the day's figures, the missed list, the scorecards and the report count
the customer's moment once. Until 2026-12-07 the call was reviewed as a moment of its own: one
customer's one moment counted two in the day's figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import ended, started, utterance
from tests.interactions.support import escalate
from tests.outcomes.conftest import day_of, post_events, recent

from kairos.interactions.models import Interaction
from kairos.outcomes.models import InteractionReview
from kairos.outcomes.report import figures as report_figures
from kairos.outcomes.service import why_of
from kairos.outcomes.stored import report_data
from kairos.runtime import Runtime

MOT = (
    "You cancelled my flight BA283 and my daughter's recital is tonight at 7pm, this is a "
    "disaster, please help me"
)


def _escalated_thread(
    client: TestClient, thread: str, *, last_words: str, thread_ends: bool = True
) -> tuple[str, list[dict[str, str]]]:
    """A chat on a moment of truth escalated to a call that ends on the customer's
    ``last_words``; the thread ends too where ``thread_ends``; the call's id."""
    events = recent([
        started(thread, channel="chat", queue="travel", reason="flight cancelled"),
        utterance(thread, MOT, seconds=5),
        utterance(thread, "I'm so sorry. A colleague will call you now.", speaker="agent",
                  seconds=60),
    ])  # fmt: skip
    post_events(client, events)
    response = escalate(client, thread, agent_id="agent-ava", note="Call her before 6pm")
    assert response.status_code == 201, response.text
    call = str(response.json()["interaction_id"])
    now = datetime.now(UTC)
    post_events(client, [
        {**utterance(call, "I've rebooked you on the 4pm flight, you will make the recital.",
                     speaker="agent"), "occurred_at": (now - timedelta(seconds=3)).isoformat()},
        {**utterance(call, last_words), "occurred_at": (now - timedelta(seconds=2)).isoformat()},
        {**ended(call), "occurred_at": now.isoformat()},
    ])  # fmt: skip
    if thread_ends:
        post_events(client, [{**ended(thread), "occurred_at": now.isoformat()}])
    return call, events


def test_a_thread_escalated_to_a_call_is_one_moment_counted_once(
    client: TestClient, runtime: Runtime
) -> None:
    call, events = _escalated_thread(client, "esc-m1", last_words="Thank you, that's perfect.")
    wrap = {"resolved": True, "confirmed_by_customer": True, "agent_id": "agent-ben"}
    assert client.post(f"/v1/interactions/{call}/wrap-up", json=wrap).status_code == 200
    thread_review = client.get("/v1/interactions/esc-m1/review").json()
    call_review = client.get(f"/v1/interactions/{call}/review").json()
    # The call sorted it: the thread's moment is won, read with the call's words and wrap-up.
    assert thread_review["status"] == "won", thread_review
    assert thread_review["resolved"] is True and thread_review["sentiment_end"] > 0
    assert f"escalated to a call, {call}: read with it" in _why(runtime, "esc-m1")
    # The call's own review counts no moment: it carries the thread's.
    assert call_review["status"] == "continued" and call_review["missed"] is False, call_review
    figures = client.get("/v1/outcomes/today", params=day_of(events)).json()
    assert (figures["moments_of_truth"], figures["won"]) == (1, 1), figures


def _why(runtime: Runtime, interaction_id: str) -> list[str]:
    """The review's reasons in words, as the missed page and the report read them."""
    with runtime.db.session() as session:
        record = session.scalar(
            select(InteractionReview)
            .join(Interaction, Interaction.id == InteractionReview.interaction_id)
            .where(Interaction.external_id == interaction_id)
        )
        assert record is not None
        return why_of(record)


def test_a_thread_whose_call_ended_badly_is_one_missed_moment_everywhere(
    client: TestClient, runtime: Runtime
) -> None:
    # The thread is never ended on its own: it goes on as the call, and ends with it.
    call, events = _escalated_thread(
        client, "esc-m2", last_words="This is useless, I'm done with you.", thread_ends=False
    )
    # The escalating agent wraps the thread up (it never ended on its own): not resolved.
    wrap = {"resolved": False, "confirmed_by_customer": False, "agent_id": "agent-ava"}
    assert client.post("/v1/interactions/esc-m2/wrap-up", json=wrap).status_code == 200
    thread_review = client.get("/v1/interactions/esc-m2/review").json()
    assert thread_review["status"] in ("missed", "lost") and thread_review["ended_well"] is False
    assert client.get(f"/v1/interactions/{call}/review").json()["status"] == "continued"
    figures = client.get("/v1/outcomes/today", params=day_of(events)).json()
    assert figures["moments_of_truth"] == 1, figures
    since = datetime.fromisoformat(events[0]["occurred_at"]) - timedelta(minutes=1)
    period = {"since": since.isoformat(), "until": datetime.now(UTC).isoformat()}
    missed = client.get("/v1/outcomes/missed", params=period).json()
    assert [m["review"]["interaction_id"] for m in missed["items"]] == ["esc-m2"], missed
    cards = client.get("/v1/outcomes/agents", params=period).json()["items"]
    assert sum(c["moments_handled"] for c in cards) == 1, cards
    with runtime.db.session() as session:
        data = report_data(session=session, since=since, until=datetime.now(UTC))
    assert report_figures(data.rows)["moments_of_truth"] == 1
