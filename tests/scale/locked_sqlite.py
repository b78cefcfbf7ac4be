"""What the locked-SQLite tests share: ``kairos serve`` on a SQLite file, and another process
holding that file locked (``BEGIN EXCLUSIVE``: a backup, a maintenance script, a second server
mid-transaction)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.servers import CLI

HOLD = (
    "import sqlite3, sys\n"
    "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "c.execute('BEGIN EXCLUSIVE')\n"
    "print('held', flush=True)\n"
    "sys.stdin.readline()\n"
)


@dataclass(frozen=True)
class SqliteServer:
    """A running ``kairos serve``: its address, its SQLite file, the environment it runs in."""

    base: str
    database: Path
    env: dict[str, str]

    def admin_auth(self) -> dict[str, str]:
        """An admin's token header, the admin and token made with the command line."""
        user = ["users", "create", "lead", "--role", "admin", "--password", "a-long-secret"]
        subprocess.run([*CLI, *user], env=self.env, check=True, capture_output=True)
        made = subprocess.run(
            [*CLI, "tokens", "create", "--user", "lead"],
            env=self.env,
            check=True,
            capture_output=True,
        )
        token = made.stdout.decode().strip().splitlines()[-1]
        return {"Authorization": f"Bearer {token}"}


def hold(database: Path) -> subprocess.Popen[bytes]:
    """Another process holding ``database`` locked until ``release``."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(database)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
    return holder


def release(holder: subprocess.Popen[bytes]) -> None:
    assert holder.stdin is not None
    holder.stdin.close()
    holder.wait(10)
