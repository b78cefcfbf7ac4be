"""Bookkeeping writes while another process holds a SQLite file locked (a backup, a script).

Before, every writer waited SQLite's whole busy timeout (10 s) for the lock, holding this
process's write lock meanwhile: a read of an interaction waited 10.5 s for its audit row,
``/metrics`` 10.2 s for the early-event expiry, eight reads together 22 s (the token touch and
the audit rows queueing behind each other), and the token touch logged a traceback. Now each
bookkeeping write waits at most 200 ms and is done on its next try, quietly unless the lock is
held for long; ``/healthz`` says "locked". A real ``kairos serve`` and a real process holding
the lock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from tests.factories import started, utterance
from tests.scale.locked_sqlite import SqliteServer, hold, release

from kairos import migrations
from kairos.db import Database, background
from kairos.periodic import Periodic
from kairos.security import tokens
from kairos.security.audit import AuditWriter, entry
from kairos.security.models import ApiToken, AuditEntry


def _timed(url: str, headers: dict[str, str] | None = None) -> tuple[httpx.Response, float]:
    began = time.monotonic()
    response = httpx.get(url, headers=headers, timeout=60)
    return response, time.monotonic() - began


def test_reads_and_metrics_answer_at_once_while_the_file_is_locked_elsewhere(
    sqlite_server: SqliteServer,
) -> None:
    base, database = sqlite_server.base, sqlite_server.database
    auth = sqlite_server.admin_auth()
    assert httpx.post(base + "/v1/events", json=[started("c1")], headers=auth).status_code == 200
    holder = hold(database)
    try:
        read, took = _timed(base + "/v1/interactions/c1", auth)
        assert read.status_code == 200 and took < 3, f"the read took {took:.1f} s"  # was 10.5
        scraped, took = _timed(base + "/metrics")
        assert scraped.status_code == 200 and took < 3, f"/metrics took {took:.1f} s"  # was 10.2
        assert 'kairos_database_lock_waits_expired_total{wait="short"}' in scraped.text
        turn = utterance("c1", "hello", event_id="c1-u1", seconds=1)
        refused = httpx.post(base + "/v1/events", json=[turn], headers=auth, timeout=60)
        assert refused.status_code == 503
        health = httpx.get(base + "/healthz", timeout=30)
        assert health.status_code == 200, health.text
        assert health.json()["status"] == "degraded"
        assert health.json()["database"] == "locked"
        assert "another process" in health.json()["database_error"]
        full = 'kairos_database_lock_waits_expired_total{wait="full"} 1'
        assert full in httpx.get(base + "/metrics", timeout=30).text
    finally:
        release(holder)
    # The read's audit row waited in the queue and is written now: nothing lost.
    audit = httpx.get(base + "/v1/audit", headers=auth, params={"action": "read"}, timeout=30)
    paths = [(row["method"], row["path"]) for row in audit.json()["items"]]
    assert ("GET", "/v1/interactions/c1") in paths, paths


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite file."""
    url = f"sqlite:///{tmp_path / 'kairos.db'}"
    migrations.upgrade(url)
    database = Database(url)
    yield database
    database.dispose()


def _file(db: Database) -> Path:
    return Path(db.url.split("///", 1)[1])


def test_a_token_touch_waits_briefly_for_a_held_lock_and_is_kept_for_the_next(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    tokens.create(db=db, name="pbx", kind="source", source="pbx")
    writer = AuditWriter()
    writer.bind(db)
    with db.session() as session:
        token_id = session.scalar(select(ApiToken.id).where(ApiToken.name == "pbx"))
    assert token_id is not None
    writer.used(token_id)
    holder = hold(_file(db))
    try:
        began = time.monotonic()
        with caplog.at_level(logging.WARNING):
            writer.flush(touch=True)
        assert time.monotonic() - began < 3  # was 10 s, this process's writes behind it
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # no traceback
    finally:
        release(holder)
    writer.flush(touch=True)
    writer.close()
    with db.session() as session:
        assert session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))


def test_audit_rows_wait_quietly_through_ordinary_contention_and_say_an_outage_once(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    writer = AuditWriter()
    writer.bind(db)
    row = entry(
        actor="lead", actor_kind="user", action="read", method="GET",
        path="/v1/interactions/c1", status=200, client=None,
    )  # fmt: skip
    holder = hold(_file(db))
    with caplog.at_level(logging.WARNING, logger="kairos.security.audit"):
        try:
            writer.write_now(dict(row))  # queued after 200 ms
            writer.flush(touch=False)
            assert not caplog.records  # the other process's commit: nothing to say
            writer._lock_waits.patience_s = 0.3  # the lock held past a busy timeout
            time.sleep(0.4)
            for _ in range(3):
                writer.flush(touch=False)
        finally:
            release(holder)
        said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(said) == 1 and "OperationalError" in said[0] and "kept" in said[0], said
        writer.flush(touch=False)  # (or its thread did already)
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 2 and "written again" in said[1], said
    writer.close()
    with db.session() as session:
        assert session.scalar(select(AuditEntry.path)) == "/v1/interactions/c1"


def test_a_periodic_pass_skips_a_held_lock_quietly_and_is_done_on_the_next(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE passes (n INTEGER)"))

    def work() -> None:
        with db.write_lock(), db.engine.begin() as connection:
            connection.execute(text("INSERT INTO passes VALUES (1)"))

    job = Periodic(work, interval_s=60, name="retention")
    holder = hold(_file(db))
    with caplog.at_level(logging.INFO, logger="kairos.periodic"):
        try:
            began = time.monotonic()
            job.run_once()
            assert time.monotonic() - began < 3  # was 10 s, this process's writes waiting
            assert not caplog.records
            job.lock_waits.patience_s = 0  # held on: said once
            job.run_once()
            job.run_once()
        finally:
            release(holder)
        job.run_once()
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 2, said
    assert "retention skipped: another process has held the database locked" in said[0]
    assert "retention runs again" in said[1]
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM passes")).scalar() == 1
    with background(), db.engine.connect() as connection:  # the mark ends with its block
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 200
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
