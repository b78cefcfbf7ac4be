"""The Redis bus against a real, throwaway ``redis-server``: fan-out, consumer groups, faults."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from tests.factories import started, utterance
from tests.servers import REDIS_SERVER, RedisServer

from kairos.bus import BusMessage, RedisBus, Subscription
from kairos.config import Settings
from kairos.main import create_app

pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="no redis-server binary (apt-get install redis-server)"
)


@pytest.fixture
def buses(redis_url: str) -> Iterator[Callable[..., RedisBus]]:
    made: list[RedisBus] = []

    def make(**options: Any) -> RedisBus:
        options = {"block_ms": 100, "retry_after_s": 0.2, **options}
        bus = RedisBus(redis_url, **options)
        made.append(bus)
        return bus

    yield make
    for bus in made:
        bus.close()


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


async def drain(subscription: Subscription, quiet: float = 0.3) -> list[BusMessage]:
    got: list[BusMessage] = []
    while (message := await subscription.get(timeout=quiet)) is not None:
        got.append(message)
    return got


class Collector:
    """A listener callback that records what it is given, thread-safely."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: list[tuple[str, BusMessage]] = []

    def __call__(self, topic: str, message: BusMessage) -> None:
        with self.lock:
            self.seen.append((topic, message))

    def numbers(self) -> list[int]:
        with self.lock:
            return [int(message["n"]) for _, message in self.seen]


def test_publish_reaches_pages_of_another_process_filtered_by_topic(
    buses: Callable[..., RedisBus],
) -> None:
    publisher, pages = buses(), buses()

    async def scenario() -> tuple[list[BusMessage], list[BusMessage]]:
        events_only = pages.subscribe("events")
        everything = pages.subscribe("*")
        when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        publisher.publish("events", {"type": "event.applied", "n": 1, "at": when})
        publisher.publish("routing", {"type": "routing.decided", "n": 2})
        publisher.publish("events", {"type": "event.applied", "n": 3})
        return await drain(events_only), await drain(everything)

    events_only, everything = asyncio.run(scenario())
    assert [(m["topic"], m["n"]) for m in events_only] == [("events", 1), ("events", 3)]
    assert [(m["topic"], m["n"]) for m in everything] == [
        ("events", 1),
        ("routing", 2),
        ("events", 3),
    ]
    assert events_only[0]["at"] == "2026-01-02 03:04:05+00:00"  # default=str for non-JSON values
    assert publisher.published == 3 and publisher.publish_failures == 0


def test_a_closed_subscription_receives_nothing_more(buses: Callable[..., RedisBus]) -> None:
    bus = buses()

    async def scenario() -> list[BusMessage]:
        kept, closed = bus.subscribe("events"), bus.subscribe("events")
        closed.close()
        bus.publish("events", {"n": 1})
        assert await drain(closed, quiet=0.2) == []
        return await drain(kept)

    assert [m["n"] for m in asyncio.run(scenario())] == [1]


def test_each_topic_is_a_stream_trimmed_near_its_length(
    buses: Callable[..., RedisBus], redis_url: str
) -> None:
    bus = buses(maxlen=100)
    for n in range(1_000):
        bus.publish("events", {"n": n})
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    length = client.xlen("kairos:stream:events")
    assert 100 <= length < 1_000  # approximate trimming keeps at least maxlen, drops the bulk
    last = client.xrevrange("kairos:stream:events", count=1)[0][1]
    assert last == {"m": '{"n":999}'}
    client.close()


def test_a_group_shared_by_two_processes_gets_each_message_once(
    buses: Callable[..., RedisBus],
) -> None:
    first, second, audit = Collector(), Collector(), Collector()
    worker_a, worker_b, other = buses(), buses(), buses()
    worker_a.listen(first, "events", group="detector")
    worker_b.listen(second, "events", group="detector")
    other.listen(audit, "events", "routing", group="audit")  # another group sees everything
    publisher = buses()
    for n in range(300):
        publisher.publish("events", {"n": n})
    publisher.publish("routing", {"n": 300})
    publisher.publish("assist", {"n": 301})  # nobody listens to this topic

    wait_for(lambda: len(first.numbers()) + len(second.numbers()) >= 300)
    wait_for(lambda: len(audit.numbers()) >= 301)
    time.sleep(0.3)  # anything delivered twice would arrive by now
    shared = first.numbers() + second.numbers()
    assert sorted(shared) == list(range(300))
    assert sorted(audit.numbers()) == list(range(301))
    assert {topic for topic, _ in audit.seen} == {"events", "routing"}


def test_a_listener_refuses_the_wildcard(buses: Callable[..., RedisBus]) -> None:
    with pytest.raises(ValueError, match="names its topics"):
        buses().listen(Collector(), "*")


DYING_WORKER = """
import os, sys
from kairos.bus.redis import RedisBus

bus = RedisBus(sys.argv[1], block_ms=100, consumer="doomed")
bus.listen(lambda topic, message: os._exit(3), "events", group="detector")
print("ready", flush=True)
sys.stdin.read()
"""


