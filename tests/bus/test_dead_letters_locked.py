"""A Redis bus listener that writes while another process holds the SQLite file locked (a
backup, a script): a real ``redis-server``, a real SQLite file and a real process holding it.

Before, each delivery the lock held back counted toward ``max_attempts``: held longer than the
listener's retries (with the defaults, 5 deliveries 30 s apart, each waiting 10 s: about three
minutes), every message published meanwhile went to the dead letters, though nothing was wrong
with them, and an operator had to replay them by hand. Now a lock wait spends no attempt: the
messages wait, pending, and each is handled once after the release.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.bus.support import wait_for
from tests.scale.locked_sqlite import hold, release
from tests.servers import REDIS_SERVER

from kairos.bus import BusMessage, RedisBus, Retry
from kairos.db import Database, background

pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="no redis-server binary (apt-get install redis-server)"
)


class Recorder:
    """Stores each message's ``n`` (a primary key: stored twice would fail) in the database."""

    def __init__(self, db: Database, kind: str) -> None:
        self.db, self.kind = db, kind
        self.tries = 0
        self.lock = threading.Lock()

    def __call__(self, topic: str, message: BusMessage) -> None:
        with self.lock:
            self.tries += 1
        try:
            # A 200 ms wait for the lock: SQLite's 10 s would make the test minutes long.
            with background(), self.db.writer() as connection:
                connection.execute(text("INSERT INTO handled VALUES (:n)"), {"n": message["n"]})
                connection.commit()
        except Exception as error:
            if self.kind == "retry":  # as the detection workers do
                raise Retry(f"{message['n']}: {type(error).__name__}") from error
            raise


class BatchRecorder(Recorder):
    def handle_batch(self, topic: str, messages: list[BusMessage]) -> None:
        for message in messages:
            self(topic, message)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'kairos.db'}")
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE handled (n TEXT PRIMARY KEY)"))
    yield database
    database.dispose()


@pytest.mark.parametrize("kind", ["raises", "retry", "batch"])
def test_a_lock_held_past_every_attempt_dead_letters_nothing(
    redis_url: str, db: Database, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    bus = RedisBus(redis_url, block_ms=100, claim_idle_ms=200, max_attempts=3)
    recorder = BatchRecorder(db, kind) if kind == "batch" else Recorder(db, kind)
    try:
        bus.listen(recorder, "orders", group="recorder")
        time.sleep(0.3)  # the group made before the first publish
        holder = hold(Path(db.url.split("///", 1)[1]))
        try:
            with caplog.at_level(logging.WARNING, logger="kairos.bus"):
                for n in range(5):
                    bus.publish("orders", {"n": f"m{n}"})
                # Well past 3 deliveries each (before: all five dead-lettered within ~2 s).
                wait_for(lambda: recorder.tries >= 8)
                time.sleep(2)
        finally:
            release(holder)
        with db.engine.connect() as connection:
            wait_for(lambda: connection.execute(text("SELECT count(*) FROM handled")).scalar() == 5)
            time.sleep(0.6)  # nothing arrives twice (a second insert would fail, and retry)
            stored = connection.execute(text("SELECT n FROM handled ORDER BY n")).scalars()
            assert list(stored) == [f"m{n}" for n in range(5)]
        stats = bus.stats()
        assert stats["dead_letters"].get("orders", 0) == 0, stats
        assert bus.listener_counts()["bus_dead_lettered"] == 0
        assert bus.listener_counts()["bus_failed"] == 0  # no traceback per delivery
        wait_for(lambda: bus.backlog("orders", "recorder") == 0)
        client = bus._client(socket_timeout=1)
        assert client.keys("kairos:bus:held:*") == []  # the counts went with the messages
        client.close()
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        bus.close()
