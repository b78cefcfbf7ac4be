"""``next`` on the live board in the process (SQLite) is decided on the event loop, with no hop
to a worker thread, when nothing would make it wait; when the board is busy (another thread
deciding, applying the bus) it goes to a worker thread, so the event loop keeps serving."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from tests.factories import started

from kairos.config import Settings
from kairos.main import create_app
from kairos.routing import live_next, next_inline
from kairos.routing.live_board import LiveBoard
from kairos.runtime import Runtime


@pytest.fixture
def sqlite_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from kairos import migrations

    url = f"sqlite:///{tmp_path_factory.mktemp('inline') / 'k.db'}"
    migrations.upgrade(url)
    runtime = Runtime.build(Settings(database_url=url, rate_limit_per_s=0))
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        body = {"name": "travel", "channel": "call", "required_skills": ["travel"]}
        assert client.post("/v1/queues", json=body).status_code == 201
        for n in range(4):
            agent = {"external_id": f"a{n}", "name": f"A{n}", "skills": {"travel": 3},
                     "channels": ["call"], "state": "available"}  # fmt: skip
            assert client.post("/v1/agents", json=agent).status_code == 201
        events = [started(f"c{n}", queue="travel") for n in range(4)]
        assert client.post("/v1/events", json=events).status_code == 200
        yield client


def _board(client: TestClient) -> LiveBoard:
    board = client.app.state.runtime.routing_board  # type: ignore[attr-defined]
    assert isinstance(board, LiveBoard)
    return board


def test_next_is_decided_on_the_event_loop_thread(sqlite_client: TestClient) -> None:
    threads: list[str] = []
    original = live_next.next_from_board

    def noting(*args: object, **kwargs: object) -> object:
        threads.append(threading.current_thread().name)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    live_next.next_from_board = noting  # type: ignore[assignment]
    try:
        # The board's thread takes its lock a moment every 0.25 s (offers' timeouts): a request
        # that meets it then goes to a worker thread, so ask a few times.
        for n in (2, 3):
            answer = sqlite_client.post(f"/v1/agents/a{n}/next")
            assert answer.status_code == 200, answer.text
            assert answer.json()["decision"]["agent_id"] == f"a{n}"
    finally:
        live_next.next_from_board = original
    # The test client runs the app's event loop on a thread of its own (anyio's portal): the
    # decisions ran there, not on one of the loop's worker threads.
    assert len(threads) == 2
    assert any(not name.startswith("AnyIO worker") for name in threads), threads


def test_a_busy_board_sends_next_to_a_worker_thread_and_the_loop_keeps_serving(
    sqlite_client: TestClient,
) -> None:
    board = _board(sqlite_client)
    runtime = sqlite_client.app.state.runtime  # type: ignore[attr-defined]
    held, release = threading.Event(), threading.Event()

    def hold() -> None:  # another thread deciding, or applying what the bus said
        with board.lock:
            held.set()
            release.wait(10)

    with ThreadPoolExecutor(2) as pool:
        holder = pool.submit(hold)
        assert held.wait(5)
        assert next_inline.next_now(runtime, agent_id="a1") is None  # it would wait
        asking = pool.submit(sqlite_client.post, "/v1/agents/a1/next")
        # The event loop is not stuck behind the board's lock: other requests are answered.
        assert sqlite_client.get("/healthz").status_code == 200
        assert not asking.done()
        release.set()
        holder.result(5)
        answer = asking.result(10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["decision"]["agent_id"] == "a1"
