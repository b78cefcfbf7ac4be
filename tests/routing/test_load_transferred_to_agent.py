"""Every contact an agent holds counts toward their load, however it reached them: routed,
transferred straight to them (``transfer`` with ``to_agent``) or answered by them on the
platform. Routing never gives a full agent more, on the live board and on the database path."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.factories import at, utterance
from tests.routing.chat_floor import caught_up, open_floor

from kairos.config import Settings
from kairos.routing import service as routing_service
from kairos.routing.board_rows import held_now
from kairos.routing.live_board import LiveBoard
from kairos.runtime import Runtime


@pytest.fixture
def settings(live_or_database: Settings) -> Settings:
    return live_or_database


def _load(client: TestClient, agent_id: str) -> int:
    response = client.get(f"/v1/agents/{agent_id}")
    assert response.status_code == 200
    return int(response.json()["load"])


def _board_load(runtime: Runtime, agent_id: str) -> int | None:
    board = runtime.routing_board
    if not isinstance(board, LiveBoard):
        return None
    agent = board.agent(agent_id)
    return None if agent is None else agent.load


def test_a_contact_transferred_to_an_agent_counts_toward_their_load(
    client: TestClient, runtime: Runtime
) -> None:
    open_floor(client, max_concurrency=1, chats=3)
    assert client.post("/v1/agents/al/next").json()["decision"]["interaction_id"] == "c0"
    # Al hands his chat straight to Bo: it leaves Al's load and fills Bo's.
    transfer = {"type": "transfer", "event_id": "c0-to-bo", "interaction_id": "c0",
                "occurred_at": at(10), "to_agent": "bo", "reason": "specialist"}  # fmt: skip
    assert client.post("/v1/events", json=[transfer]).status_code == 200
    live = isinstance(runtime.routing_board, LiveBoard)
    caught_up(runtime, lambda: not live or _board_load(runtime, "bo") == 1)
    assert (_load(client, "al"), _load(client, "bo")) == (0, 1)
    if live:
        assert (_board_load(runtime, "al"), _board_load(runtime, "bo")) == (0, 1)
    with runtime.db.session() as session:
        assert dict(held_now(session)) == {"c0": "bo"}
    # Bo is full: next gives him nothing more; Al has room and is given the next chat.
    refused = client.post("/v1/agents/bo/next")
    assert refused.status_code == 409, refused.text
    assert client.post("/v1/agents/al/next").json()["decision"]["interaction_id"] == "c1"
    assert (_load(client, "al"), _load(client, "bo")) == (1, 1)
    # Bo's transferred chat ends: he has room again and is given the next one.
    end = {"type": "interaction.ended", "event_id": "c0-end", "interaction_id": "c0",
           "occurred_at": at(20), "outcome": {"resolved": True}}  # fmt: skip
    assert client.post("/v1/events", json=[end]).status_code == 200
    caught_up(runtime, lambda: not live or _board_load(runtime, "bo") == 0)
    assert _load(client, "bo") == 0
    assert client.post("/v1/agents/bo/next").json()["decision"]["interaction_id"] == "c2"


def test_a_contact_an_agent_answered_on_the_platform_counts_toward_their_load(
    client: TestClient, runtime: Runtime
) -> None:
    open_floor(client, max_concurrency=1, chats=2)
    # The platform put Bo on a waiting chat (his first turn names him): it is his, routing or not.
    turn = {**utterance("c0", "Hello, Bo here.", speaker="agent", seconds=5), "agent_id": "bo"}
    assert client.post("/v1/events", json=[turn]).status_code == 200
    live = isinstance(runtime.routing_board, LiveBoard)
    caught_up(runtime, lambda: not live or _board_load(runtime, "bo") == 1)
    assert _load(client, "bo") == 1
    with runtime.db.session() as session:
        row_id = routing_service.get_agent_or_raise(session=session, agent_id="bo").id
        assert routing_service.loads(session=session) == {row_id: 1}
    assert client.post("/v1/agents/bo/next").status_code == 409
    assert client.post("/v1/agents/al/next").json()["decision"]["interaction_id"] == "c1"


def test_a_contact_transferred_to_an_agent_then_let_go_goes_to_another_first(
    client: TestClient, runtime: Runtime
) -> None:
    open_floor(client, max_concurrency=1, chats=2)
    transfer = {"type": "transfer", "event_id": "c0-to-bo", "interaction_id": "c0",
                "occurred_at": at(10), "to_agent": "bo"}  # fmt: skip
    back = {"type": "transfer", "event_id": "c0-back", "interaction_id": "c0",
            "occurred_at": at(11), "to_queue": "general"}  # fmt: skip
    live = isinstance(runtime.routing_board, LiveBoard)
    assert client.post("/v1/events", json=[transfer]).status_code == 200
    caught_up(runtime, lambda: not live or _board_load(runtime, "bo") == 1)
    assert client.post("/v1/events", json=[back]).status_code == 200
    caught_up(runtime, lambda: not live or _board_load(runtime, "bo") == 0)
    # Bo let c0 go (on the database path too: it is stored): he is given the other chat, and
    # c0 goes to Al.
    assert client.post("/v1/agents/bo/next").json()["decision"]["interaction_id"] == "c1"
    assert client.post("/v1/agents/al/next").json()["decision"]["interaction_id"] == "c0"
