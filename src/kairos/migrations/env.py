"""Alembic environment: runs migrations on the URL given by ``kairos.migrations``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from sqlalchemy import Engine, text

from kairos.db import make_engine
from kairos.models import Base

config = context.config
target_metadata = Base.metadata


#: The PostgreSQL advisory lock that makes processes migrating one database take turns.
MIGRATION_LOCK = 0x6B6169726F73  # "kairos"


@contextmanager
def one_at_a_time(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, hold an advisory lock for the whole run, on a connection of its own: API
    processes starting together (``kairos serve`` on several machines, each applying the
    migrations) migrate in turn, and those after the first find nothing left to do, where they
    raced to create the same tables and failed. The server drops the lock if the process dies."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            yield
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})


def run_migrations_online() -> None:
    """Run the migrations over a live connection."""
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url)
    try:
        with one_at_a_time(engine), engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run_migrations_online()
