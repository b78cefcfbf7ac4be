"""``next`` on PostgreSQL decided on the event loop (:mod:`kairos.routing.next_loop`): on the
loop's thread; handed to a worker thread when the board is busy (the loop keeps serving) or a
decision on the loop is already awaiting the server; a lease lost or a connection broken leaves
the board and the database as they were; a request cancelled while it awaits the server leaves
the decision the server stored applied to the board."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from tests.factories import at, started

from kairos import migrations
from kairos.config import Settings
from kairos.interactions.models import Interaction
from kairos.main import create_app
from kairos.routing import next_loop, ownership, pg_decide
from kairos.routing.live_board import LiveBoard
from kairos.routing.models import Assignment, RoutingDecision

pytestmark = pytest.mark.postgres
AGENTS = ("ana", "bo", "cy", "dee")


@pytest.fixture
def client(postgres_url: str) -> Iterator[TestClient]:
    """An app on PostgreSQL (the leased board) with a queue, four agents and four waiting calls;
    the board knows the agents (as one taken over on a stored centre)."""
    migrations.upgrade(postgres_url)
    with TestClient(create_app(Settings(database_url=postgres_url))) as client:
        body = {"name": "travel", "channel": "call", "required_skills": [], "policy": "moments"}
        assert client.post("/v1/queues", json=body).status_code == 201
        for agent in AGENTS:
            assert client.post("/v1/agents", json={
                "external_id": agent, "name": agent, "channels": ["call"], "state": "available",
            }).status_code == 201  # fmt: skip
        events = [started(f"c{n}", queue="travel", occurred_at=at(n)) for n in range(4)]
        assert client.post("/v1/events", json=events).status_code == 200
        _board(client).rebuild()
        yield client


def _board(client: TestClient) -> LiveBoard:
    board = client.app.state.runtime.routing_board  # type: ignore[attr-defined]
    assert isinstance(board, LiveBoard) and board.line is not None
    return board


def _stored(client: TestClient) -> dict[str, int]:
    """How many decisions each interaction has in the database."""
    db = client.app.state.runtime.db  # type: ignore[attr-defined]
    with db.session() as session:
        rows = session.execute(
            select(Interaction.external_id, func.count())
            .join(RoutingDecision, RoutingDecision.interaction_id == Interaction.id)
            .group_by(Interaction.external_id)
        ).all()  # fmt: skip
        assert session.scalar(select(func.count()).select_from(Assignment)) == sum(
            n for _, n in rows
        )
    return {str(i): int(n) for i, n in rows}


def _noting_threads(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    """The threads that decided: on the loop (``next_loop._decide``), on a worker thread
    (``next_from_board``, as the lease's owner calls it)."""
    on_loop: list[str] = []
    on_thread: list[str] = []
    decide, from_board = next_loop._decide, ownership.next_from_board

    async def loop_noting(*args: Any, **kwargs: Any) -> Any:
        on_loop.append(threading.current_thread().name)
        return await decide(*args, **kwargs)

    def thread_noting(*args: Any, **kwargs: Any) -> Any:
        on_thread.append(threading.current_thread().name)
        return from_board(*args, **kwargs)

    monkeypatch.setattr(next_loop, "_decide", loop_noting)
    monkeypatch.setattr(ownership, "next_from_board", thread_noting)  # the lease's owner's
    return on_loop, on_thread


def test_next_is_decided_on_the_event_loop(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_loop, on_thread = _noting_threads(monkeypatch)
    taken = []
    for agent in ("ana", "bo"):
        answer = client.post(f"/v1/agents/{agent}/next")
        assert answer.status_code == 200, answer.text
        taken.append(answer.json()["decision"]["interaction_id"])
    assert taken == ["c0", "c1"]
    # The test client runs the app's loop on a thread of its own, not on an AnyIO worker.
    assert len(on_loop) == 2 and not any(n.startswith("AnyIO worker") for n in on_loop), on_loop
    assert on_thread == []
    assert _stored(client) == {"c0": 1, "c1": 1}
    board = _board(client)
    assert board.held == {"c0": "ana", "c1": "bo"} and "c0" not in board.waiting


def test_a_busy_board_sends_next_to_a_worker_thread_and_the_loop_keeps_serving(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = _board(client)
    on_loop, on_thread = _noting_threads(monkeypatch)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:  # another thread deciding, or applying what the bus said
        with board.lock:
            held.set()
            release.wait(10)

    with ThreadPoolExecutor(2) as pool:
        holder = pool.submit(hold)
        assert held.wait(5)
        asked = pool.submit(client.post, "/v1/agents/ana/next")
        time.sleep(0.2)
        assert client.get("/healthz").status_code == 200  # the loop is not blocked
        assert not asked.done()  # waiting for the board, on a worker thread
        release.set()
        holder.result(5)
        answer = asked.result(10)
    assert answer.status_code == 200 and answer.json()["decision"]["interaction_id"] == "c0"
    assert on_loop == [] and len(on_thread) == 1 and on_thread[0].startswith("AnyIO worker")


def test_a_second_request_while_one_awaits_the_server_is_not_decided_on_the_loop(
    client: TestClient,
) -> None:
    """The board's lock is reentrant and the loop's requests share its thread: while one
    decision awaits the server, another on the same loop must not take the lock; it is left to
    a worker thread (None), and only the first decides."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def both() -> list[Any]:
        return list(
            await asyncio.gather(
                next_loop.next_on_loop(runtime, agent_id="ana"),
                next_loop.next_on_loop(runtime, agent_id="bo"),
            )
        )

    first, second = asyncio.run(both())
    assert first is not None and first[0] is not None and first[0].agent_id == "ana"
    assert second is None
    assert _stored(client) == {first[0].interaction_id: 1}
    assert client.post("/v1/agents/bo/next").json()["decision"]["interaction_id"] == "c1"


def test_a_lost_lease_answers_503_and_changes_nothing(client: TestClient) -> None:
    board = _board(client)
    assert client.post("/v1/agents/ana/next").status_code == 200
    db = client.app.state.runtime.db  # type: ignore[attr-defined]
    with db.engine.connect() as admin:  # another process took the board over meanwhile
        admin.execute(text("UPDATE routing_leases SET token = token + 1"))
        admin.commit()
    answer = client.post("/v1/agents/bo/next")
    assert answer.status_code == 503, answer.text
    assert _stored(client) == {"c0": 1}
    assert "c1" in board.waiting and board.agents["bo"].load == 0 and "c1" not in board.held


def test_a_broken_connection_answers_503_then_the_next_decides_on_a_new_one(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server drops the loop's connection and nothing warns before it is used (no ping):
    the statement fails, ``next`` answers 503 with the board as it was, and the next ``next``
    opens a new connection and takes the same contact, stored once."""
    board = _board(client)
    assert client.post("/v1/agents/ana/next").status_code == 200
    assert board.line is not None
    line = board.line.on_loop._connection
    assert line is not None
    monkeypatch.setattr(pg_decide, "IDLE_PING_S", 3600.0)
    monkeypatch.setattr(pg_decide, "socket_spoke", lambda fileno: False)
    db = client.app.state.runtime.db  # type: ignore[attr-defined]
    with db.engine.connect() as admin:
        pid = line.info.backend_pid
        assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    time.sleep(0.2)
    answer = client.post("/v1/agents/bo/next")
    assert answer.status_code == 503, answer.text
    assert "c1" in board.waiting and board.agents["bo"].load == 0
    answer = client.post("/v1/agents/bo/next")
    assert answer.status_code == 200, answer.text
    assert answer.json()["decision"]["interaction_id"] == "c1"
    assert board.line.on_loop._connection is not line
    assert _stored(client) == {"c0": 1, "c1": 1}


def test_a_request_cancelled_while_it_awaits_the_server_leaves_the_board_right(
    client: TestClient,
) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    board = _board(client)
    assert board.line is not None
    line = board.line.on_loop

    async def cancelled() -> None:
        request = asyncio.ensure_future(next_loop.next_on_loop(runtime, agent_id="ana"))
        while not line.busy:  # the decision is awaiting the server
            await asyncio.sleep(0)
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
        while line.busy:  # the decision goes on without the request
            await asyncio.sleep(0.001)

    asyncio.run(cancelled())
    assert _stored(client) == {"c0": 1}
    assert board.held == {"c0": "ana"} and board.agents["ana"].load == 1
    assert "c0" not in board.waiting
    assert client.post("/v1/agents/bo/next").json()["decision"]["interaction_id"] == "c1"
