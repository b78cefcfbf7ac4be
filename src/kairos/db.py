"""Database engine, sessions and the declarative base; migrations live in ``kairos/migrations``."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
    Connection,
    CursorResult,
    DateTime,
    Engine,
    Executable,
    MetaData,
    create_engine,
    event,
)
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

from kairos.db_faults import StorageFault, StorageFaults, lock_wait_expired

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every Kairos table."""

    metadata = MetaData(naming_convention=_NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class AwareDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to an aware column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def rowcount(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE ``statement`` in ``session``: how many rows it touched."""
    result = session.execute(statement)
    return int(cast(CursorResult[Any], result).rowcount)


#: How long a SQLite statement waits for a lock another process holds before it fails with
#: "database is locked" (a request's answer then is a 503 with ``Retry-After``).
BUSY_TIMEOUT_MS = 10_000
#: How long ``/healthz`` says "locked" after a write's wait for a lock held elsewhere ran
#: out: a request refused every busy timeout keeps it said while the lock is held.
LOCKED_REPORT_S = 15
#: The wait of a background writer that tries again shortly (``Database.writer``,
#: :func:`background`).
SHORT_BUSY_TIMEOUT_MS = 200

_THREAD = threading.local()


@contextmanager
def background() -> Iterator[None]:
    """Mark the statements this thread runs meanwhile as a background writer's: on SQLite
    each connection it takes from the pool waits at most ``SHORT_BUSY_TIMEOUT_MS`` for a lock
    another process holds, not ``BUSY_TIMEOUT_MS``. For work that is done again on its next
    pass (a periodic job, a batch of bookkeeping): it would otherwise hold this process's
    write lock through the whole wait, and every request that writes would wait behind it."""
    with waiting_at_most(SHORT_BUSY_TIMEOUT_MS):
        yield


def foreground() -> AbstractContextManager[None]:
    """Undo :func:`background` meanwhile: for work that is not done again if it fails (a bus
    listener called by a periodic pass on the in-process bus)."""
    return waiting_at_most(None)


@contextmanager
def waiting_at_most(busy_timeout_ms: int | None) -> Iterator[None]:
    """On SQLite, the connections this thread takes from the pool meanwhile wait at most
    ``busy_timeout_ms`` for a lock another process holds (None: ``BUSY_TIMEOUT_MS``)."""
    before = getattr(_THREAD, "busy_timeout_ms", None)
    _THREAD.busy_timeout_ms = busy_timeout_ms
    try:
        yield
    finally:
        _THREAD.busy_timeout_ms = before


def waits_shortened() -> bool:
    """Whether this thread's statements wait less than ``BUSY_TIMEOUT_MS`` for a lock."""
    return getattr(_THREAD, "busy_timeout_ms", None) is not None


def _busy_timeout_for_thread(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    # At each checkout from the pool: the wait this thread asks for, set only when it differs
    # from the connection's (a dictionary look-up otherwise).
    wanted = getattr(_THREAD, "busy_timeout_ms", None) or BUSY_TIMEOUT_MS
    if record.info.get("busy_timeout_ms", BUSY_TIMEOUT_MS) != wanted:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={wanted}")
        cursor.close()
        record.info["busy_timeout_ms"] = wanted


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # WAL lets readers (the pages, the API) run while ingestion writes; NORMAL sync is durable
    # across process crashes, which is what an event log on one machine needs.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Checkpoint the log every 10,000 pages (about 40 MB), not SQLite's 1,000: the commit that
    # crosses the mark copies the log into the file and waits for its fsync (a few ms), and at
    # 1,000 pages that was about one routing decision in a hundred, a whole p99 of its own.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_pool(url: str, pool_timeout_s: float) -> dict[str, Any]:
    """A SQLite file's pool waits ``pool_timeout_s`` for a free connection, as PostgreSQL's
    does, and hands out the connection returned last, not the one idle longest.

    In WAL mode a connection drops its whole page cache when another one has committed since
    its last transaction: taking the pool's connections in turn, every ingested event read
    about 26 pages (100 kB) back from the files, where the connection that just committed
    still holds them. (An in-memory database has a pool of one per thread: nothing to order.)
    """
    parsed = make_url(url)
    # The pool class SQLAlchemy picks for this URL (``DefaultDialect.get_pool_class``).
    dialect: Any = parsed.get_dialect()
    pool_class = dialect.get_pool_class(parsed)
    queued = issubclass(pool_class, QueuePool)
    return {"pool_use_lifo": True, "pool_timeout": pool_timeout_s} if queued else {}


def make_engine(url: str, *, pool_timeout_s: float = 30.0) -> Engine:
    """An engine for ``url``; SQLite files get WAL and foreign keys, their folder is created.

    A checkout waits ``pool_timeout_s`` for a free connection of the pool (PostgreSQL: 10, and
    20 more under load; a SQLite file: 5 and 10 more) before it raises
    ``sqlalchemy.exc.TimeoutError``. Its errors name no parameters (``hide_parameters``): a
    failed statement's values are a customer's words and numbers, and errors reach the logs."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False},
            hide_parameters=True,
            **_sqlite_pool(url, pool_timeout_s),
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkout", _busy_timeout_for_thread)
        return engine
    return create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        pool_timeout=pool_timeout_s,
        hide_parameters=True,
    )


def describe(url: str) -> str:
    """A database as a person names it: a SQLite file's path, else the URL without its password.

    >>> describe("sqlite:///./var/kairos.db")
    './var/kairos.db'
    >>> describe("postgresql://kairos:secret@db/kairos")
    'postgresql://kairos:***@db/kairos'
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


@contextmanager
def throwaway_database(server_url: str, prefix: str = "kairos_tmp") -> Iterator[str]:
    """A new, empty database on the PostgreSQL server at ``server_url`` (whose user may create
    databases), dropped with its connections when the block ends: for tests and benchmarks.
    Yields the new database's URL."""
    import uuid

    from sqlalchemy import text

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        try:
            yield url
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str, *, pool_timeout_s: float = 30.0) -> None:
        self.url = url
        self.engine = make_engine(url, pool_timeout_s=pool_timeout_s)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        #: A full disk or a read-only database, from the writes it refused (``/healthz``).
        self.faults = StorageFaults()
        # Every write the database refuses marks the fault, whoever wrote: a request, a periodic
        # pass, a bus listener, the audit writer. ``handle_error`` runs only for a statement or
        # commit that failed: a write that succeeds costs nothing more.
        event.listen(self.engine, "handle_error", self._write_refused)
        self._sqlite_writer = threading.Lock()
        #: Waits for a lock another process held that ran out, by wait: ``full`` (the busy
        #: timeout, a request's) and ``short`` (a background writer's, :func:`background`).
        self.lock_waits_expired = {"full": 0, "short": 0}
        #: When a full wait last ran out (``time.time()``; ``/healthz`` says "locked" then): a
        #: short one runs out now and then behind another process's ordinary commit.
        self.lock_wait_expired_at: float | None = None

    def _write_refused(self, context: ExceptionContext) -> None:
        if not self.note_lock_wait(context.original_exception):
            self.faults.record(context.original_exception)

    def note_lock_wait(self, error: BaseException) -> bool:
        """Count ``error`` if it says a wait for a lock held elsewhere ran out (once, whoever
        notes it: the engine's event, or the answer's handler where the event did not run)."""
        original: Any = getattr(error, "orig", None) or error
        if not lock_wait_expired(original):
            return False
        if not getattr(original, "kairos_counted", False):
            original.kairos_counted = True
            short = self.is_sqlite and waits_shortened()
            self.lock_waits_expired["short" if short else "full"] += 1
            if not short:
                self.lock_wait_expired_at = time.time()
        return True

    def write_lock(self) -> AbstractContextManager[object]:
        """Held around a writing transaction.

        SQLite admits one writer at a time; queueing writers here, in order, instead of letting
        them poll SQLite's busy handler keeps tail latency low. PostgreSQL needs no such lock.
        """
        return self._sqlite_writer if self.is_sqlite else nullcontext()

    @contextmanager
    def writer(self, *, patient: bool = True) -> Iterator[Connection]:
        """A connection under :meth:`write_lock`. Not ``patient``, its statements wait at most
        ``SHORT_BUSY_TIMEOUT_MS``, not SQLite's busy timeout, for a lock another process holds:
        for a background writer that tries again shortly anyway, which would otherwise hold this
        process's write lock through the whole wait and keep a request waiting two timeouts."""
        with (
            nullcontext() if patient else background(),
            self.write_lock(),
            self.engine.connect() as connection,
        ):
            yield connection

    def locked_elsewhere(self) -> str | None:
        """While a write's wait for a lock another process holds ran out within the last
        ``LOCKED_REPORT_S`` (``/healthz``): what that means, for a person; else None."""
        at = self.lock_wait_expired_at
        if at is None or time.time() - at > LOCKED_REPORT_S:
            return None
        ago = max(0, round(time.time() - at))
        return (
            f"a write's wait for a lock another process holds on the database (a backup or a "
            f"script holding a SQLite file) ran out {ago} s ago; writes answer 503 until it is "
            "released"
        )

    def writing(self) -> bool:
        """Whether a writing transaction of this process holds :meth:`write_lock` now (a hint
        for who would rather not wait: it may change the next moment)."""
        return self.is_sqlite and self._sqlite_writer.locked()

    def check_writes(self) -> StorageFault | None:
        """While a storage fault is recorded, try one write that changes nothing: the fault
        is cleared if it commits. The fault in force (:func:`kairos.db_probe.check_writes`)."""
        from kairos.db_probe import check_writes

        return check_writes(self)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that rolls back on error and always closes."""
        session = self.sessionmaker()
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


@dataclass
class Rider:
    """A row a request asks to have written in the same transaction as its own change.

    The security middleware records every change durably before its answer starts; on
    PostgreSQL each commit waits for the disk, so a change stored with one commit and recorded
    with another waits twice. A view that stores its change in one transaction (``next``) takes
    the request's riders along (:func:`take_riders`) and marks them written once it commits
    (:func:`riders_written`); a rider not written that way is written by its owner as before.
    """

    statement: Executable
    row: dict[str, Any]
    written: bool = False


#: The riders of the request being handled (set by the security middleware around the app).
RIDERS: ContextVar[list[Rider] | None] = ContextVar("kairos_riders", default=None)


def pending_riders() -> list[Rider]:
    """The current request's riders not written yet."""
    return [r for r in RIDERS.get() or () if not r.written]


def take_riders(connection: Connection) -> list[Rider]:
    """Insert the current request's riders on ``connection``, in the caller's transaction; the
    caller passes them to :func:`riders_written` after its commit."""
    riders = pending_riders()
    for rider in riders:
        connection.execute(rider.statement, rider.row)
    return riders


def riders_written(riders: list[Rider]) -> None:
    """The transaction that took ``riders`` has committed: their owners need not write them."""
    for rider in riders:
        rider.written = True
