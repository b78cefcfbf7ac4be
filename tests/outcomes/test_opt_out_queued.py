"""An opt-out reaches the follow-up calls queued before it: each one no agent has taken yet is
held back (``suppressed``, in the ledger, counted) and leaves the queue; a taken one goes ahead."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.outcomes.conftest import enable_rules, post_events, recent
from tests.outcomes.support import _agent, _lost

from kairos.bus.memory import MemoryBus
from kairos.customers import consent
from kairos.customers.schemas import ContactPreferenceIn
from kairos.outcomes.worker import OutcomesWorker
from kairos.runtime import Runtime


def _customer_of(client: TestClient, interaction_id: str) -> int:
    return int(client.get(f"/v1/interactions/{interaction_id}").json()["customer_id"])


def _set(client: TestClient, customer_id: int, **body: Any) -> None:
    response = client.put(f"/v1/customers/{customer_id}/contact-preference", json=body)
    assert response.status_code == 200, response.text


def _follow_ups(client: TestClient) -> list[dict[str, Any]]:
    found = client.get("/v1/outreach/tasks", params={"kind": "follow_up"})
    items: list[dict[str, Any]] = found.json()["items"]
    return items


def test_an_opt_out_takes_a_queued_follow_up_out_of_the_queue(client: TestClient) -> None:
    enable_rules(client)
    post_events(client, recent(_lost("lost", reason="lost baggage", phone="+14155550611")))
    post_events(client, recent(_lost("other", reason="refund", phone="+14155550612")))
    customer_id = _customer_of(client, "lost")
    [mine] = [t for t in _follow_ups(client) if t["customer_id"] == customer_id]
    assert mine["status"] == "queued"
    # No more texts: the follow-up is a call, it stays queued.
    _set(client, customer_id, channels_off=["sms"])
    [mine] = [t for t in _follow_ups(client) if t["customer_id"] == customer_id]
    assert (mine["status"], mine["result"]) == ("queued", None)
    # No proactive contact at all: held back, with why, and out of the queue.
    _set(client, customer_id, proactive=False, updated_by="agent ana")
    tasks = {t["customer_id"]: t for t in _follow_ups(client)}
    held = tasks[customer_id]
    assert (held["status"], held["result"]) == ("suppressed", "opted_out")
    assert tasks[_customer_of(client, "other")]["status"] == "queued"  # another customer's stays
    call = client.get(f"/v1/interactions/{held['task_interaction_id']}").json()
    assert call["state"] == "ended"
    never = client.get(f"/v1/interactions/{held['task_interaction_id']}/review").json()
    assert (never["status"], never["missed"]) == ("routine", False)  # no moment lost by it
    ledger = client.get(f"/v1/customers/{customer_id}/contact-preference").json()["history"]
    assert [e["action"] for e in ledger] == ["suppressed", "set", "set"]
    assert f"task {held['id']}" in ledger[0]["detail"] and ledger[0]["source"] == "opted_out"
    assert 'kairos_outreach_suppressed_total{kind="follow_up",reason="opted_out"} 1' in (
        client.get("/metrics").text
    )
    # Routing offers the other customer's call, and never the held-back one.
    _agent(client, "ana", certified=True)
    offered = client.post("/v1/agents/ana/next").json()["decision"]
    assert offered["interaction_id"] == tasks[_customer_of(client, "other")]["task_interaction_id"]
    _agent(client, "bo", certified=True)
    assert client.post("/v1/agents/bo/next").json()["decision"] is None
    # Saying it again holds back nothing twice; the held-back task stays held back.
    _set(client, customer_id, proactive=False)
    assert [t["status"] for t in _follow_ups(client) if t["customer_id"] == customer_id] == [
        "suppressed"
    ]
    assert 'reason="opted_out"} 1' in client.get("/metrics").text


def test_a_follow_up_an_agent_has_taken_goes_ahead(client: TestClient) -> None:
    enable_rules(client)
    post_events(client, recent(_lost("taken", reason="lost baggage", phone="+14155550613")))
    customer_id = _customer_of(client, "taken")
    [task] = _follow_ups(client)
    _agent(client, "ana", certified=True)
    offered = client.post("/v1/agents/ana/next").json()["decision"]
    assert offered["interaction_id"] == task["task_interaction_id"]
    _set(client, customer_id, proactive=False)
    [task] = _follow_ups(client)
    assert (task["status"], task["result"]) == ("queued", None)  # the agent is calling
    call = client.get(f"/v1/interactions/{task['task_interaction_id']}").json()
    assert (call["state"], call["agent_id"]) == ("assigned", "ana")


def test_the_sweep_holds_back_a_call_whose_opt_out_message_was_lost(
    client: TestClient, runtime: Runtime
) -> None:
    """The opt-out was stored but ``customer.preference_changed`` never reached the outcomes
    listener (Redis lost it): the periodic sweep finds the queued call the preference forbids."""
    enable_rules(client)
    post_events(client, recent(_lost("lost", reason="lost baggage", phone="+14155550614")))
    post_events(client, recent(_lost("other", reason="refund", phone="+14155550615")))
    customer_id = _customer_of(client, "lost")
    change = ContactPreferenceIn(proactive=False, updated_by="agent ana")
    # A bus no listener hears: the message is lost, the preference is stored.
    consent.update(db=runtime.db, bus=MemoryBus(), customer_id=customer_id, change=change,
                   source="api")  # fmt: skip
    assert {t["status"] for t in _follow_ups(client)} == {"queued"}
    OutcomesWorker(runtime).sweep()
    tasks = {t["customer_id"]: t for t in _follow_ups(client)}
    assert (tasks[customer_id]["status"], tasks[customer_id]["result"]) == (
        "suppressed", "opted_out",
    )  # fmt: skip
    assert tasks[_customer_of(client, "other")]["status"] == "queued"
    call = client.get(f"/v1/interactions/{tasks[customer_id]['task_interaction_id']}").json()
    assert call["state"] == "ended"
    OutcomesWorker(runtime).sweep()  # again: nothing held back twice
    assert 'reason="opted_out"} 1' in client.get("/metrics").text
