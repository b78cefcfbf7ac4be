"""The issue's "done when", end to end through the real webhooks.

A customer complains on social, chats, then calls; the IVR takes the service tag. Replayed
through ``POST /v1/channels/social``, ``/chat`` and ``/voice``, this must give one customer with
three interactions, every fact with its source, a live ``reask.detected`` on the bus when the
agent asks for the service tag again, and a call assessment that knows it is a repeat contact.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi.testclient import TestClient

from kairos.bus import BusMessage
from kairos.runtime import Runtime

CALL_ID = "CA7731"
CALL = f"call:{CALL_ID}"
SOCIAL = "social:x:1789000"
CHAT = "chat:conv-5521"

SOCIAL_POSTS: list[dict[str, Any]] = [
    {
        "platform": "x",
        "kind": "public",
        "post_id": "1789000",
        "handle": "@jane_doe",
        "text": "@AcmeSupport my Dell XPS 15 dies at boot AGAIN. Client demo tomorrow at 9am!!",
        "posted_at": "2026-11-22T13:00:00Z",
        "url": "https://x.com/jane_doe/status/1789000",
    },
    {
        "platform": "x",
        "kind": "public",
        "post_id": "1789007",
        "in_reply_to": "1789000",
        "handle": "@AcmeSupport",
        "author_role": "agent",
        "agent_id": "social-3",
        "text": "So sorry Jane! Please start a chat with us at acme.example/help and we'll fix it.",
        "posted_at": "2026-11-22T13:04:00Z",
    },
]

CHAT_WEBHOOK: dict[str, Any] = {
    "conversation_id": "conv-5521",
    "started_at": "2026-11-22T13:20:00Z",
    "visitor": {
        "id": "v-88",
        "email": "Jane.Doe@Example.com",
        "phone": "(415) 555-0100",
        "social": "x:@Jane_Doe",
        "name": "Jane",
    },
    "queue": "support",
    "topic": "Laptop will not boot",
    "messages": [
        {
            "id": "m1",
            "role": "visitor",
            "text": "Hi, about my tweet: my Dell XPS 15 on Windows 11 dies at boot.",
            "sent_at": "2026-11-22T13:20:30Z",
        },
        {
            "id": "m2",
            "role": "agent",
            "agent_id": "chat-2",
            "text": "I'm sorry. A technician will call you; please keep your laptop near.",
            "sent_at": "2026-11-22T13:22:00Z",
        },
    ],
    "ended": {"at": "2026-11-22T13:25:00Z", "resolved": False, "disposition": "call back"},
}

CALL_IVR: dict[str, Any] = {
    "call_id": CALL_ID,
    "events": [
        {
            "id": "1",
            "type": "call.started",
            "at": "2026-11-22T14:00:00Z",
            "from": "+14155550100",
            "to": "+18005550199",
            "queue": "support",
            "timezone": "UTC",
        },
        # Digit 6 of the shipped menu: technical support.
        {"id": "2", "type": "ivr.selection", "at": "2026-11-22T14:01:00Z", "menu": "main",
         "option": "6"},
        {"id": "3", "type": "ivr.input", "at": "2026-11-22T14:02:00Z", "name": "service_tag",
         "value": "7XK2ABC", "verified": True},
    ],
}  # fmt: skip

CALL_TALK: dict[str, Any] = {
    "call_id": CALL_ID,
    "events": [
        {"type": "transcript", "segment_id": "seg-1", "at": "2026-11-22T14:05:00Z",
         "speaker": "caller", "text": "This is the third time I contact you about this laptop."},
        {"type": "transcript", "segment_id": "seg-2", "at": "2026-11-22T14:05:20Z",
         "speaker": "agent", "agent_id": "a-17", "text": "Sorry. Can I have your service tag?"},
    ],
}  # fmt: skip


def _post(client: TestClient, channel: str, body: dict[str, Any]) -> None:
    response = client.post(f"/v1/channels/{channel}", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["applied"] >= 1


def test_social_chat_call_journey_through_the_webhooks(
    client: TestClient, runtime: Runtime
) -> None:
    for post in SOCIAL_POSTS:
        _post(client, "social", post)
    _post(client, "chat", CHAT_WEBHOOK)
    _post(client, "voice", CALL_IVR)

    heard: list[BusMessage] = []

    async def agent_desktop() -> None:
        subscription = runtime.bus.subscribe("interactions")
        try:
            _post(client, "voice", CALL_TALK)
            message = await subscription.get(timeout=5)
            while message is not None:
                heard.append(message)
                message = await subscription.get(timeout=0.2)
        finally:
            subscription.close()

    asyncio.run(agent_desktop())

    # A live re-ask flag, in plain words, for the call only.
    [reask] = [m for m in heard if m["type"] == "reask.detected"]
    assert reask["topic"] == "interactions"
    assert reask["interaction_id"] == CALL
    assert reask["fact"] == "service_tag" and reask["agent_id"] == "a-17"
    assert reask["message"] == "already known: service tag 7XK2…, from IVR at 14:02"

    # One customer with three interactions, one per channel, in order.
    customers = client.get("/v1/customers").json()
    assert customers["total"] == 1
    customer = client.get(f"/v1/customers/{customers['items'][0]['id']}").json()
    # Outreach tasks Kairos starts itself (kairos.outcomes) are not contacts the customer made.
    journey = [i for i in customer["journey"] if not i["id"].startswith("outreach-")]
    assert [(i["id"], i["channel"]) for i in journey] == [
        (SOCIAL, "social"),
        (CHAT, "chat"),
        (CALL, "call"),
    ]
    identities = {(i["kind"], i["value"]) for i in customer["identities"]}
    assert {
        ("social", "x:jane_doe"),
        ("email", "jane.doe@example.com"),
        ("phone", "+14155550100"),
        ("chat", "v-88"),
    } <= identities

    # Every fact names its source, channel, time and the event it came from.
    events_by_interaction = {
        i["id"]: {
            e["event_id"] for e in client.get(f"/v1/interactions/{i['id']}").json()["timeline"]
        }
        for i in journey
    }
    all_events = set().union(*events_by_interaction.values())
    facts = customer["facts"]
    assert facts, "the journey gave facts"
    for fact in facts:
        assert fact["source"] in {"ivr", "utterance"} and fact["channel"] in {
            "social",
            "chat",
            "call",
        }
        assert fact["observed_at"] and fact["event_id"] in all_events
    by_name = {(f["name"], f["channel"]): f for f in facts}
    assert by_name[("device", "social")]["value"].lower() == "dell xps 15"
    assert by_name[("os", "chat")]["value"] == "Windows 11"
    tag = by_name[("service_tag", "call")]
    assert (tag["value"], tag["source"], tag["verified"]) == ("7XK2ABC", "ivr", True)
    assert tag["event_id"] in events_by_interaction[CALL]

    # The call knows it is a repeat contact, and why it came (from the IVR).
    call = client.get(f"/v1/interactions/{CALL}").json()
    assert call["reason"] == "technical_support"
    assert call["reask_count"] == 1
    cues = {(r["kind"], r.get("label")) for r in call["assessment"]["reasons"]}
    assert ("journey", "repeat_contact") in cues
    prior = [
        r for r in call["assessment"]["reasons"] if r.get("label") == "prior_contacts_same_issue"
    ]
    assert prior and prior[0]["value"] == 2.0
