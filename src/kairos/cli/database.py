"""The database a command reads or writes, checked first: a missing, unreachable or unmigrated
database is one clear line and exit status 1, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from kairos.db import Database

#: What to run to make a database, said in every refusal.
_HOW = "start `kairos demo` or `kairos serve`, or run `kairos db upgrade`"


def problem(database_url: str) -> str | None:
    """Why the database cannot be used as it is, in one line; None when it can."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from kairos import migrations
    from kairos.db import describe

    url = make_url(database_url)
    where = describe(database_url)
    path = url.database or ""
    # Connecting to SQLite creates the file: say there is none instead of leaving an empty one.
    if (
        url.get_backend_name() == "sqlite"
        and path not in ("", ":memory:")
        and not Path(path).exists()
    ):
        return f"no Kairos database at {where} (KAIROS_DATABASE_URL): {_HOW}"
    try:
        at = migrations.current(database_url)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0]
        return f"cannot open the database at {where}: {reason}"
    newest = migrations.head()
    if at is None:
        return f"the database at {where} is empty (not migrated): {_HOW}"
    if at != newest:
        return (
            f"the database at {where} is at migration {at}, this Kairos needs {newest}: "
            "run `kairos db upgrade`"
        )
    return None


def open_database(console: Console | None = None) -> Database:
    """The configured database, ready to read; exits with one clear line when it is not."""
    from kairos.config import get_settings
    from kairos.db import Database

    url = get_settings().database_url
    why = problem(url)
    if why is not None:
        (console or Console(stderr=True)).print(f"[red]kairos: {escape(why)}[/]", soft_wrap=True)
        raise typer.Exit(1)
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
