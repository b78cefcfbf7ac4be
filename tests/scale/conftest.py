"""What the scale tests share."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.scale.locked_sqlite import SqliteServer
from tests.servers import free_port, serving


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[SqliteServer]:
    """``kairos serve`` on a SQLite file, with no Redis: its address and file (and, through
    ``admin_auth()``, an admin's token)."""
    database = tmp_path / "kairos.db"
    port = free_port()
    env = {**os.environ, "KAIROS_DATABASE_URL": f"sqlite:///{database}", "KAIROS_PORT": str(port)}
    env.pop("KAIROS_REDIS_URL", None)
    with serving(env=env, log=tmp_path / "serve.log", timeout_s=120, port=port) as base:
        yield SqliteServer(base=base, database=database, env=env)
