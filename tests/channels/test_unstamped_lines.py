"""A line a webhook sends without its own time was said when it arrived, but never after the end
the same body dates: the timeline is ordered by when things happened, so a line dated at its
arrival sorted after an end an hour before. Chat and voice send an end with a time beside lines
without one; email, SMS and social bodies carry no end (each is one message with its time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _timeline(client: TestClient, interaction_id: str) -> list[dict[str, Any]]:
    detail = client.get(f"/v1/interactions/{interaction_id}")
    assert detail.status_code == 200, detail.text
    entries: list[dict[str, Any]] = detail.json()["timeline"]
    return entries


def _ends_last(timeline: list[dict[str, Any]], ended: datetime) -> None:
    """Every line is dated no later than the end, and the end is the timeline's last entry."""
    lines = [e for e in timeline if e["type"] == "utterance"]
    assert len(lines) == 2, timeline
    assert all(_when(e["occurred_at"]) <= ended for e in lines), lines
    assert timeline[-1]["type"] == "interaction.ended", [e["type"] for e in timeline]


def test_a_chat_message_without_sent_at_is_not_dated_after_the_chats_end(
    client: TestClient,
) -> None:
    ended = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    body = {
        "conversation_id": "conv-unstamped",
        "started_at": (ended - timedelta(minutes=10)).isoformat(),
        "messages": [
            {"id": "m1", "role": "visitor", "text": "My parcel never came"},
            {"id": "m2", "role": "agent", "agent_id": "a-3", "text": "I am sending another"},
        ],
        "ended": {"at": ended.isoformat(), "resolved": True},
    }
    response = client.post("/v1/channels/chat", json=body)
    assert response.status_code == 200, response.text
    _ends_last(_timeline(client, "chat:conv-unstamped"), ended)


def test_a_call_transcript_without_at_is_not_dated_after_the_calls_end(
    client: TestClient,
) -> None:
    ended = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    started = {"id": "1", "type": "call.started", "from": "+14155550100"}
    call = {
        "call_id": "CA-unstamped",
        "events": [
            {**started, "at": (ended - timedelta(minutes=10)).isoformat()},
            {"id": "2", "type": "transcript", "speaker": "customer", "text": "My parcel is lost"},
            {"id": "3", "type": "transcript", "speaker": "agent", "text": "I am sending another"},
            {"id": "4", "type": "call.ended", "at": ended.isoformat(), "resolved": True},
        ],
    }
    response = client.post("/v1/channels/voice", json=call)
    assert response.status_code == 200, response.text
    _ends_last(_timeline(client, "call:CA-unstamped"), ended)
