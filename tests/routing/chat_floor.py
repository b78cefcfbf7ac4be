"""A small chat floor the routing tests build through the API: one queue, ``general``, two
agents, Al and Bo, and chats waiting in it, each from a customer of its own; what the next
agent is given; and a wait for the live board to catch up."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi.testclient import TestClient
from tests.factories import at, started

from kairos.routing.live_board import LiveBoard
from kairos.runtime import Runtime


def open_floor(client: TestClient, *, chats: int, max_concurrency: int) -> None:
    """The queue, Al and Bo (available, ``max_concurrency`` chats each), and chats ``c0`` to
    ``c{chats - 1}`` arriving a second apart."""
    body = {"name": "general", "channel": "chat", "required_skills": [], "policy": "fifo"}
    assert client.post("/v1/queues", json=body).status_code == 201
    for name in ("al", "bo"):
        agent = {"external_id": name, "name": name.title(), "channels": ["chat"],
                 "max_concurrency": max_concurrency, "state": "available"}  # fmt: skip
        assert client.post("/v1/agents", json=agent).status_code == 201
    for n in range(chats):
        phone = f"+1415555020{n}"  # a customer each: none is kept for another's agent
        events = [started(f"c{n}", channel="chat", queue="general", occurred_at=at(n), phone=phone)]
        assert client.post("/v1/events", json=events).status_code == 200


def next_for(client: TestClient, agent: str) -> str | None:
    """The contact ``POST /v1/agents/{agent}/next`` gives, or None."""
    answer = client.post(f"/v1/agents/{agent}/next")
    assert answer.status_code == 200, answer.text
    decision = answer.json()["decision"]
    return None if decision is None else str(decision["interaction_id"])


def caught_up(runtime: Runtime, check: Callable[[], object], timeout_s: float = 3.0) -> None:
    """Wait until the live board (if any) has applied what was published, and ``check`` holds."""
    deadline = time.monotonic() + timeout_s
    while True:
        board = runtime.routing_board
        if isinstance(board, LiveBoard):
            board.drain()
        if check():
            return
        assert time.monotonic() < deadline, "the board did not catch up"
        time.sleep(0.005)
