"""A SQLite file another process holds locked (``BEGIN EXCLUSIVE``: a backup, a maintenance
script, a second server mid-transaction).

Before, a request waited SQLite's busy timeout (10 s) once per try of the ingest's three tries
and once more for its audit row: a 503 after 40 to 60 s, when a client's own timeout (often
30 s) had long given up on it. Now it answers 503 with ``Retry-After`` after one wait, stores
nothing twice, loses nothing stored before, and stores again once the lock is released.
A real ``kairos serve`` and a real process holding the lock.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from tests.factories import started, utterance
from tests.scale.locked_sqlite import SqliteServer, hold, release

from kairos.db import Database
from kairos.db_faults import lock_wait_expired


def test_a_locked_file_answers_503_after_one_wait_and_stores_again_once_released(
    sqlite_server: SqliteServer,
) -> None:
    base, database = sqlite_server.base, sqlite_server.database
    assert httpx.post(base + "/v1/events", json=[started("c1")], timeout=30).status_code == 200
    turn = utterance("c1", "my flight was cancelled", event_id="c1-u1", seconds=1)
    holder = hold(database)
    try:
        for _ in range(2):  # the second after the first's audit row was queued
            began = time.monotonic()
            refused = httpx.post(base + "/v1/events", json=[turn], timeout=120)
            took = time.monotonic() - began
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"] == "unavailable"
            assert refused.headers["Retry-After"]
            # One busy timeout (10 s), not one per try and one more for the audit row (40-60 s).
            assert took < 25, f"the 503 took {took:.1f} s"
    finally:
        release(holder)
    stored = httpx.post(base + "/v1/events", json=[turn], timeout=30)
    assert stored.status_code == 200, stored.text
    assert stored.json()["applied"] == 1
    timeline = httpx.get(base + "/v1/interactions/c1", timeout=30).json()["timeline"]
    assert [e["event_id"] for e in timeline if e["type"] == "utterance"] == ["c1-u1"]


def test_a_background_writer_does_not_wait_out_a_lock_held_elsewhere(tmp_path: Path) -> None:
    database = tmp_path / "kairos.db"
    db = Database(f"sqlite:///{database}")
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    holder = hold(database)
    try:
        began = time.monotonic()
        with pytest.raises(OperationalError) as refused, db.writer(patient=False) as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
        assert time.monotonic() - began < 5  # not the 10 s busy timeout
        assert lock_wait_expired(refused.value)
    finally:
        release(holder)
    with db.writer() as connection:  # the connection waits the full timeout again
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
        connection.execute(text("INSERT INTO t VALUES (1)"))
        connection.commit()
    db.engine.dispose()
