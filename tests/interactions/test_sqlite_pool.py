"""A SQLite file's pool hands out the connection returned last (``kairos.db._sqlite_pool``): the one
that just committed an ingest keeps its page cache, where another would drop it and read the
pages back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from kairos.db import Database


def _driver(session: Session) -> object:
    """The SQLite connection under the session's transaction."""
    return session.connection().connection.driver_connection


def test_the_connection_returned_last_is_handed_out_next(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'pool.db'}")
    try:
        with db.session() as setup:
            setup.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
            setup.commit()
        # Two transactions at once (a page's read beside an ingest) hold two connections.
        reader, writer = db.sessionmaker(), db.sessionmaker()
        read_on, written_on = _driver(reader), _driver(writer)
        assert read_on is not written_on
        reader.close()  # the reader's connection goes back first ...
        writer.execute(text("INSERT INTO t (v) VALUES ('x')"))
        writer.commit()
        writer.close()  # ... the writer's last
        with db.session() as following:  # a bus listener's read after the ingest
            assert _driver(following) is written_on
            assert following.execute(text("SELECT v FROM t")).scalar_one() == "x"
    finally:
        db.dispose()


def test_an_in_memory_database_still_opens() -> None:
    # Its pool (one connection per thread) takes no order; the engine must not be refused.
    db = Database("sqlite://")
    try:
        with db.session() as session:
            assert session.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        db.dispose()
