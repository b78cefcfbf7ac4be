"""The report's figures keep to the report: free-text answers waiting to be grouped are those
received in its period, and its agent table counts a 0-second handle time as the API's
scorecards do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tests.factories import T0, at, ended, started, utterance
from tests.outcomes.conftest import post_events

from kairos.outcomes.report import render
from kairos.outcomes.stored import report_data
from kairos.runtime import Runtime


def _routine(client: TestClient, interaction_id: str, *, seconds: float) -> None:
    """A routine question answered by agent ana, ended ``seconds`` after it started."""
    end = ended(interaction_id) | {"occurred_at": at(seconds)}
    post_events(client, [started(interaction_id, queue="travel"),
                         utterance(interaction_id, "What time does check-in open?"),
                         utterance(interaction_id, "Check-in opens 24 hours before departure.",
                                   speaker="agent"),
                         end])  # fmt: skip
    wrap = {"resolved": True, "confirmed_by_customer": True, "agent_id": "ana"}
    assert client.post(f"/v1/interactions/{interaction_id}/wrap-up", json=wrap).status_code == 200


def test_agent_table_keeps_a_zero_second_handle_time(client: TestClient, runtime: Runtime) -> None:
    _routine(client, "z0", seconds=0)
    _routine(client, "z6", seconds=600)
    since = T0.replace(hour=0, minute=0, second=0)
    until = since + timedelta(days=1)
    cards = client.get(
        "/v1/outcomes/agents", params={"since": since.isoformat(), "until": until.isoformat()}
    ).json()["items"]
    (ana,) = [c for c in cards if c["agent_id"] == "ana"]
    assert ana["routine_handle_seconds"] == 300.0
    with runtime.db.session() as session:
        html = render(report_data(session=session, since=since, until=until))
    # Before, the report left the 0-second contact out of the mean and showed 600 s.
    assert "<td class=n>300 s</td>" in html and "<td class=n>600 s</td>" not in html


def test_answers_waiting_to_be_grouped_are_the_periods(
    client: TestClient, runtime: Runtime
) -> None:
    _routine(client, "f1", seconds=120)
    survey = {"csat": 2, "text": "The app kept logging me out"}
    assert client.post("/v1/interactions/f1/survey", json=survey).status_code < 300
    contact_day = T0.replace(hour=0, minute=0, second=0)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with runtime.db.session() as session:
        earlier = report_data(session=session, since=contact_day, until=today)
        answered = report_data(session=session, since=today, until=today + timedelta(days=1))
    # Before, a period that ended before the answer came still counted it as waiting.
    assert earlier.ungrouped_feedback == 0
    assert "waiting to be grouped" not in render(earlier)
    assert answered.ungrouped_feedback == 1
    assert "Free-text answers received in the period waiting to be grouped: 1 " in render(answered)
