"""An agent who steps away leaves no customer waiting on them: the contacts waiting in their
personal queue (transferred straight to them, not answered) go back to their queue at once and
keep their place; the ones they took or answered stay theirs. On the live board and the database
path, both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.factories import at, utterance
from tests.routing.chat_floor import caught_up, next_for, open_floor
from tests.web.browser import serving
from tests.web.floor import chat_events

from kairos.config import Settings
from kairos.routing.live_board import LiveBoard
from kairos.runtime import Runtime


@pytest.fixture
def settings(live_or_database: Settings) -> Settings:
    return live_or_database


def _interaction(client: TestClient, interaction_id: str) -> dict[str, Any]:
    answer = client.get(f"/v1/interactions/{interaction_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_an_agent_who_steps_away_gives_back_their_personal_queue(
    client: TestClient, runtime: Runtime
) -> None:
    open_floor(client, max_concurrency=4, chats=5)
    assert next_for(client, "al") == "c0"  # he took it: he is handling it, said or not
    # c2 and c3 are transferred straight to him; he answers c3, c2 waits in his personal queue.
    to_al = [{"type": "transfer", "event_id": f"c{n}-to-al", "interaction_id": f"c{n}",
              "occurred_at": at(40 + n), "to_agent": "al"} for n in (2, 3)]  # fmt: skip
    reply = {**utterance("c3", "Hi, Al here, let me look.", speaker="agent", seconds=50),
             "agent_id": "al"}  # fmt: skip
    assert client.post("/v1/events", json=[*to_al, reply]).status_code == 200
    assert client.get("/v1/agents/al").json()["load"] == 3

    went = client.post("/v1/agents/al/state", json={"state": "away"})
    assert went.status_code == 200, went.text
    assert went.json()["load"] == 2  # the two he is handling
    assert [_interaction(client, i)["agent_id"] for i in ("c0", "c3")] == ["al", "al"]
    row = _interaction(client, "c2")
    assert (row["agent_id"], row["queue"]) == (None, "general")
    # Its timeline says why.
    assert "al stepped away before answering" in str(row["timeline"])
    board = runtime.routing_board
    live = isinstance(board, LiveBoard)
    caught_up(runtime, lambda: not live or "c2" in board.waiting)  # type: ignore[union-attr]
    # It kept its place: after c1, which waited already, before c4, which arrived after it.
    assert [next_for(client, "bo") for _ in range(3)] == ["c1", "c2", "c4"]


def test_stepping_away_with_nothing_in_the_personal_queue_moves_nothing(
    client: TestClient,
) -> None:
    open_floor(client, max_concurrency=4, chats=2)
    assert next_for(client, "al") == "c0"
    to_al = {"type": "transfer", "event_id": "c1-to-al", "interaction_id": "c1",
             "occurred_at": at(40), "to_agent": "al"}  # fmt: skip
    reply = {**utterance("c1", "Hello, Al here.", speaker="agent", seconds=41), "agent_id": "al"}
    assert client.post("/v1/events", json=[to_al, reply]).status_code == 200
    went = client.post("/v1/agents/al/state", json={"state": "away"})
    assert went.status_code == 200 and went.json()["load"] == 2
    assert next_for(client, "bo") is None


def test_on_a_real_server_the_personal_queue_goes_back(tmp_path: Path) -> None:
    """``kairos serve`` (the page tests' floor): a chat transferred straight to agent-ben, who
    goes on a break before answering it, is given to agent-ava."""
    with serving(tmp_path, warm=False) as base:
        to_ben = {"type": "transfer", "event_id": "p-1-to-ben", "interaction_id": "p-1",
                  "occurred_at": at(60), "to_agent": "agent-ben"}  # fmt: skip
        events = [*chat_events("p-1"), to_ben]
        assert httpx.post(f"{base}/v1/events", json=events, timeout=30).status_code == 200
        away = httpx.post(f"{base}/v1/agents/agent-ben/state", json={"state": "away"}, timeout=30)
        assert away.status_code == 200 and away.json()["load"] == 0, away.text
        taken = httpx.post(f"{base}/v1/agents/agent-ava/next", timeout=30).json()["decision"]
        assert taken["interaction_id"] == "p-1"
