"""A database that answers but cannot store: a full disk, a read-only file or server.

``SELECT 1`` still succeeds then, so ``/healthz`` said "ok" while every request that stores
anything failed. Each engine is watched: a write the database refuses for lack of space or
because it is read-only is recorded here (what, why, since when), and the next write that
commits clears it. ``/healthz``, ``/metrics`` and the refusals name the fault.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

FaultKind = Literal["full", "read_only"]

#: SQLSTATEs a PostgreSQL server answers when it cannot store: disk full, read-only
#: transaction (a hot standby after a fail-over, ``default_transaction_read_only``).
_PG_STATES: dict[str, FaultKind] = {"53100": "full", "25006": "read_only"}
#: What SQLite says (its result codes SQLITE_FULL and SQLITE_READONLY), lower case.
_SQLITE_SAYS: tuple[tuple[str, FaultKind], ...] = (
    ("database or disk is full", "full"),
    ("readonly database", "read_only"),
    ("read-only file system", "read_only"),
)
_WRITES = ("insert", "update", "delete")
#: Marks on a pooled connection's ``info``: a write ran while a fault was in force; it was
#: then committed (the commit may still fail: see :meth:`StorageFaults._on_commit`).
_WROTE, _COMMITTED = "kairos_wrote_in_fault", "kairos_committed_in_fault"


@dataclass(frozen=True)
class StorageFault:
    """Why the database stores nothing now."""

    kind: FaultKind
    reason: str
    since: float  # time.time()

    def describe(self) -> str:
        """One line for a person: what is wrong and what to do."""
        what = "is full" if self.kind == "full" else "is read-only"
        return f"the database {what} ({self.reason}); nothing can be stored until that is fixed"


def classify(error: BaseException) -> StorageFault | None:
    """The storage fault ``error`` (a DBAPI error, or SQLAlchemy's wrapping one) reports."""
    original: Any = getattr(error, "orig", None) or error
    state = getattr(original, "sqlstate", None)
    first_line = (str(original).strip().splitlines() or [""])[0][:300]
    if state in _PG_STATES:
        return StorageFault(_PG_STATES[state], first_line, time.time())
    said = first_line.lower()
    for words, kind in _SQLITE_SAYS:
        if words in said:
            return StorageFault(kind, first_line, time.time())
    return None


class StorageFaults:
    """The storage fault an engine's writes last met, until a write commits again."""

    def __init__(self, engine: Engine) -> None:
        self._fault: StorageFault | None = None
        self._lock = threading.Lock()
        event.listen(engine, "handle_error", self._on_error)
        event.listen(engine, "after_cursor_execute", self._on_execute)
        event.listen(engine, "commit", self._on_commit)
        event.listen(engine, "begin", self._on_begin)
        event.listen(engine, "checkin", self._on_checkin)

    @property
    def current(self) -> StorageFault | None:
        """The fault in force, or None when the last write that ended committed."""
        return self._fault

    def _on_error(self, context: Any) -> None:
        if context.connection is not None:  # a commit that failed cleared nothing
            context.connection.info.pop(_COMMITTED, None)
        fault = classify(context.original_exception)
        if fault is None:
            return
        with self._lock:
            known = self._fault
            if known is None or known.kind != fault.kind:
                self._fault = fault
                log.error("%s", fault.describe())

    def _on_execute(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self._fault is not None and statement.lstrip()[:6].lower() in _WRITES:
            conn.info[_WROTE] = True

    def _on_commit(self, conn: Any) -> None:
        # Called before the database commits: whether it did is known once the connection
        # goes back to the pool or begins again without an error in between.
        if conn.info.pop(_WROTE, False):
            conn.info[_COMMITTED] = True

    def _on_begin(self, conn: Any) -> None:
        self._settle(conn.info)

    def _on_checkin(self, dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            self._settle(record.info)

    def _settle(self, info: dict[str, Any]) -> None:
        info.pop(_WROTE, None)  # a write rolled back proves nothing
        if info.pop(_COMMITTED, False) and self._fault is not None:
            with self._lock:
                self._fault = None
            log.warning("the database stores again: a write committed")
