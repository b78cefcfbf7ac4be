"""A periodic pass (the sweep, the purge, the idle end, outreach) on a read-only PostgreSQL (a
standby after a fail-over) is skipped with one warning line naming it: before, it was logged as
an error with a traceback every pass (``InternalError``, not ``OperationalError``)."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import text

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
            while not caplog.records and time.monotonic() < deadline:
                time.sleep(0.05)
            job.close()
        assert caplog.records, "no pass ran"
        record = caplog.records[0]
        assert record.levelno == logging.WARNING, record.getMessage()
        assert record.exc_info is None
        assert "sweep skipped: the database is read-only" in record.getMessage()
    finally:
        db.dispose()
