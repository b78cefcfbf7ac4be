"""A database that answers but cannot store: a full disk, a read-only file or server.

``SELECT 1`` still succeeds then, so ``/healthz`` said "ok" while every request that stores
anything failed. A write the database refuses for lack of space or because it is read-only (a
request's or a background pass's) is recorded here (what, why, since when) until a write
commits again; ``/healthz``, ``/metrics`` and the refusals name the fault.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Literal

log = logging.getLogger(__name__)

FaultKind = Literal["full", "read_only"]

#: SQLSTATEs a PostgreSQL server answers when it cannot store: disk full, read-only
#: transaction (a hot standby after a fail-over, ``default_transaction_read_only``).
_PG_STATES: dict[str, FaultKind] = {"53100": "full", "25006": "read_only"}
#: What SQLite says (lower case), with the name of its result code (SQLITE_FULL,
#: SQLITE_READONLY) or of the system's error that it passes on.
_SQLITE_SAYS: tuple[tuple[str, str, FaultKind], ...] = (
    ("database or disk is full", "SQLITE_FULL", "full"),
    ("readonly database", "SQLITE_READONLY", "read_only"),
    ("read-only file system", "EROFS", "read_only"),
)


@dataclass(frozen=True)
class StorageFault:
    """Why the database stores nothing now."""

    kind: FaultKind
    #: The driver's error class and the code it gave ("psycopg.errors.DiskFull, SQLSTATE
    #: 53100"), never its message: PostgreSQL's names files, and a log line or ``/healthz``
    #: is no place for the driver's words (``kairos.errors.described``).
    reason: str
    since: float  # time.time()

    def describe(self) -> str:
        """One line for a person: what is wrong and what to do."""
        what = "is full" if self.kind == "full" else "is read-only"
        return f"the database {what} ({self.reason}); nothing can be stored until that is fixed"


def classify(error: BaseException) -> StorageFault | None:
    """The storage fault ``error`` (a DBAPI error, or SQLAlchemy's wrapping one) reports."""
    original: Any = getattr(error, "orig", None) or error
    driver = f"{type(original).__module__}.{type(original).__name__}"
    state = getattr(original, "sqlstate", None)
    if state in _PG_STATES:
        return StorageFault(_PG_STATES[state], f"{driver}, SQLSTATE {state}", time.time())
    said = (str(original).strip().splitlines() or [""])[0].lower()
    for words, code, kind in _SQLITE_SAYS:
        if words in said:
            return StorageFault(kind, f"{driver}, {code}", time.time())
    return None


class StorageFaults:
    """The storage fault a database's writes last met, until a write commits again.

    Recorded by the engine's ``handle_error`` event (``kairos.db.Database``), which runs only
    when a statement or a commit fails, so every refused write marks it, a background one (a
    periodic pass, a bus listener, the audit writer) as a request's, and a write that succeeds
    costs nothing more; looked at again, with one write, where it is shown
    (``Database.check_writes``), rather than by a listener on every commit."""

    def __init__(self) -> None:
        self._fault: StorageFault | None = None
        self._lock = threading.Lock()

    @property
    def current(self) -> StorageFault | None:
        """The fault in force, or None."""
        return self._fault

    def record(self, error: BaseException) -> StorageFault | None:
        """Note the fault ``error`` reports, if any (logged when it starts); the fault."""
        fault = classify(error)
        if fault is None:
            return None
        with self._lock:
            known = self._fault
            if known is None or known.kind != fault.kind:
                self._fault = fault
                log.error("%s", fault.describe())
        return fault

    def clear(self) -> None:
        """A write committed: the database stores again."""
        with self._lock:
            if self._fault is not None:
                self._fault = None
                log.warning("the database stores again: a write committed")


def lock_wait_expired(error: BaseException) -> bool:
    """Whether ``error`` says a wait for another writer's lock ran out: SQLite's busy timeout
    (``database is locked``) or PostgreSQL's ``lock_timeout`` (SQLSTATE 55P03). The same
    statement tried again would wait as long again, so nobody retries it at once."""
    original: Any = getattr(error, "orig", None) or error
    if getattr(original, "sqlstate", None) == "55P03":
        return True
    return "database is locked" in (str(original).strip().splitlines() or [""])[0].lower()


class LockWaits:
    """Ordinary contention told from a lock held elsewhere, for a background writer that
    tries again anyway (the audit writer, a periodic pass).

    With two processes on one SQLite file a short wait (``kairos.db.SHORT_BUSY_TIMEOUT_MS``)
    now and then runs out behind the other's commit: the next try succeeds, and nothing is
    worth a log line. Only when waits have run out for ``patience_s`` (a request's whole busy
    timeout) is it an outage (a backup, a script holding the file), said once."""

    def __init__(self, patience_s: float = 10.0) -> None:
        self.patience_s = patience_s
        self._since: float | None = None
        self.said = False

    def expired(self) -> bool:
        """A wait ran out: whether to say so now (once an outage, only once)."""
        now = time.monotonic()
        if self._since is None:
            self._since = now
        if self.said or now - self._since < self.patience_s:
            return False
        self.said = True
        return True

    def passed(self) -> bool:
        """A write went through: whether an outage had been said (and its end is worth a line)."""
        said, self.said, self._since = self.said, False, None
        return said
