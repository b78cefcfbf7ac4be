"""An opt-out kept from the desktop takes the customer's queued follow-up call out of the queue."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.outcomes.conftest import enable_rules, post_events, recent
from tests.outcomes.support import _lost
from tests.web.floor import login


def test_an_opt_out_from_the_desktop_holds_back_the_queued_follow_up(client: TestClient) -> None:
    enable_rules(client)
    post_events(client, recent(_lost("asked", reason="lost baggage", phone="+14155550651")))
    [task] = client.get("/v1/outreach/tasks", params={"kind": "follow_up"}).json()["items"]
    assert task["status"] == "queued"
    token = login(client, "sue")
    response = client.post(
        "/interactions/asked/contact-preference",
        data={"proactive": "off", "csrf_token": token},
    )
    assert response.status_code == 200, response.text
    assert "Contact preference saved: no proactive contact at all" in response.text
    [task] = client.get("/v1/outreach/tasks", params={"kind": "follow_up"}).json()["items"]
    assert (task["status"], task["result"]) == ("suppressed", "opted_out")
    call = client.get(f"/v1/interactions/{task['task_interaction_id']}").json()
    assert call["state"] == "ended"
    pref = client.get(f"/v1/customers/{task['customer_id']}/contact-preference").json()
    assert [(e["action"], e["source"]) for e in pref["history"]] == [
        ("suppressed", "opted_out"), ("set", "desktop")]  # fmt: skip
