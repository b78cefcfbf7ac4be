"""The database a command reads or writes, checked first: a missing, unreachable or unmigrated
database is one clear line and exit status 1, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from kairos.db import Database

#: What to run to make a database, said in every refusal.
_HOW = "start `kairos demo` or `kairos serve`, or run `kairos db upgrade`"


def not_a_url(database_url: str) -> str | None:
    """Why ``database_url`` is not a database URL SQLAlchemy reads, in one line; None if it is."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(database_url)
    except ArgumentError:
        # Not parsed, so no password can be hidden in it: only its start is shown.
        return (
            f"KAIROS_DATABASE_URL {database_url[:40]!r} is not a database URL: give one such as "
            "sqlite:///./var/kairos.db or postgresql+psycopg://user:password@host/kairos"
        )
    return None


def missing(database_url: str) -> str | None:
    """Says there is no database when the URL names a SQLite file that does not exist."""
    from sqlalchemy.engine import make_url

    from kairos.db import describe

    url = make_url(database_url)
    path = url.database or ""
    # Connecting to SQLite creates the file: say there is none instead of leaving an empty one.
    if (
        url.get_backend_name() == "sqlite"
        and path not in ("", ":memory:")
        and not Path(path).exists()
    ):
        return f"no Kairos database at {describe(database_url)} (KAIROS_DATABASE_URL): {_HOW}"
    return None


def cannot_open(database_url: str, exc: Exception) -> str:
    """A database error as one line: where, and the driver's first line."""
    from kairos.db import describe

    reason = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0]
    return f"cannot open the database at {describe(database_url)}: {reason}"


def newer(database_url: str, at: str) -> str:
    """A database at a migration these do not know: a newer Kairos migrated it (the code was
    rolled back after an upgrade, or a newer database was restored): what to do, in one line."""
    from kairos import migrations
    from kairos.db import describe

    return (
        f"the database at {describe(database_url)} is at migration {at}, which this Kairos does "
        f"not know (its newest is {migrations.head()}): a newer Kairos migrated it; run that "
        "version, or restore the backup made before the upgrade"
    )


def problem(database_url: str) -> str | None:
    """Why the database cannot be used as it is, in one line; None when it can."""
    from sqlalchemy.exc import SQLAlchemyError

    from kairos import migrations
    from kairos.db import describe

    why = not_a_url(database_url) or missing(database_url)
    if why is not None:
        return why
    where = describe(database_url)
    try:
        at = migrations.current(database_url)
    except SQLAlchemyError as exc:
        return cannot_open(database_url, exc)
    newest = migrations.head()
    if at is None:
        return f"the database at {where} is empty (not migrated): {_HOW}"
    if not migrations.known(at):
        return newer(database_url, at)
    if at != newest:
        return (
            f"the database at {where} is at migration {at}, this Kairos needs {newest}: "
            "run `kairos db upgrade`"
        )
    return None


def refuse(why: str, console: Console | None = None) -> NoReturn:
    """End the command with ``why`` as one line and exit status 1."""
    (console or Console(stderr=True)).print(f"[red]kairos: {escape(why)}[/]", soft_wrap=True)
    raise typer.Exit(1)


def stop_if(why: str | None, console: Console | None = None) -> None:
    """End the command with ``why`` (one line, exit status 1) when there is one."""
    if why is not None:
        refuse(why, console)


def upgraded(database_url: str, console: Console | None = None, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` (``kairos serve``, ``kairos db upgrade``); a URL
    that is not one, a revision there is not, or a server that does not answer is one line and
    exit status 1."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from kairos import migrations

    stop_if(not_a_url(database_url), console)
    try:
        migrations.upgrade(database_url, revision)
    except CommandError:  # no such revision: the one asked for, or the database's own
        at = migrations.current(database_url)
        if at is not None and not migrations.known(at):
            refuse(newer(database_url, at), console)
        refuse(f"no migration {revision!r}: the newest is {migrations.head()}", console)
    except SQLAlchemyError as exc:
        refuse(cannot_open(database_url, exc), console)


def open_database(console: Console | None = None) -> Database:
    """The configured database, ready to read; exits with one clear line when it is not."""
    from kairos.config import get_settings
    from kairos.db import Database

    url = get_settings().database_url
    stop_if(problem(url), console)
    return Database(url)


@contextmanager
def database(console: Console | None = None) -> Iterator[Database]:
    """:func:`open_database` for one command's work, closed after it. A request the service
    refuses (``ClientError``: a name taken, an unknown user or token) ends the command with its
    message and exit status 1, never a traceback."""
    from kairos.errors import ClientError

    db = open_database(console)
    try:
        yield db
    except ClientError as exc:
        (console or Console(stderr=True)).print(f"[red]{escape(exc.message)}[/]")
        raise typer.Exit(1) from None
    finally:
        db.dispose()
