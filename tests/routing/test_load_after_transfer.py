"""An agent's load on the live board is what the database says the agent holds, however the
contact came back to them: the demo showed agents at 4/3 because the board forgot a contact that
was routed, handed to another queue, then answered again by the same agent."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import at, started, utterance

from kairos.config import Settings
from kairos.routing import service as routing_service
from kairos.routing.board_rows import held_now
from kairos.routing.live_board import LiveBoard
from kairos.runtime import Runtime


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    """The board in the process on SQLite; on PostgreSQL what ``auto`` picks."""
    sqlite = migrated_url.startswith("sqlite")
    return Settings(database_url=migrated_url, routing_board="memory" if sqlite else "auto")


def _wait_for(check: Any, timeout_s: float = 3.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "the board did not catch up"
        time.sleep(0.005)


def _agent_turn(interaction_id: str, agent_id: str, seconds: float) -> dict[str, Any]:
    return {**utterance(interaction_id, "Sure, let me look.", speaker="agent", seconds=seconds),
            "agent_id": agent_id}  # fmt: skip


def test_a_contact_handed_on_then_answered_by_its_agent_counts_toward_their_load(
    client: TestClient, runtime: Runtime
) -> None:
    board = runtime.routing_board
    assert isinstance(board, LiveBoard)
    for name in ("general", "billing"):
        body = {"name": name, "channel": "chat", "required_skills": [], "policy": "fifo"}
        assert client.post("/v1/queues", json=body).status_code == 201
    agent = {"external_id": "ivo", "name": "Ivo", "channels": ["chat"], "max_concurrency": 2,
             "state": "available"}  # fmt: skip
    assert client.post("/v1/agents", json=agent).status_code == 201
    for n in range(3):
        events = [started(f"c{n}", channel="chat", queue="general", occurred_at=at(n))]
        assert client.post("/v1/events", json=events).status_code == 200
    assert client.post("/v1/agents/ivo/next").json()["decision"]["interaction_id"] == "c0"
    # The platform hands the routed contact to another queue, and the same agent answers it:
    # the contact is his again (the row says so, his assignment stands).
    handover = {"type": "transfer", "event_id": "c0-handover", "interaction_id": "c0",
                "occurred_at": at(10), "to_queue": "billing", "reason": "handed over"}  # fmt: skip
    assert client.post("/v1/events", json=[handover]).status_code == 200
    _wait_for(lambda: "c0" in board.waiting)  # released, waiting in billing
    assert client.post("/v1/events", json=[_agent_turn("c0", "ivo", 11)]).status_code == 200
    _wait_for(lambda: "c0" not in board.waiting)
    with runtime.db.session() as session:
        row_id = routing_service.get_agent_or_raise(session=session, agent_id="ivo").id
        assert routing_service.loads(session=session)[row_id] == 1
        assert dict(held_now(session)) == {"c0": "ivo"}
    board.drain()
    assert board.agents["ivo"].load == 1
    assert client.post("/v1/agents/ivo/next").json()["decision"]["interaction_id"] == "c1"
    # Two held of two: full, as the queue/agents view shows 2 / 2, never 3 / 2.
    assert client.post("/v1/agents/ivo/next").status_code == 409
    with runtime.db.session() as session:
        assert routing_service.loads(session=session)[row_id] == 2
