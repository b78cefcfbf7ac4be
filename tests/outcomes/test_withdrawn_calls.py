"""An outreach call withdrawn before anyone took it never happened: no contact in the day's
figures, the report or the plan's history, beside no moment (counted apart since before)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from fastapi.testclient import TestClient
from tests.outcomes.conftest import day_of, enable_rules, post_events, recent
from tests.outcomes.support import _lost, _open_end

from kairos.outcomes.stored import report_data
from kairos.planning.service import get_history
from kairos.runtime import Runtime
from kairos.web.trends import day_trends


def test_a_withdrawn_follow_up_call_is_no_contact(client: TestClient, runtime: Runtime) -> None:
    enable_rules(client)
    events = recent([*_lost("wd", reason="flight cancelled")[:-1], _open_end("wd")])
    post_events(client, events)
    task = client.get("/v1/outreach/tasks", params={"kind": "follow_up"}).json()["items"][0]
    wrap = {"resolved": True, "confirmed_by_customer": True}
    assert client.post("/v1/interactions/wd/wrap-up", json=wrap).json()["status"] == "won"
    task = client.get("/v1/outreach/tasks", params={"kind": "follow_up"}).json()["items"][0]
    assert (task["status"], task["result"]) == ("done", "withdrawn")
    call = client.get(f"/v1/interactions/{task['task_interaction_id']}").json()
    assert call["state"] == "ended"

    # Before, the day counted 2 contacts, 2 ended: the customer's and the call nobody made.
    today = client.get("/v1/outcomes/today", params=day_of(events)).json()
    assert (today["contacts"], today["ended"], today["won"]) == (1, 1, 1)
    # Nor was its time from start to withdrawal a routine contact's handle time.
    assert today["average_handle_seconds"] is None
    now = datetime.now(UTC)
    with runtime.db.session() as session:
        data = report_data(session=session, since=now - timedelta(days=1), until=now)
        assert [r.id for r in data.rows] == ["wd"]
        history = get_history(session=session, since=now - timedelta(days=1))
        # The hours of the customer's day (yesterday's, when the run crossed midnight).
        day_end = datetime.combine(date.fromisoformat(day_of(events)["day"]), time.max, UTC)
        hourly = day_trends(session=session, now=min(now, day_end), timezone="UTC")
    assert [r.channel for r in history] == ["call"]  # the customer's call alone
    # The wallboard's hour-by-hour contacts and moments: the customer's, once.
    assert (sum(hourly.contacts), sum(hourly.moments)) == (1, 1)
