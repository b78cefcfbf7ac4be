"""A database a newer Kairos migrated (the code rolled back after an upgrade, or an older
install pointed at a restored newer database): every command says so in one line and what to
do. Before, ``kairos serve`` and ``kairos db upgrade`` said "no migration 'head': the newest is
0019" (which reads as a broken install), and the other commands told the operator to run
``kairos db upgrade``, which cannot help. A real ``kairos serve`` process, SQLite and
PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import text
from tests.servers import free_port

from kairos import migrations
from kairos.db import make_engine

#: A revision a later Kairos would add.
NEWER = "0999"


def _kairos(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KAIROS_DATABASE_URL": database_url, "COLUMNS": "400"}
    return subprocess.run(
        [sys.executable, "-m", "kairos.cli", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_database_a_newer_kairos_migrated_is_named_as_such(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": NEWER})
    engine.dispose()
    for args in (["serve", "--port", str(free_port())], ["db", "upgrade"], ["report"]):
        done = _kairos(migrated_url, *args)
        said = done.stdout + done.stderr
        assert done.returncode == 1, (args, said)
        assert "Traceback" not in said, said
        line = [x for x in said.splitlines() if x.strip()][-1]
        assert line.startswith("kairos: the database at "), (args, line)
        assert f"is at migration {NEWER}" in line, line
        assert f"its newest is {migrations.head()}" in line, line
        assert "a newer Kairos migrated it" in line and "kairos db upgrade" not in line, line
    # nothing was changed by the attempts
    assert migrations.current(migrated_url) == NEWER
