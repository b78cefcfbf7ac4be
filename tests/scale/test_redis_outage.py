"""Redis away, for real, as the routing board sees it: API runtimes in this process on PostgreSQL
and a throwaway redis-server (``KAIROS_ROUTING_BOARD`` left to ``auto``: the leased board).

A contact that starts while Redis is away is stored, but its ``event.applied`` is dropped: the
board that decides must still learn of it once Redis is back (it reads the site again), or the
contact waits forever. A ``next`` handed to the owner while Redis is away answers 503 with
``Retry-After``, not 500, and the owner keeps serving handed-over requests after one fails.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from tests.factories import started
from tests.servers import REDIS_SERVER, RedisServer

from kairos import migrations
from kairos.config import Settings
from kairos.main import create_app
from kairos.routing.schemas import DecisionOut
from kairos.runtime import LISTENER_GROUPS, Runtime

pytestmark = [
    pytest.mark.skipif(
        REDIS_SERVER is None, reason="no redis-server (apt-get install redis-server)"
    ),
    pytest.mark.postgres,
]


class Api:
    """One API process's runtime and a client of its app."""

    def __init__(self, database_url: str, redis_url: str) -> None:
        settings = Settings(database_url=database_url, redis_url=redis_url)
        self.runtime = Runtime.build(settings)
        self.client = TestClient(create_app(settings, runtime=self.runtime))

    def close(self) -> None:
        self.client.close()
        self.runtime.close()


@pytest.fixture
def api(postgres_url: str, redis_url: str) -> Iterator[Api]:
    migrations.upgrade(postgres_url)
    made = Api(postgres_url, redis_url)
    try:
        assert made.runtime.routing_owner is not None and made.runtime.routing_owner.owning
        client = made.client
        assert client.post("/v1/queues", json={"name": "general"}).status_code == 201
        for agent in ("a1", "a2", "a3"):
            body = {"external_id": agent, "name": agent, "state": "available"}
            assert client.post("/v1/agents", json=body).status_code == 201
        yield made
    finally:
        made.close()


def _start(client: TestClient, interaction_id: str) -> None:
    event = started(interaction_id, channel="chat", phone=None, queue="general")
    response = client.post("/v1/events", json=[event])
    assert response.status_code == 200, response.text


def _routed_within(client: TestClient, agent: str, seconds: float) -> str | None:
    """The contact ``next`` gives ``agent`` within ``seconds``, or None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = client.post(f"/v1/agents/{agent}/next")
        if response.status_code == 200 and response.json()["decision"] is not None:
            return str(response.json()["decision"]["interaction_id"])
        time.sleep(0.2)
    return None


def test_a_contact_started_while_redis_restarts_is_routed(
    api: Api, redis_server: RedisServer
) -> None:
    _start(api.client, "before")
    assert _routed_within(api.client, "a1", 5) == "before"
    redis_server.stop()
    _start(api.client, "during")  # stored; its message is dropped
    redis_server.start()  # back empty
    assert _routed_within(api.client, "a2", 10) == "during"


def test_a_contact_started_while_redis_hangs_is_routed(api: Api, redis_server: RedisServer) -> None:
    _start(api.client, "before")
    assert _routed_within(api.client, "a1", 5) == "before"
    assert redis_server.process is not None
    redis_server.process.send_signal(signal.SIGSTOP)  # answers nothing, drops no connection
    try:
        _start(api.client, "during")  # its publish times out (sent: Redis reads it later)
        _start(api.client, "then")  # published within the second after: dropped unsent
    finally:
        redis_server.process.send_signal(signal.SIGCONT)
    # The board's own connection saw no error: only the gap counter tells it.
    routed = {_routed_within(api.client, agent, 10) for agent in ("a2", "a3")}
    assert routed == {"during", "then"}


def test_next_handed_over_while_redis_is_away_answers_503(
    api: Api, postgres_url: str, redis_url: str, redis_server: RedisServer
) -> None:
    other = Api(postgres_url, redis_url)  # the lease is held by `api`: this one hands over
    try:
        assert other.runtime.routing_owner is not None
        assert not other.runtime.routing_owner.owning
        redis_server.stop()
        response = other.client.post("/v1/agents/a1/next")
        assert response.status_code == 503, response.text
        assert response.headers.get("Retry-After")
        assert response.json()["error"] == "routing_unavailable"
        redis_server.start()
        _start(api.client, "after")
        assert _routed_within(other.client, "a1", 10) == "after"  # and it recovers
    finally:
        other.close()


def test_the_owner_keeps_serving_after_a_handed_over_request_fails(
    api: Api, postgres_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = api.runtime.routing_owner
    assert owner is not None
    decide = owner.next_here
    failed: list[str] = []

    def fails_once(agent_id: str, key: str | None) -> tuple[DecisionOut | None, str]:
        if not failed:  # the database drops the owner's connection mid-decision
            failed.append(agent_id)
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))
        return decide(agent_id, key)

    monkeypatch.setattr(owner, "next_here", fails_once)
    other = Api(postgres_url, redis_url)
    try:
        response = other.client.post("/v1/agents/a1/next")
        assert response.status_code == 503, response.text
        assert failed == ["a1"]
        _start(api.client, "after")
        assert _routed_within(other.client, "a1", 10) == "after"
    finally:
        other.close()


def test_healthz_tells_when_redis_is_away(api: Api, redis_server: RedisServer) -> None:
    first = api.client.get("/healthz")
    assert first.json().get("redis") == "ok", first.text
    redis_server.stop()
    answer = api.client.get("/healthz")
    # Still 200: the API stores events without Redis (pulling it from the load balancer would
    # turn a degraded service into an outage); the body says what is missing.
    assert answer.status_code == 200
    assert answer.json()["status"] == "degraded"
    assert answer.json()["redis"] == "unavailable"
    redis_server.start()
    deadline = time.monotonic() + 5
    while api.client.get("/healthz").json()["redis"] != "ok":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert api.client.get("/healthz").json()["status"] == "ok"


def test_the_api_makes_only_groups_someone_reads(postgres_url: str, redis_url: str) -> None:
    """Each stopped API process's board group goes with it, and without a queue mapping no
    ``queueing`` group waits for a reader that never comes: no lag on /metrics grows forever."""
    migrations.upgrade(postgres_url)
    settings = Settings(database_url=postgres_url, redis_url=redis_url, detection="workers")
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        Runtime.build(settings).close()  # an API process started and stopped
        names = {str(g["name"]) for g in client.xinfo_groups("kairos:stream:events")}
        expected = {f"kairos:{g}" for g, topics in LISTENER_GROUPS.items() if "events" in topics}
        assert names == expected - {"kairos:queueing"}
    finally:
        client.close()
