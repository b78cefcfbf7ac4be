"""Push offers across a bus gap, for real: an API runtime on PostgreSQL (the leased board) and a
throwaway redis-server stopped and started again while a contact is on offer.

The board reads the site again once Redis is back; an offer open across that rebuild must keep
its contact off the boards while it lasts, and when it ends (expired, or its contact ended during
the gap) the contact must be where the database says: waiting again, or gone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import ended, started
from tests.servers import REDIS_SERVER, RedisServer

from kairos import migrations
from kairos.config import Settings
from kairos.main import create_app
from kairos.routing.offers import OfferBook
from kairos.runtime import Runtime

pytestmark = [
    pytest.mark.skipif(
        REDIS_SERVER is None, reason="no redis-server (apt-get install redis-server)"
    ),
    pytest.mark.postgres,
]


@pytest.fixture
def api(postgres_url: str, redis_url: str) -> Iterator[tuple[Runtime, TestClient]]:
    migrations.upgrade(postgres_url)
    settings = Settings(database_url=postgres_url, redis_url=redis_url, offer_timeout_s=2.0)
    runtime = Runtime.build(settings)
    client = TestClient(create_app(settings, runtime=runtime))
    try:
        assert runtime.routing_owner is not None and runtime.routing_owner.owning
        assert client.post("/v1/queues", json={"name": "general"}).status_code == 201
        for agent in ("a1", "a2"):
            body = {"external_id": agent, "name": agent, "state": "available"}
            assert client.post("/v1/agents", json=body).status_code == 201
        yield runtime, client
    finally:
        client.close()
        runtime.close()


def _book(runtime: Runtime) -> OfferBook:
    assert runtime.routing_offers is not None
    return runtime.routing_offers


def _offer_to(book: OfferBook, agent: str, timeout_s: float = 5) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        offer = book.for_agent(agent)
        if offer is not None:
            return offer
        time.sleep(0.05)
    return None


def _rebuilt_after_gap(runtime: Runtime, redis_server: RedisServer, during: Any) -> None:
    """Stop Redis, run ``during``, start it again empty, and wait for the board's rebuild."""
    board = runtime.routing_board
    assert board is not None
    bus: Any = runtime.bus
    reader = next(r for r in bus._readers if "routing-board" in r.group)
    gaps = reader.gaps
    redis_server.stop()
    during()
    redis_server.start()
    deadline = time.monotonic() + 10
    while reader.gaps == gaps or not board.built:  # it reads the site again, on its thread
        assert time.monotonic() < deadline, "the board never read the site again"
        time.sleep(0.05)
    with board.lock:  # the rebuild is done
        pass


def _start(client: TestClient, interaction_id: str) -> None:
    event = started(interaction_id, channel="chat", phone=None, queue="general")
    assert client.post("/v1/events", json=[event]).status_code == 200


def _offered(api: tuple[Runtime, TestClient]) -> tuple[Runtime, TestClient, OfferBook]:
    """c1 started, and on offer to a1 (the only agent on the push channel)."""
    runtime, client = api
    book = _book(runtime)
    book.attach("a1")
    _start(client, "c1")
    offer = _offer_to(book, "a1")
    assert offer is not None and offer.interaction_id == "c1"
    return runtime, client, book


def _board(runtime: Runtime) -> Any:
    board = runtime.routing_board
    assert board is not None
    return board


def test_an_offer_open_across_the_rebuild_keeps_its_contact_then_returns_it(
    api: tuple[Runtime, TestClient], redis_server: RedisServer
) -> None:
    runtime, client, book = _offered(api)
    _rebuilt_after_gap(runtime, redis_server, lambda: None)
    board = _board(runtime)
    with board.lock:  # still on offer to a1: off the boards, a1's room still reserved
        assert "c1" not in board.waiting
        agent = board.agents["a1"]
        assert agent.load == 1, agent
    assert client.post("/v1/agents/a2/next").json()["decision"] is None
    time.sleep(2.5)  # the offer expires: the contact waits again, a1's room is free
    assert book.for_agent("a1") is None
    with board.lock:
        assert "c1" in board.waiting and "c1" not in board.on_hold
        assert board.agents["a1"].load == 0
    assert client.post("/v1/agents/a2/next").json()["decision"]["interaction_id"] == "c1"


def test_a_contact_that_ended_during_the_gap_is_not_offered_again(
    api: tuple[Runtime, TestClient], redis_server: RedisServer
) -> None:
    runtime, client, book = _offered(api)

    def end_it() -> None:  # stored; its event.applied is dropped with Redis away
        assert client.post("/v1/events", json=[ended("c1")]).status_code == 200

    _rebuilt_after_gap(runtime, redis_server, end_it)
    board = _board(runtime)
    deadline = time.monotonic() + 5
    while book.for_agent("a1") is not None:  # withdrawn: its contact is gone
        assert time.monotonic() < deadline, "the offer of an ended contact stayed open"
        time.sleep(0.05)
    time.sleep(2.5)
    book.attach("a2")
    time.sleep(0.5)
    with board.lock:
        assert "c1" not in board.waiting and "c1" not in board.on_hold
        assert board.agents["a1"].load == 0
    assert book.for_agent("a2") is None and book.for_agent("a1") is None
