"""A periodic pass (the sweep, the purge, the idle end, outreach) on a read-only PostgreSQL (a
standby after a fail-over) is skipped with one warning line naming it: before, it was logged as
an error with a traceback every pass (``InternalError``, not ``OperationalError``)."""

from __future__ import annotations

import logging
import os
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kairos.db import Database
from kairos.periodic import Periodic


def test_a_read_only_database_skips_a_pass_in_one_line(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    db = Database(postgres_url)
    try:
        with db.engine.begin() as connection:
            connection.execute(text("CREATE TABLE pass_rows (x int)"))

        def write() -> None:
            with db.engine.begin() as connection:
                connection.execute(text("SET TRANSACTION READ ONLY"))  # as on a standby
                connection.execute(text("INSERT INTO pass_rows VALUES (1)"))

        job = Periodic(write, interval_s=0.05, name="sweep")
        with caplog.at_level(logging.WARNING, logger="kairos.periodic"):
            job.start()
            deadline = time.monotonic() + 10
            while not _passes(caplog) and time.monotonic() < deadline:
                time.sleep(0.05)
            job.close()
        assert _passes(caplog), "no pass ran"
        record = _passes(caplog)[0]
        assert record.levelno == logging.WARNING, record.getMessage()
        assert record.exc_info is None
        assert "sweep skipped: the database is read-only" in record.getMessage()
        assert db.faults.current is not None  # /healthz and /metrics name it (db_faults)
        assert db.faults.current.kind == "read_only"
    finally:
        db.dispose()


def _passes(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What the periodic pass logged (the fault's start is logged once by ``db_faults`` too)."""
    return [r for r in caplog.records if r.name == "kairos.periodic"]


def test_a_worker_reports_the_fault_its_writes_met_and_its_end(postgres_url: str) -> None:
    """A ``kairos worker`` serves no ``/healthz``: its heartbeat carries ``database_storing``
    (``/metrics`` of any API process shows it as ``kairos_worker{figure="database_storing"}``),
    0 once one of its writes met a read-only database, 1 again once a write commits."""
    from tests.scale.support import _set_read_only

    from kairos import migrations
    from kairos.config import Settings
    from kairos.runtime import Runtime
    from kairos.workers import heartbeat

    migrations.upgrade(postgres_url)
    admin_url = os.environ["KAIROS_TEST_POSTGRES_URL"]
    database = postgres_url.rsplit("/", 1)[-1]
    runtime = Runtime.build(Settings(database_url=postgres_url))
    try:
        assert heartbeat(runtime)["database_storing"] == 1
        _set_read_only(admin_url, database, on=True)
        # a listener's write, as a worker's would meet it
        with pytest.raises(DBAPIError), runtime.db.engine.begin() as connection:
            connection.execute(text("UPDATE agents SET name = name"))
        assert heartbeat(runtime)["database_storing"] == 0
        _set_read_only(admin_url, database, on=False)
        assert heartbeat(runtime)["database_storing"] == 1
    finally:
        runtime.close()
        _set_read_only(admin_url, database, on=False)
