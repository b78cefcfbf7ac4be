"""A call's start sent again alone (a retry after a timeout) is answered as a duplicate of the
stored start, with its event id, as chat and email answer a repeat; not as nothing at all."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.channels.lens_support import event


def start_id(client: TestClient, interaction_id: str) -> str:
    """The event id of the interaction's stored start, read back from its timeline."""
    detail = client.get(f"/v1/interactions/{interaction_id}")
    assert detail.status_code == 200, detail.text
    [start] = [e for e in detail.json()["timeline"] if e["type"] == "interaction.started"]
    found: str = start["event_id"]
    return found


def repeat_of(stored: str) -> dict[str, Any]:
    return {
        "applied": 0,
        "duplicates": 1,
        "parked": 0,
        "released": 0,
        "events": [{"event_id": stored, "status": "duplicate"}],
    }


def test_a_voice_call_started_sent_again_is_a_duplicate(client: TestClient) -> None:
    start = {
        "call_id": "CA-retry",
        "events": [{"id": "1", "type": "call.started", "from": "+14155550100"}],
    }
    first = client.post("/v1/channels/voice", json=start)
    assert first.status_code == 200 and first.json()["applied"] == 1, first.text
    stored = start_id(client, "call:CA-retry")
    again = client.post("/v1/channels/voice", json=start)
    assert again.status_code == 200, again.text
    assert again.json() == repeat_of(stored)
    # With a new line after it: the start a duplicate, the line applied, in the body's order.
    more = {
        "call_id": "CA-retry",
        "events": [
            {"id": "1", "type": "call.started", "from": "+14155550100"},
            {"id": "2", "type": "transcript", "speaker": "customer", "text": "Still there?"},
        ],
    }
    body = client.post("/v1/channels/voice", json=more).json()
    assert body["applied"] == 1 and body["duplicates"] == 1
    assert body["events"][0] == {"event_id": stored, "status": "duplicate"}
    detail = client.get("/v1/interactions/call:CA-retry").json()
    assert detail["event_count"] == 2


def test_a_repeat_names_a_start_stored_under_another_id(client: TestClient) -> None:
    """A call started through ``POST /v1/events`` under the sender's own id: a webhook's start
    for it is acknowledged under that id, not refused as a second start."""
    own = {
        "type": "interaction.started",
        "event_id": "my-own-start",
        "interaction_id": "call:CA-own",
        "occurred_at": "2026-11-22T14:00:00Z",
        "channel": "call",
    }
    assert client.post("/v1/events", json=[own]).status_code == 200
    start = {"call_id": "CA-own", "events": [{"id": "1", "type": "call.started"}]}
    again = client.post("/v1/channels/voice", json=start)
    assert again.status_code == 200, again.text
    assert again.json() == repeat_of("my-own-start")


def test_a_contact_lens_started_sent_again_is_a_duplicate(client: TestClient) -> None:
    record = event("STARTED", contact="c-retry")
    first = client.post("/v1/channels/contact-lens", json=record)
    assert first.status_code == 200 and first.json()["applied"] == 1, first.text
    stored = start_id(client, "connect:c-retry")
    again = client.post("/v1/channels/contact-lens", json=record)
    assert again.status_code == 200, again.text
    assert again.json() == repeat_of(stored)
    twice = client.post("/v1/channels/contact-lens", json=[record, record])
    assert twice.status_code == 200, twice.text
    assert twice.json() == repeat_of(stored)  # one acknowledgement per contact, as before
