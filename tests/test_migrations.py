"""Migrations go up from an empty database, and down again, on every backend."""

from __future__ import annotations

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
