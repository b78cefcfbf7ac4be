"""Migrations go up from an empty database, and down again, on every backend."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect

from kairos import migrations
from kairos.models import Base


def test_upgrade_from_empty_creates_every_table(database_url: str) -> None:
    assert migrations.current(database_url) is None
    migrations.upgrade(database_url)
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert migrations.current(database_url) is not None


def test_upgrade_is_repeatable_and_downgrade_empties(database_url: str) -> None:
    migrations.upgrade(database_url)
    head = migrations.current(database_url)
    migrations.upgrade(database_url)
    assert migrations.current(database_url) == head
    migrations.downgrade(database_url, "base")
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert not set(Base.metadata.tables) & tables


def test_models_match_migrations(migrated_url: str) -> None:
    """Autogenerate finds nothing to add: the tables and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(migrated_url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


@pytest.mark.postgres
def test_processes_starting_together_migrate_in_turn(postgres_url: str) -> None:
    """Several API processes (``kairos serve`` on several machines) starting at once on a new
    PostgreSQL database each apply the migrations: one does, the others wait and find nothing
    left to do, and none fails."""
    env = {**os.environ, "KAIROS_DATABASE_URL": postgres_url}
    command = [sys.executable, "-m", "kairos.cli", "db", "upgrade"]
    starts = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(3)
    ]
    outputs = [start.communicate(timeout=120)[0].decode() for start in starts]
    assert [start.returncode for start in starts] == [0, 0, 0], outputs
    assert migrations.current(postgres_url) == migrations.head()
