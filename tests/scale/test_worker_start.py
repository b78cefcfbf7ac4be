"""A ``kairos worker`` started before the database is migrated (before the API, or during an
upgrade, on the previous release's schema), for real: PostgreSQL and a throwaway redis-server.

It waits, saying why in one line, instead of reading tables that are not there yet (and
acknowledging the messages it failed on); once the migrations are applied it starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.servers import REDIS_SERVER

from kairos import migrations
from kairos.workers import SCHEMA_POLL_S

pytestmark = [
    pytest.mark.skipif(
        REDIS_SERVER is None, reason="no redis-server (apt-get install redis-server)"
    ),
    pytest.mark.postgres,
]


def test_a_worker_waits_for_the_migrations(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    migrations.upgrade(postgres_url, "0013")  # the previous release's schema
    env = {**os.environ, "KAIROS_DATABASE_URL": postgres_url, "KAIROS_REDIS_URL": redis_url,
           "KAIROS_DETECTION": "workers", "KAIROS_SWEEP_INTERVAL_S": "0.5"}  # fmt: skip
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "kairos.cli", "worker"],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while "waiting" not in log.read_text() and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()
            time.sleep(0.2)
        time.sleep(SCHEMA_POLL_S + 0.5)  # it looked again, and still waits
        said = log.read_text()
        behind = f"the database is at migration 0013, this Kairos needs {migrations.head()}"
        assert behind in said, said
        assert "Traceback" not in said and " started" not in said, said
        assert worker.poll() is None
        migrations.upgrade(postgres_url)
        deadline = time.monotonic() + 20
        while " started" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            assert worker.poll() is None, log.read_text()
            time.sleep(0.2)
        time.sleep(2)  # its listeners and sweep run (and its models load)
        assert "Traceback" not in log.read_text()
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            assert worker.wait(20) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
