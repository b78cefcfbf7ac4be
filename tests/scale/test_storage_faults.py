"""A database that answers but stores nothing: a full disk, a read-only SQLite file system, a
PostgreSQL database turned read-only (a standby after a fail-over), a read-only SQLite file.

Before, ``/healthz`` answered 200 "ok" (its ``SELECT 1`` still worked) while every event was
refused with "the database is unavailable; retry shortly" (and a traceback per request in the
log; PostgreSQL's read-only refusal was a 500 "internal error"). Now the refusal, ``/healthz``
and ``/metrics`` name the fault, and the server stores again by itself once it is fixed.
A real ``kairos serve`` on a real file system (a size-limited tmpfs) and a real PostgreSQL.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import httpx
import pytest
from tests.factories import started
from tests.scale.support import Server, _set_read_only, _turn, fill

from kairos.db import throwaway_database
from kairos.db_faults import classify

#: What ``/healthz``, a refusal and the log say, by the driver's class and code alone: before,
#: the driver's first line (PostgreSQL's disk-full one names the file it could not extend).
SAID = {
    "full": "the database is full (sqlite3.OperationalError, SQLITE_FULL); nothing can be "
    "stored until that is fixed",
    "read_only": "the database is read-only (psycopg.errors.ReadOnlySqlTransaction, SQLSTATE "
    "25006); nothing can be stored until that is fixed",
}


def _refused_for(server: Server, kind: str, refusal: httpx.Response | None = None) -> None:
    """What a source, ``/healthz`` and ``/metrics`` say while the database stores nothing."""
    health = server.get("/healthz")
    assert health.status_code == 503, health.text
    body = health.json()
    assert body["database"] == kind, body
    assert body["database_error"] == SAID[kind], body
    if refusal is not None:  # the same words as /healthz's
        assert refusal.json()["message"].startswith(SAID[kind] + "; nothing of this request")
    assert "kairos_database_storing 0" in server.get("/metrics").text


def _stored_turns(server: Server) -> set[str]:
    timeline = server.get("/v1/interactions/c1").json()["timeline"]
    return {e["event_id"] for e in timeline if e["type"] == "utterance"}


def test_a_full_disk_is_named_and_storing_resumes_once_space_is_freed(
    small_disk: Path, tmp_path: Path
) -> None:
    server = Server(f"sqlite:///{small_disk}/kairos.db", tmp_path / "serve.log")
    try:
        assert server.post([started("c1", channel="chat", phone=None)]).status_code == 200
        filler = fill(small_disk)
        accepted, refused = [], []
        for n in range(40):
            answer = server.post([_turn(n)])
            (accepted if answer.status_code == 200 else refused).append((n, answer))
            if refused:
                break
        assert refused, "the full disk never refused a write"
        n, answer = refused[0]
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "database_full", answer.text
        assert "full" in answer.json()["message"]
        assert answer.headers["Retry-After"] == "10"
        _refused_for(server, "full", answer)
        read = server.get("/v1/interactions/c1")  # reads are still answered
        assert read.status_code == 200, read.text
        time.sleep(1.5)  # the audit writer tries its queue every 0.5 s meanwhile

        filler.unlink()
        health = server.get("/healthz")
        assert health.status_code == 200, health.text
        assert health.json()["database"] == "ok"
        assert server.post([_turn(n)]).status_code == 200  # the source sends it again
        assert _stored_turns(server) == {f"c1-u{i}" for i in range(n + 1)}
        assert "kairos_database_storing 1" in server.get("/metrics").text
        # The read answered while the disk was full has its audit row: it was kept, not
        # dropped at the first failed try (before, 0.5 s into any outage).
        deadline = time.monotonic() + 10
        while True:
            with sqlite3.connect(small_disk / "kairos.db") as store:
                audit = store.execute(
                    "SELECT method, path, status FROM audit_log WHERE resource_id = 'c1'"
                ).fetchall()
            # two reads answered: one while the disk was full, one after (_stored_turns)
            if audit.count(("GET", "/v1/interactions/c1", 200)) == 2:
                break
            assert time.monotonic() < deadline, audit
            time.sleep(0.5)
    finally:
        server.stop()
    log = server.log.read_text()
    assert SAID["full"] in log, log[-3000:]
    assert "database or disk is full" not in log, log[-3000:]  # the driver's words
    assert "Traceback" not in log, log[-3000:]


def test_sqlite_refusing_to_write_a_read_only_file_is_a_read_only_fault(tmp_path: Path) -> None:
    path = tmp_path / "kairos.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    read_only = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as refused:
        read_only.execute("INSERT INTO t VALUES (1)")
    fault = classify(refused.value)
    assert fault is not None and fault.kind == "read_only", refused.value
    assert fault.reason == "sqlite3.OperationalError, SQLITE_READONLY"
    assert classify(sqlite3.OperationalError("database is locked")) is None


def test_a_read_only_postgresql_is_named_not_an_internal_error(tmp_path: Path) -> None:
    admin_url = os.environ.get("KAIROS_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("KAIROS_TEST_POSTGRES_URL is not set")
    with throwaway_database(admin_url) as url:
        server = Server(url, tmp_path / "serve.log")
        database = url.rsplit("/", 1)[-1]
        try:
            assert server.post([started("c1", channel="chat", phone=None)]).status_code == 200
            _set_read_only(admin_url, database, on=True)
            answer = server.post([_turn(1)])
            if answer.status_code == 503 and answer.json()["error"] == "unavailable":
                answer = server.post([_turn(1)])  # a pooled connection the restart ended
            assert answer.status_code == 503, answer.text
            assert answer.json()["error"] == "database_read_only", answer.text
            _refused_for(server, "read_only", answer)
            _set_read_only(admin_url, database, on=False)
            assert server.get("/healthz").status_code == 200
            assert server.post([_turn(1)]).status_code == 200
            assert _stored_turns(server) == {"c1-u1"}
        finally:
            server.stop()


def test_a_background_write_on_a_read_only_postgresql_is_named_too(tmp_path: Path) -> None:
    """No request stores anything: the retention purge (every second here) is the first write
    to meet the read-only database. Before, ``/healthz`` and ``/metrics`` said all was well
    until a request's write failed; now the purge's refusal marks the fault as a request's does,
    and it clears the same way once the database stores again."""
    admin_url = os.environ.get("KAIROS_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("KAIROS_TEST_POSTGRES_URL is not set")
    with throwaway_database(admin_url) as url:
        server = Server(
            url, tmp_path / "serve.log",
            KAIROS_PURGE_INTERVAL_S="1", KAIROS_RETENTION_AUDIT_DAYS="30",
        )  # fmt: skip
        database = url.rsplit("/", 1)[-1]
        try:
            assert server.get("/healthz").status_code == 200
            _set_read_only(admin_url, database, on=True)
            deadline = time.monotonic() + 20
            while server.get("/healthz").status_code == 200:
                assert time.monotonic() < deadline, "the purge's refusal was never noticed"
                time.sleep(0.5)
            _refused_for(server, "read_only")
            _set_read_only(admin_url, database, on=False)
            assert server.get("/healthz").status_code == 200
            assert "kairos_database_storing 1" in server.get("/metrics").text
        finally:
            server.stop()
    log = server.log.read_text()
    assert "purge skipped: the database is read-only" in log, log[-3000:]
