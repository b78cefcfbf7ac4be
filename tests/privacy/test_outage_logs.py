"""A database that does not answer is logged by class, with which server (host and port) did not
answer and why in words of a fixed list, never the driver's message: PostgreSQL's names the user
(and the database), and some drivers quote values. Before, the request's 503 ("database
unavailable: ...") and each periodic pass ("purge skipped: database unavailable (...)") logged
its whole text. A real ``kairos serve``, a real PostgreSQL role whose password changed under it,
a real SQLite file another process holds locked."""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tests.factories import started
from tests.scale.support import Server

from kairos.db import throwaway_database


def _wait_for(log: Path, words: str, timeout_s: float = 30) -> str:
    deadline = time.monotonic() + timeout_s
    while words not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.3)
    return log.read_text()


def _admin(url: str, *statements: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def test_postgresql_refusing_its_user_is_logged_without_the_user(tmp_path: Path) -> None:
    admin_url = os.environ.get("KAIROS_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("KAIROS_TEST_POSTGRES_URL is not set")
    role = f"kairos_outage_{uuid.uuid4().hex[:10]}"
    _admin(admin_url, f"CREATE ROLE {role} LOGIN PASSWORD 'first-{role}'")
    try:
        with throwaway_database(admin_url) as owned_url:
            database = owned_url.rsplit("/", 1)[-1]
            _admin(admin_url, f'ALTER DATABASE "{database}" OWNER TO {role}')
            url = owned_url.replace("//kairos:kairos@", f"//{role}:first-{role}@")
            assert url != owned_url
            server = Server(
                url, tmp_path / "serve.log",
                KAIROS_PURGE_INTERVAL_S="1", KAIROS_RETENTION_AUDIT_DAYS="30",
            )  # fmt: skip
            try:
                before = len(server.log.read_text())
                _admin(
                    admin_url,
                    f"ALTER ROLE {role} PASSWORD 'second-{role}'",
                    f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE usename = '{role}'",
                )
                for _ in range(3):  # a pooled connection the server ended, then a new one
                    answer = server.post([started("c1", channel="chat", phone=None)])
                    assert answer.status_code == 503, answer.text
                    assert answer.json()["error"] == "unavailable", answer.text
                log = _wait_for(server.log, "purge skipped: database unavailable")
            finally:
                server.stop()
            _admin(
                admin_url,
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'",
            )
    finally:
        _admin(admin_url, f"DROP ROLE IF EXISTS {role}")
    outage = log[before:]
    at = make_url(admin_url)
    expected = f"OperationalError (OperationalError), server {at.host} port {at.port or 5432}: " \
        "password authentication failed"  # fmt: skip
    assert f"database unavailable: {expected}" in outage, outage[-3000:]
    assert f"purge skipped: database unavailable ({expected})" in outage, outage[-3000:]
    assert role not in outage, outage[-3000:]  # the user (and its passwords) named nowhere
    assert database not in outage, outage[-3000:]


def test_a_locked_sqlite_file_is_logged_by_class(tmp_path: Path) -> None:
    """The purge (every second here) meets the file another process holds locked: each pass
    gives up after a short wait and says nothing; once the lock has held for 10 s, one line in
    fixed words says so, never SQLAlchemy's text (the message, the statement, a link to its
    documentation), and one more when the lock is released."""
    path = tmp_path / "kairos.db"
    server = Server(
        f"sqlite:///{path}", tmp_path / "serve.log",
        KAIROS_PURGE_INTERVAL_S="1", KAIROS_RETENTION_AUDIT_DAYS="30",
    )  # fmt: skip
    holder = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        assert server.post([started("c1", channel="chat", phone=None)]).status_code == 200
        holder.execute("BEGIN EXCLUSIVE")  # another process writing (a backup, a script)
        _wait_for(server.log, "purge skipped: another process has held the database locked", 60)
        holder.execute("ROLLBACK")
        log = _wait_for(server.log, "purge runs again", 60)
    finally:
        holder.close()
        server.stop()
    lines = [x for x in log.splitlines() if x.startswith("purge ")]
    assert lines == [
        "purge skipped: another process has held the database locked for 10 s; "
        "trying again every 1 s",
        "purge runs again: the database's lock was released",
    ], lines
    assert "sqlalche.me" not in log and "DELETE FROM" not in log, log[-3000:]
