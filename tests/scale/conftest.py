"""What the scale tests share."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.scale.locked_sqlite import CLI, SqliteServer
from tests.servers import free_port, wait_until_serving


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[SqliteServer]:
    """``kairos serve`` on a SQLite file, with no Redis: its address and file (and, through
    ``admin_auth()``, an admin's token)."""
    database = tmp_path / "kairos.db"
    port = free_port()
    env = {**os.environ, "KAIROS_DATABASE_URL": f"sqlite:///{database}", "KAIROS_PORT": str(port)}
    env.pop("KAIROS_REDIS_URL", None)
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [*CLI, "serve"], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process, log, timeout_s=120)
        yield SqliteServer(base=base, database=database, env=env)
    finally:
        process.terminate()
        process.wait(30)
