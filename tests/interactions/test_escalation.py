"""Channel escalation: a chat or social thread becomes an outbound call task that carries it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.interactions.support import escalate

from kairos.bus import MemoryBus
from kairos.interactions.schemas import EscalationIn
from kairos.routing import escalation as flows
from kairos.runtime import Runtime


@pytest.fixture
def published(runtime: Runtime) -> list[tuple[str, dict[str, Any]]]:
    assert isinstance(runtime.bus, MemoryBus)
    seen: list[tuple[str, dict[str, Any]]] = []
    runtime.bus.listen(lambda topic, message: seen.append((topic, message)))
    return seen


def chat(client: TestClient, conversation: str = "conv-1", **visitor: str) -> str:
    body = {
        "conversation_id": conversation,
        "visitor": {"id": f"v-{conversation}", "phone": "+1 415 555 0100", **visitor},
        "queue": "travel",
        "topic": "Flight cancelled",
        "timezone": "Europe/London",
        "messages": [
            {"id": "m1", "role": "visitor", "sent_at": "2026-11-22T14:00:00Z",
             "text": "You cancelled my flight BA283 and my daughter's recital is tonight at 7pm! "
                     "Booking ref QX7T2P."},
            {"id": "m2", "role": "agent", "agent_id": "chat-1", "sent_at": "2026-11-22T14:01:00Z",
             "text": "I'm so sorry. Let me get a colleague to call you right away."},
        ],
    }  # fmt: skip
    response = client.post("/v1/channels/chat", json=body)
    assert response.status_code == 200, response.text
    return f"chat:{conversation}"


def callbacks(client: TestClient) -> list[str]:
    """The calls made by escalation (other parts of Kairos may start calls of their own)."""
    calls = client.get("/v1/interactions", params={"channel": "call"}).json()["items"]
    return [c["id"] for c in calls if c["id"].startswith("callback:")]


def test_a_chat_becomes_a_call_task_with_its_thread_facts_and_assessment(
    client: TestClient, published: list[tuple[str, dict[str, Any]]]
) -> None:
    source = chat(client)
    before = client.get(f"/v1/interactions/{source}").json()
    response = escalate(client, source, agent_id="chat-1", note="Call her before 6pm")
    assert response.status_code == 201, response.text
    task = response.json()
    call_id = task["interaction_id"]
    assert call_id == f"callback:{source}"
    assert task["source_interaction_id"] == source and task["source_channel"] == "chat"
    assert task["customer_id"] == before["customer_id"] is not None
    assert task["phone"] == "+14155550100" and task["queue"] == "callbacks"
    assert task["escalated_by"] == "chat-1" and task["note"] == "Call her before 6pm"
    # The thread, the facts and the assessment travel with the task.
    assert [m["speaker"] for m in task["thread"]] == ["customer", "agent"]
    assert "recital" in task["thread"][0]["text"]
    assert {"flight_number", "booking_reference"} <= {f["name"] for f in task["facts"]}
    assert "travel_disruption" in task["assessment"]["stakes"]
    assert set(before["assessment"]["stakes"]) <= set(task["assessment"]["stakes"])
    assert task["assessment"]["deadline"] == before["assessment"]["deadline"] is not None
    assert task["mot_score"] >= 0.5
    # Linked both ways, same customer, a call waiting in the queue.
    call = client.get(f"/v1/interactions/{call_id}").json()
    assert call["channel"] == "call" and call["state"] == "open" and call["queue"] == "callbacks"
    assert call["escalated_from"] == source and call["customer_id"] == before["customer_id"]
    assert client.get(f"/v1/interactions/{source}").json()["escalated_to"] == call_id
    assert call["timeline"][0]["body"]["escalation"]["source"] == source
    # Published once committed.
    [message] = [m for t, m in published if m["type"] == "interaction.escalated"]
    assert message["interaction_id"] == call_id and message["source_interaction_id"] == source
    assert message["agent_id"] == "chat-1" and message["queue"] == "callbacks"
    assert ("assessments", call_id) in {(t, m.get("interaction_id")) for t, m in published}


def test_the_call_is_routed_to_an_agent_and_keeps_the_thread_after_a_rebuild(
    client: TestClient, runtime: Runtime
) -> None:
    source = chat(client)
    call_id = escalate(client, source, agent_id="chat-1").json()["interaction_id"]
    agent = {"external_id": "voice-1", "name": "Vi", "channels": ["call"], "state": "available"}
    assert client.post("/v1/agents", json=agent).status_code == 201
    routed = client.post("/v1/agents/voice-1/next").json()
    assert routed["decision"] is not None, routed["message"]
    assert routed["decision"]["interaction_id"] == call_id
    assert routed["decision"]["moment_of_truth"] is True
    # The chat goes on after the call began: not part of what the call knows.
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    more = {"conversation_id": "conv-1", "messages": [
        {"id": "m3", "role": "visitor", "sent_at": later,
         "text": "Also my father just passed away, I need a bereavement fare"},
    ]}  # fmt: skip
    assert client.post("/v1/channels/chat", json=more).status_code == 200
    assert "bereavement" in client.get(f"/v1/interactions/{source}").json()["assessment"]["stakes"]
    # A detector rebuilt from the log (another worker, a restart) still knows the chat.
    runtime.detectors.forget(call_id)
    said = {
        "type": "utterance", "event_id": "cb-1", "interaction_id": call_id,
        "occurred_at": "2026-11-22T14:10:00Z", "speaker": "agent", "agent_id": "voice-1",
        "text": "Hello, I'm calling about your cancelled flight.",
    }  # fmt: skip
    assert client.post("/v1/events", json=said).status_code == 200
    call = client.get(f"/v1/interactions/{call_id}").json()
    assert "travel_disruption" in call["assessment"]["stakes"]
    assert "bereavement" not in call["assessment"]["stakes"]
    # The chat is the call's own thread, not an earlier contact: no repeat-contact cue.
    assert "repeat_contact" not in {r["label"] for r in call["assessment"]["reasons"]}


def test_a_social_thread_escalates_to_a_number_the_agent_gives(client: TestClient) -> None:
    post = {
        "platform": "x", "post_id": "p-1", "handle": "@jane_doe",
        "text": "@AcmeAir my flight got cancelled, stuck at the gate with two kids",
    }  # fmt: skip
    assert client.post("/v1/channels/social", json=post).status_code == 200
    source = "social:x:p-1"
    # No number on record: the agent must give one, and a valid one.
    missing = escalate(client, source)
    assert missing.status_code == 422 and missing.json()["error"] == "no_phone_number"
    bad = escalate(client, source, phone="12345")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "phone"
    response = escalate(client, source, phone="(415) 555-0199", agent_id="social-2")
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["phone"] == "+14155550199"
    customer = client.get(f"/v1/customers/{task['customer_id']}").json()
    assert ("phone", "+14155550199") in {(i["kind"], i["value"]) for i in customer["identities"]}
    assert ("social", "x:jane_doe") in {(i["kind"], i["value"]) for i in customer["identities"]}
    assert len(customer["journey"]) == 2
    assert client.get("/v1/customers").json()["total"] == 1


def test_a_number_owned_by_someone_else_is_a_conflict_not_a_merge(client: TestClient) -> None:
    source = chat(client, "conv-a", email="a@example.com", phone="+14155550111")
    chat(client, "conv-b", email="b@example.com", phone="+14155550122")
    response = escalate(client, source, phone="+14155550122")
    assert response.status_code == 201, response.text
    owner = client.get(f"/v1/interactions/{source}").json()["customer_id"]
    assert response.json()["customer_id"] == owner
    conflicts = client.get("/v1/customers/conflicts").json()
    assert conflicts["total"] == 1
    assert conflicts["items"][0]["interaction_id"] == f"callback:{source}"


def test_what_cannot_be_escalated_is_a_clear_4xx(client: TestClient, runtime: Runtime) -> None:
    source = chat(client)
    call = {"call_id": "c-1", "events": [{"type": "call.started", "from": "+14155550100"}]}
    assert client.post("/v1/channels/voice", json=call).status_code == 200
    cases = [
        ("call:c-1", {}, 409, "not_escalatable"),
        ("chat:nobody", {}, 404, "not_found"),
        (source, {"agent_id": "has space"}, 422, "invalid_request"),
        (source, {"queue": ""}, 422, "invalid_request"),
        (source, {"priority": "high"}, 422, "invalid_request"),
    ]
    for interaction_id, body, status, error in cases:
        response = escalate(client, interaction_id, **body)
        assert (response.status_code, response.json()["error"]) == (status, error), interaction_id
    assert callbacks(client) == []
    # Ended and escalated once: a second escalation is refused, naming the call.
    client.post(
        "/v1/channels/chat",
        json={"conversation_id": "conv-1", "ended": {"at": "2026-11-22T14:20:00Z"}},
    )
    assert escalate(client, source).status_code == 201
    again = escalate(client, source)
    assert again.status_code == 409 and f"callback:{source}" in again.json()["message"]
    with pytest.raises(flows.NotEscalatable):
        flows.escalate(
            runtime=runtime,
            interaction_id=source,
            escalation_in=EscalationIn(),
        )
    assert callbacks(client) == [f"callback:{source}"]


def test_an_escalation_sent_as_an_event_is_checked_like_one(client: TestClient) -> None:
    source = chat(client)
    started = {
        "type": "interaction.started", "event_id": "cb-start", "interaction_id": "cb-1",
        "occurred_at": "2026-11-22T14:30:00Z", "channel": "call",
        "identities": [{"kind": "phone", "value": "+14155550100"}],
        "escalation": {"source": "chat:ghost"},
    }  # fmt: skip
    unknown = client.post("/v1/events", json=started)
    assert unknown.status_code == 409
    assert unknown.json()["errors"][0]["field"] == "escalation.source"
    ok = client.post("/v1/events", json={**started, "escalation": {"source": source}})
    assert ok.status_code == 200, ok.text
    twice = {**started, "event_id": "cb2-start", "interaction_id": "cb-2"}
    twice["escalation"] = {"source": source}
    refused = client.post("/v1/events", json=twice)
    assert refused.status_code == 409 and "escalated already" in refused.text
    assert client.get(f"/v1/interactions/{source}").json()["escalated_to"] == "cb-1"


def test_an_sms_thread_calls_back_the_number_that_texted(client: TestClient) -> None:
    form = "MessageSid=SM1&From=%2B442079460000&To=%2B18005550199&Body=Flight+cancelled%2C+help"
    response = client.post(
        "/v1/channels/sms",
        content=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    [sms] = client.get("/v1/interactions", params={"channel": "sms"}).json()["items"]
    task = escalate(client, sms["id"], agent_id="sms-1", note="she texted her PIN 482915")
    assert task.status_code == 201, task.text
    assert task.json()["phone"] == "+442079460000"
    assert task.json()["note"] == "she texted her PIN [pin ••••]"
    assert "482915" not in client.get(f"/v1/interactions/{task.json()['interaction_id']}").text
    assert task.json()["thread"][0]["text"] == "Flight cancelled, help"


def test_the_call_task_carries_an_edited_message_once_with_its_last_text(
    client: TestClient,
) -> None:
    source = chat(client, "conv-edit")
    edited = "You cancelled my flight BA283 and my son's graduation is tonight at 6pm!"
    body = {"conversation_id": "conv-edit", "visitor": {"id": "v-conv-edit"},
            "messages": [{"id": "m1", "role": "visitor", "sent_at": "2026-11-22T14:00:00Z",
                          "edited_at": "2026-11-22T14:02:00Z", "text": edited}]}  # fmt: skip
    assert client.post("/v1/channels/chat", json=body).json()["applied"] == 1
    task = escalate(client, source, agent_id="chat-1").json()
    assert [(m["speaker"], m["text"]) for m in task["thread"]] == [
        ("customer", edited),
        ("agent", "I'm so sorry. Let me get a colleague to call you right away."),
    ]
