"""A transfer is assessed like what is said: the alert on a contact sent back to a queue clears
at once (no agent to assist or take over), and one handed to another agent follows them. Before,
nothing reassessed the contact after a transfer, and its alert stayed open naming the agent who
no longer had it until the customer spoke again."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.web.floor import MOT_TEXT, chat_events
from tests.web.support import ANGRY, _utterance


def _transfer(event_id: str, seconds: int, **to: str) -> dict[str, Any]:
    return {"type": "transfer", "event_id": event_id, "interaction_id": "hot-1",
            "occurred_at": f"2026-11-22T14:00:{seconds:02d}+00:00", **to}  # fmt: skip


def _open(client: TestClient) -> list[tuple[str | None, str]]:
    log = client.get("/v1/supervision/alerts/log?interaction_id=hot-1").json()["items"]
    return [(e["agent_id"], e["action"]) for e in log if e["cleared_at"] is None]


def test_a_transfer_clears_or_moves_the_alert(client: TestClient) -> None:
    assert client.post("/v1/events", json=chat_events("hot-1", MOT_TEXT)).status_code == 200
    taken = client.post("/v1/agents/agent-ava/next").json()["decision"]["interaction_id"]
    assert taken == "hot-1"
    assert client.post("/v1/events", json=[_utterance("hot-1-u2", ANGRY, 9)]).status_code == 200
    assert _open(client) == [("agent-ava", "assist")]

    # To another agent: the alert names them.
    moved = client.post("/v1/events", json=[_transfer("hot-1-t1", 20, to_agent="agent-ben")])
    assert moved.status_code == 200
    assert _open(client) == [("agent-ben", "assist")]
    # Back to a queue, nothing said: no one to assist, the alert clears; the API agrees.
    back = client.post("/v1/events", json=[_transfer("hot-1-t2", 30, to_queue="travel")])
    assert back.status_code == 200
    assert _open(client) == []
    assert client.get("/v1/supervision/alerts").json()["items"] == []
    # The transfer's assessment is in the contact's history, its cue counted.
    history = client.get("/v1/interactions/hot-1/assessments").json()["items"]
    assert [i["event_id"] for i in history][-2:] == ["hot-1-t1", "hot-1-t2"]