def test_entries_a_dead_worker_left_pending_are_claimed_by_another(
    buses: Callable[..., RedisBus], redis_url: str
) -> None:
    worker = subprocess.Popen(
        [sys.executable, "-c", DYING_WORKER, redis_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        buses().publish("events", {"n": 7})
        assert worker.wait(10) == 3  # it read the entry and died before acknowledging it
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    pending = client.xpending("kairos:stream:events", "kairos:detector")
    assert pending["pending"] == 1 and pending["consumers"][0]["name"] == "doomed"

    survivor = Collector()
    taking_over = buses(claim_idle_ms=300)
    taking_over.listen(survivor, "events", group="detector")
    wait_for(lambda: survivor.numbers() == [7])
    wait_for(lambda: client.xpending("kairos:stream:events", "kairos:detector")["pending"] == 0)
    client.close()
    # What a worker reports (kairos_worker{figure="bus_claimed"} on /metrics): one redelivery.
    counts = taking_over.listener_counts()
    assert counts["bus_claimed"] == 1 and counts["bus_handled"] == 1
    assert counts["bus_failed"] == counts["bus_retried"] == 0


def test_publishing_survives_a_redis_restart(
    buses: Callable[..., RedisBus], redis_server: RedisServer
) -> None:
    publisher, worker, pages = buses(timeout_s=0.2), buses(), buses()
    seen = Collector()
    worker.listen(seen, "events", group="detector")

    async def scenario() -> list[BusMessage]:
        subscription = pages.subscribe("events")
        publisher.publish("events", {"n": 1})
        first = await subscription.get(timeout=5)
        assert first is not None and first["n"] == 1

        redis_server.stop()
        began = time.monotonic()
        for n in range(2, 12):  # Redis is down: nothing raises, nothing waits long
            publisher.publish("events", {"n": n})
        assert time.monotonic() - began < 2.0
        assert publisher.publish_failures == 10
        await asyncio.to_thread(redis_server.start)

        # Back up: the publisher's next tries go through once its retry window passes; the
        # worker recreates its group and the fan-out resubscribes on their own.
        n = 100
        got: list[BusMessage] = []
        deadline = time.monotonic() + 15
        while not got and time.monotonic() < deadline:
            n += 1
            publisher.publish("events", {"n": n})
            got = await drain(subscription, quiet=0.2)
        return got

    after = asyncio.run(scenario())
    assert after and all(m["n"] > 100 for m in after)
    wait_for(lambda: any(n > 100 for n in seen.numbers()))
    numbers = seen.numbers()
    assert numbers[0] == 1
    assert not any(2 <= n < 12 for n in numbers)  # the documented loss window while Redis is down
    assert len(numbers) == len(set(numbers))


def test_the_app_runs_on_the_redis_bus(redis_url: str, database_url: str) -> None:
    settings = Settings(database_url=database_url, redis_url=redis_url)
    page_process = RedisBus(redis_url, block_ms=100)

    async def scenario(client: TestClient) -> list[BusMessage]:
        subscription = page_process.subscribe("assessments", "assist")

        def ingest() -> None:
            for event in (
                started("r1"),
                utterance("r1", "I want to cancel, this is the third time I call."),
                utterance("r1", "That's not my department.", speaker="agent"),
            ):
                assert client.post("/v1/events", json=event).status_code in (200, 201, 202)

        await asyncio.to_thread(ingest)
        got: list[BusMessage] = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not {"assessments", "assist"} <= {
            m["topic"] for m in got
        }:
            got += await drain(subscription, quiet=0.3)
        return got

    try:
        with TestClient(create_app(settings, migrate=True)) as client:
            assert isinstance(client.app.state.runtime.bus, RedisBus)  # type: ignore[attr-defined]
            got = asyncio.run(scenario(client))
    finally:
        page_process.close()
    assessments = [m for m in got if m["type"] == "assessment.updated"]
    assert assessments and assessments[-1]["interaction_id"] == "r1"
    # The coaching listener ran in the API's consumer group and its nudge came back over Redis.
    nudges = [m for m in got if m["type"] == "coaching.nudge"]
    assert nudges and nudges[0]["interaction_id"] == "r1"


def test_a_per_process_group_goes_with_its_process(
    buses: Callable[..., RedisBus], redis_url: str
) -> None:
    """A group only one process reads (each API process's routing board) is removed when that
    process stops, and one a dead process left (SIGKILL: no stop) by the next process that
    starts such a group, ``orphan_idle_ms`` after its reader last kept it alive: else each
    restart leaves a group whose lag grows forever on ``/metrics``."""
    stream, client = "kairos:stream:events", redis.Redis.from_url(redis_url, decode_responses=True)
    client.xgroup_create(stream, "kairos:board-dead", id="$", mkstream=True)
    client.xgroup_createconsumer(stream, "kairos:board-dead", "killed")
    client.set("kairos:alive:kairos:board-dead", "1", px=1000)  # its last refresh before SIGKILL
    client.xgroup_create(stream, "kairos:detector", id="$")  # shared: never removed
    client.xgroup_createconsumer(stream, "kairos:detector", "gone")

    def groups() -> set[str]:
        return {str(g["name"]) for g in client.xinfo_groups(stream)}

    live = buses(orphan_idle_ms=1000)
    live.listen(Collector(), "events", group="board-live", per_process=True)
    assert groups() == {"kairos:board-dead", "kairos:board-live", "kairos:detector"}
    time.sleep(1.5)  # quiet, nothing to read, past orphan_idle_ms: the live reader kept its key
    starting = buses(orphan_idle_ms=1000)
    starting.listen(Collector(), "events", group="board-new", per_process=True)
    assert groups() == {"kairos:board-live", "kairos:board-new", "kairos:detector"}
    live.close()
    assert groups() == {"kairos:board-new", "kairos:detector"}
    client.close()
