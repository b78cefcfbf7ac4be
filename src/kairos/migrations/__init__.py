"""Alembic migrations; run them with ``kairos db upgrade`` (``kairos serve`` does it on start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

_HERE = Path(__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at these migrations and ``database_url``."""
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (all of them by default)."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Revert migrations down to ``revision``."""
    command.downgrade(alembic_config(database_url), revision)


def current(database_url: str) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    from kairos.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head() -> str | None:
    """The newest revision these migrations know."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def known(revision: str) -> bool:
    """Whether ``revision`` is one of these migrations (else a newer Kairos wrote it)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return revision in {script.revision for script in scripts.walk_revisions()}


def behind(database_url: str) -> str | None:
    """Why the database is behind these migrations (empty, or at an older one), in a few words;
    None when it is at the newest, or at one these migrations do not know (a newer Kairos
    migrated it)."""
    at = current(database_url)
    newest = head()
    if at == newest:
        return None
    if at is None:
        return f"empty (not migrated), this Kairos needs {newest}"
    if not known(at):
        return None
    return f"at migration {at}, this Kairos needs {newest}"
