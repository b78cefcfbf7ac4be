"""``/metrics`` tells an operator that bus deliveries wait for a database lock another process
holds: a real ``redis-server``, a real SQLite file, a real process holding it, and the API's
own ``/metrics``.

A delivery a lock held back spends no attempt (``tests/bus/test_dead_letters_locked.py``), so
nothing reaches the dead letters however long the lock is held; before, nothing at all said it
was happening (the backlog grew, for any of a dozen reasons). Now ``kairos_bus_held`` counts the
entries each group holds pending for it, read from Redis (every process's), and
``kairos_bus_deliveries_held_total`` the deliveries this process's listeners held back.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.bus.support import wait_for
from tests.scale.locked_sqlite import hold, release
from tests.servers import REDIS_SERVER

from kairos import migrations
from kairos.bus import BusMessage, RedisBus
from kairos.config import Settings
from kairos.db import Database, background
from kairos.main import create_app
from kairos.runtime import Runtime

pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="no redis-server binary (apt-get install redis-server)"
)


class Recorder:
    """A listener that stores each message's ``n`` in the database (as the workers store
    assessments), waiting 200 ms at most for the lock."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.tries = 0
        self.lock = threading.Lock()

    def __call__(self, topic: str, message: BusMessage) -> None:
        with self.lock:
            self.tries += 1
        with background(), self.db.writer() as connection:
            connection.execute(text("INSERT INTO handled VALUES (:n)"), {"n": message["n"]})
            connection.commit()


@pytest.fixture
def runtime(tmp_path: Path, redis_url: str) -> Iterator[Runtime]:
    url = f"sqlite:///{tmp_path / 'kairos.db'}"
    migrations.upgrade(url)
    bus = RedisBus(redis_url, block_ms=100, claim_idle_ms=200, max_attempts=3)
    built = Runtime.build(Settings(database_url=url, redis_url=redis_url), bus=bus)
    with built.db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE handled (n TEXT PRIMARY KEY)"))
    try:
        yield built
    finally:
        built.close()


def _figure(page: str, line_start: str) -> float | None:
    for line in page.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_count_the_deliveries_a_database_lock_holds(runtime: Runtime) -> None:
    recorder = Recorder(runtime.db)
    runtime.bus.listen(recorder, "orders", group="recorder")
    wait_for(lambda: runtime.bus.backlog("orders", "recorder") == 0)  # the group exists
    held_now = 'kairos_bus_held{group="recorder"}'
    held_total = 'kairos_bus_deliveries_held_total{group="recorder"}'
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        calm = client.get("/metrics").text
        assert _figure(calm, held_now) == 0
        assert _figure(calm, held_total) in (None, 0)
        holder = hold(Path(runtime.db.url.split("///", 1)[1]))
        try:
            for n in range(3):
                runtime.bus.publish("orders", {"n": f"m{n}"})
            wait_for(lambda: recorder.tries >= 6)  # each delivered, held, and delivered again
            locked = client.get("/metrics").text
            assert _figure(locked, held_now) == 3, locked
            assert (_figure(locked, held_total) or 0) >= 6
            assert _figure(locked, 'kairos_bus_dead_letters{topic="orders"}') == 0
        finally:
            release(holder)
        with runtime.db.engine.connect() as connection:
            count = "SELECT count(*) FROM handled"
            wait_for(lambda: connection.execute(text(count)).scalar() == 3)
        wait_for(lambda: _figure(client.get("/metrics").text, held_now) == 0)
        after = client.get("/metrics").text
        assert (_figure(after, held_total) or 0) >= 6  # a count: it stays
