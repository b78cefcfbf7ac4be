"""An agent who steps away, across two real ``kairos serve`` processes on PostgreSQL with a real
redis-server (the leased board: one process decides, the other hands ``next`` over through
Redis).

A chat is transferred straight to Al through the process that owns the board; Al steps away
through the other one. The chat goes back to its queue on the owner's board (it heard the move
through Redis) and is kept from Al there; the owner is then killed, and the other process, which
takes the lease over and reads the site again from the database (``let_go``), still keeps it from
Al and gives it to Bo."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.factories import at, started
from tests.scale.support import _owner_pid, _serve
from tests.servers import REDIS_SERVER, free_port, stop_serve

from kairos import migrations

pytestmark = [
    pytest.mark.skipif(
        REDIS_SERVER is None, reason="no redis-server (apt-get install redis-server)"
    ),
    pytest.mark.postgres,
]


@pytest.fixture
def two(postgres_url: str, redis_url: str, tmp_path: Path) -> Iterator[list[Any]]:
    """The owner's address and process first (it started first and holds the lease), then the
    other's."""
    migrations.upgrade(postgres_url)
    started_: list[Any] = []
    try:
        for name in ("owner", "other"):
            port = free_port()
            log = tmp_path / f"{name}.log"
            process = _serve(postgres_url, redis_url, port, log, timeout_s=90)
            started_.append((f"http://127.0.0.1:{port}", process))
            if name == "owner":
                deadline = time.monotonic() + 30
                while _owner_pid(postgres_url) != process.pid:
                    assert time.monotonic() < deadline, "the first server never took the lease"
                    time.sleep(0.1)
        yield [*started_[0], *started_[1]]
    finally:
        for _, process in started_:
            stop_serve(process)


def _post(base: str, path: str, body: Any) -> httpx.Response:
    return httpx.post(f"{base}{path}", json=body, timeout=30)


def _next(base: str, agent: str, timeout_s: float = 30) -> dict[str, Any]:
    """The answer to ``agent``'s ``next`` on ``base`` (a 503 while no process owns the board
    is asked again)."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = _post(base, f"/v1/agents/{agent}/next", None)
        if response.status_code != 503:
            assert response.status_code == 200, response.text
            answer: dict[str, Any] = response.json()
            return answer
        assert time.monotonic() < deadline, f"no board answered: {response.text}"
        time.sleep(0.2)


def test_a_contact_given_back_on_one_server_is_kept_from_its_agent_on_both(
    two: list[Any], postgres_url: str
) -> None:
    owner, owner_process, other, _ = two
    queue = {"name": "general", "channel": "chat", "required_skills": [], "policy": "fifo"}
    assert _post(other, "/v1/queues", queue).status_code == 201
    for name in ("al", "bo"):
        agent = {"external_id": name, "name": name.title(), "channels": ["chat"],
                 "max_concurrency": 2, "state": "available"}  # fmt: skip
        assert _post(other, "/v1/agents", agent).status_code == 201
    chat = started("c1", channel="chat", queue="general", occurred_at=at(0), phone=None)
    to_al = {"type": "transfer", "event_id": "c1-to-al", "interaction_id": "c1",
             "occurred_at": at(30), "to_agent": "al"}  # fmt: skip
    assert _post(owner, "/v1/events", [chat, to_al]).status_code == 200
    away = _post(other, "/v1/agents/al/state", {"state": "away"})
    assert away.status_code == 200 and away.json()["load"] == 0, away.text
    contact = httpx.get(f"{owner}/v1/interactions/c1", timeout=30).json()
    assert (contact["agent_id"], contact["queue"]) == (None, "general")
    back = _post(owner, "/v1/agents/al/state", {"state": "available"})
    assert back.status_code == 200, back.text
    # Asked on either process, the owner's board holds c1 back in its queue, kept from Al.
    for base in (owner, other):
        answer = _next(base, "al")
        assert answer["decision"] is None, answer
        assert "c1, which this agent transferred, goes to another agent first" in answer["message"]
    # The owner dies: the other takes the lease over, reads let_go, and still keeps c1 from Al.
    owner_process.send_signal(signal.SIGKILL)
    owner_process.wait(30)
    answer = _next(other, "al")
    assert answer["decision"] is None, answer
    assert "c1, which this agent transferred, goes to another agent first" in answer["message"]
    assert _owner_pid(postgres_url) != owner_process.pid
    taken = _next(other, "bo")["decision"]
    assert taken is not None and taken["interaction_id"] == "c1"
