"""A customer who texts STOP is not texted by an outreach task queued before: it leaves the
queue; a task on another channel stays."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.channels.webhook_support import post_sms, sign, twilio_form
from tests.outcomes.conftest import enable_rules, post_events, recent
from tests.outcomes.support import _lost


def _tasks(client: TestClient) -> dict[str, dict[str, Any]]:
    items = client.get("/v1/outreach/tasks", params={"kind": "follow_up"}).json()["items"]
    return {t["source_interaction_id"]: t for t in items}


def test_stop_takes_the_queued_sms_follow_up_out_of_the_queue(client: TestClient) -> None:
    enable_rules(client)
    phone = "+14155550141"
    # A follow-up by call, then the rule moved to SMS and a second lost moment: one of each.
    post_events(client, recent(_lost("by-call", reason="lost baggage", phone=phone)))
    rule = next(r for r in client.get("/v1/outreach/rules").json()["items"]
                if r["trigger"] == "moment_lost")  # fmt: skip
    client.patch(f"/v1/outreach/rules/{rule['id']}", json={"channel": "sms"})
    post_events(client, recent(_lost("by-sms", reason="refund", phone=phone)))
    tasks = _tasks(client)
    assert [tasks[i]["status"] for i in ("by-call", "by-sms")] == ["queued", "queued"]

    form = twilio_form("SM" + "4" * 32, "STOP", sender=phone)
    assert post_sms(client, form, sign(form)).status_code == 200

    tasks = _tasks(client)
    held, kept = tasks["by-sms"], tasks["by-call"]
    assert (held["status"], held["result"]) == ("suppressed", "opted_out_sms")
    assert client.get(f"/v1/interactions/{held['task_interaction_id']}").json()["state"] == "ended"
    assert (kept["status"], kept["result"]) == ("queued", None)  # a call: STOP is about texts
    assert client.get(f"/v1/interactions/{kept['task_interaction_id']}").json()["state"] == "open"
    customer_id = held["customer_id"]
    ledger = client.get(f"/v1/customers/{customer_id}/contact-preference").json()["history"]
    assert [(e["action"], e["source"]) for e in ledger[:2]] == [
        ("suppressed", "opted_out_sms"), ("set", "sms keyword")]  # fmt: skip
    assert 'kairos_outreach_suppressed_total{kind="follow_up",reason="opted_out_sms"} 1' in (
        client.get("/metrics").text
    )
