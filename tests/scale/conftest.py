"""What the scale tests share."""

from __future__ import annotations

import os
import subprocess
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


def _mount(directory: Path, *options: str) -> bool:
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(("size=3M", *options)), "tmpfs", str(directory)],
        capture_output=True,
    )
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB file system of its own (a tmpfs; needs root)."""
    directory = tmp_path / "disk"
    directory.mkdir()
    if os.geteuid() != 0 or not _mount(directory):
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)
