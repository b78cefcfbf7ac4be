"""Dead letters on a real, throwaway ``redis-server``: an entry a listener group keeps failing on
is delivered ``max_attempts`` times, then moved to its topic's dead-letter stream (counted), the
other groups and the other entries unaffected; ``kairos bus dead-letters`` lists it and replays it
to that group alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from tests.bus.support import wait_for
from tests.servers import REDIS_SERVER

from kairos.bus import BusMessage, RedisBus, Retry

pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="no redis-server binary (apt-get install redis-server)"
)


@pytest.fixture
def bus(redis_url: str) -> Iterator[RedisBus]:
    made = RedisBus(redis_url, block_ms=100, claim_idle_ms=200, max_attempts=3)
    yield made
    made.close()


class Picky:
    """Handles every message but those named ``poison`` while ``broken``."""

    def __init__(self, *, retry: bool = False) -> None:
        self.broken, self.retry = True, retry
        self.seen: list[str] = []
        self.handled: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, topic: str, message: BusMessage) -> None:
        with self.lock:
            self.seen.append(message["n"])
        if self.broken and message["n"] == "poison":
            raise Retry("the database is away") if self.retry else ValueError("cannot read it")
        with self.lock:
            self.handled.append(message["n"])


class Everything:
    def __init__(self) -> None:
        self.handled: list[str] = []

    def __call__(self, topic: str, message: BusMessage) -> None:
        self.handled.append(message["n"])


class Batches(Picky):
    """A listener that takes what it reads together (as the detection workers do)."""

    def handle_batch(self, topic: str, messages: list[BusMessage]) -> None:
        for message in messages:
            self(topic, message)


def _cli(redis_url: str, *args: str) -> str:
    env = {**os.environ, "KAIROS_REDIS_URL": redis_url, "COLUMNS": "250"}
    done = subprocess.run(
        [sys.executable, "-m", "kairos.cli", "bus", "dead-letters", *args],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


@pytest.mark.parametrize("kind", ["raises", "retries", "batch"])
def test_a_message_failing_every_time_goes_to_the_dead_letters_once(
    bus: RedisBus, redis_url: str, kind: str
) -> None:
    picky = Batches() if kind == "batch" else Picky(retry=kind == "retries")
    everything = Everything()
    bus.listen(picky, "orders", group="picky")
    bus.listen(everything, "orders", group="everything")
    for n in ("first", "poison", "last"):
        bus.publish("orders", {"n": n})
    wait_for(lambda: bus.stats()["dead_letters"].get("orders") == 1)
    time.sleep(0.6)  # nothing more arrives: it is not delivered again
    # max_attempts deliveries, then given up; a batch that fails is tried again entry by entry
    # (batch listeners are idempotent), so each delivery reaches it twice there
    assert picky.seen.count("poison") == 3 * (2 if kind == "batch" else 1)
    assert sorted(set(picky.handled)) == ["first", "last"]
    assert sorted(everything.handled) == ["first", "last", "poison"]  # unaffected
    assert bus.listener_counts()["bus_dead_lettered"] == 1
    assert bus.backlog("orders", "picky") == 0  # acknowledged: nothing pending

    listed = _cli(redis_url)
    assert "orders" in listed and "picky" in listed and "poison" in listed
    assert "1 dead letters" in listed
    letters = [json.loads(line) for line in _cli(redis_url, "--json").splitlines()]
    assert [(d["group"], d["attempts"], d["topic"]) for d in letters] == [("picky", 3, "orders")]
    assert json.loads(letters[0]["message"]) == {"n": "poison"}
    # A Retry's reason (Kairos' words); any other error by class and place, not its message
    error = "Retry: the database is away" if kind == "retries" else "ValueError at test_dead"
    assert letters[0]["error"].startswith(error), letters[0]["error"]
    assert "cannot read it" not in letters[0]["error"]
    picky.broken = False  # the cause fixed: replay it to its group alone
    assert "replayed 1" in _cli(redis_url, "--replay", letters[0]["id"])
    wait_for(lambda: "poison" in picky.handled)
    time.sleep(0.5)
    assert picky.handled.count("poison") == 1
    assert sorted(everything.handled) == ["first", "last", "poison"]  # not run twice
    assert _cli(redis_url, "--json") == ""
    assert bus.backlog("orders", "everything") == 0  # the replay, acknowledged unread


def test_unknown_ids_are_refused(redis_url: str) -> None:
    env: dict[str, Any] = {**os.environ, "KAIROS_REDIS_URL": redis_url}
    done = subprocess.run(
        [sys.executable, "-m", "kairos.cli", "bus", "dead-letters", "--replay", "1-1"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "no dead letter 1-1" in done.stdout + done.stderr
