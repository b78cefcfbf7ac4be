"""The audit log: who read or changed what.

A request the app answers (a read or a change) has its row committed before its answer starts,
a media stream before it is accepted (``write_now``: concurrent requests share one commit), so a
crash after an answer cannot lose its row. A request refused before the app (401, 403, an
agent's 404) or failing before its answer only appends a row to an in-memory queue (a deque
append); a background thread writes the queue in one multi-row insert every ``interval_s``
(sooner when ``batch`` rows wait), and the app flushes it on shutdown. ``GET /v1/audit``
flushes first, so what it shows is complete. Past ``max_queue`` waiting rows (the database gone
for long) new rows are dropped and counted in the log, rather than holding up requests or
memory. The same thread records when tokens were last used, at most every ``touch_s`` seconds.

The rows and the token uses are bookkeeping: they wait at most 200 ms for a SQLite lock another
process holds (``kairos.db.background``), then a row is queued and a use kept for the next
touch, so no request waits out a lock for them. Such a wait running out is quiet (two processes
on one file meet now and then); waits that run out for 10 s are logged once, by class.

What is recorded: every read of an interaction or a customer (``/v1/interactions...``,
``/v1/customers...``, the interaction page), every change (any method but GET, HEAD and OPTIONS)
under ``/v1`` and on the pages, each media stream opened, reads of the audit log, and every
request under ``/v1`` refused with 401 or 403. The live refreshes of an open interaction page
(``/interactions/{id}/panels``) are not recorded again.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.orm import Session

from kairos.db import Database, background, utcnow
from kairos.db_faults import LockWaits, lock_wait_expired
from kairos.errors import by_class, log_failure
from kairos.security import tokens
from kairos.security.models import AuditEntry

log = logging.getLogger(__name__)

Action = Literal["read", "change"]
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# (pattern, resource kind); the first match names the resource, its "id" group the id.
_RESOURCES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(?:/v1)?/interactions/(?P<id>[^/]+)"), "interaction"),
    (re.compile(r"^/wallboard/missed/(?P<id>[^/]+)/verdict"), "interaction"),
    (re.compile(r"^/wallboard/calibration/base-rate/(?P<id>[^/]+)"), "base_rate"),
    (re.compile(r"^/v1/interactions/?$"), "interaction"),
    (re.compile(r"^/v1/customers/(?P<id>\d+)(?:/|$)"), "customer"),
    (re.compile(r"^/v1/customers(?:/|$)"), "customer"),
    (re.compile(r"^/v1/agents/(?P<id>[^/]+)"), "agent"),
    (re.compile(r"^/v1/agents/?$"), "agent"),
    (re.compile(r"^(?:/v1|/wallboard)/messages/(?P<id>[^/]+)"), "key_message"),
    (re.compile(r"^(?:/v1|/wallboard)/messages/?$"), "key_message"),
    (re.compile(r"^(?:/v1|/wallboard)/playbooks/(?P<id>[^/]+)"), "playbook"),
    (re.compile(r"^(?:/v1|/wallboard)/playbooks/?$"), "playbook"),
    (re.compile(r"^/v1/feedback/actions/(?P<id>[^/]+)"), "feedback_action"),
    (re.compile(r"^/v1/outreach/rules/(?P<id>[^/]+)"), "outreach_rule"),
    (re.compile(r"^/v1/queues/?$"), "queue"),
    (re.compile(r"^/v1/(?:events|channels/|media/)"), "events"),
    (re.compile(r"^/v1/surveys/"), "survey"),
    (re.compile(r"^/v1/audit"), "audit"),
    (re.compile(r"^/desktop/"), "agent"),
]
_SURVEY_LINK = re.compile(r"^/v1/surveys/[^/]+")


def resource_of(path: str) -> tuple[str | None, str | None]:
    """The kind and id of what a path names, e.g. ``("interaction", "chat:42")``."""
    for pattern, kind in _RESOURCES:
        match = pattern.match(path)
        if match is not None:
            return kind, match.groupdict().get("id")
    return None, None


def action_of(method: str, path: str, status: int) -> Action | None:
    """Whether (and as what) a request is recorded; None: not recorded."""
    is_api = path.startswith("/v1/")
    if method == "WS":
        return "change" if path.startswith("/v1/media/") else None
    if method not in READ_METHODS:
        return "change" if is_api or not path.startswith("/static/") else None
    if is_api and status in (401, 403):
        return "read"
    if path.startswith(("/v1/interactions", "/v1/customers", "/v1/audit")):
        return "read"
    if path.startswith("/interactions/") and not path.endswith("/panels"):
        return "read"
    return None


def entry(
    *,
    actor: str,
    actor_kind: str,
    action: Action,
    method: str,
    path: str,
    status: int,
    client: str | None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """One row, ready for the writer."""
    path = _storable(path)
    kind, resource_id = resource_of(path)
    shown = _SURVEY_LINK.sub("/v1/surveys/{token}", path)  # the link's token is a credential
    return {
        "at": at or utcnow(),
        "actor": _storable(actor)[:100],
        "actor_kind": actor_kind,
        "action": action,
        "method": _storable(method)[:10],
        "path": shown[:500],
        "resource_kind": kind,
        "resource_id": resource_id[:200] if resource_id else None,
        "status": status,
        "client": _storable(client)[:100] if client else None,
    }


def _storable(text: str) -> str:
    """``text`` with each NUL written ``\\x00``: PostgreSQL's text holds no NUL, and a request
    path may carry one (``%00``); the row must still be written, and say what was asked."""
    return text.replace("\x00", "\\x00")


#: The audit row's insert, built once (also a request's rider: ``kairos.db.Rider``).
INSERT = insert(cast(Table, AuditEntry.__table__))


class AuditWriter:
    """Queues audit rows and token uses; a daemon thread writes them in batches."""

    def __init__(
        self,
        *,
        batch: int = 500,
        interval_s: float = 0.5,
        max_queue: int = 100_000,
        touch_s: float = 30.0,
        idle_exit_s: float = 10.0,
    ) -> None:
        self.batch = batch
        self.interval_s = interval_s
        self.max_queue = max_queue
        self.touch_s = touch_s
        self.idle_exit_s = idle_exit_s
        self.db: Database | None = None
        self.dropped = 0
        self._failing = False  # the last write failed (logged once until one succeeds)
        self._lock_waits = LockWaits()  # SQLite lock waits that ran out, since when
        self._rows: deque[dict[str, Any]] = deque()
        self._used: dict[int, datetime] = {}
        self._last_touch = utcnow()
        self._lock = threading.Lock()  # one flush at a time, in order
        self._start_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopping = False
        # Rows waiting to be written durably, and the lock of the one thread writing them.
        self._durable: list[list[Any]] = []
        self._durable_lock = threading.Lock()
        self._commit_lock = threading.Lock()

    def bind(self, db: Database) -> None:
        """Write to ``db`` (rows queued for another database are written there first)."""
        if self.db is not db:
            if self.db is not None:
                self.flush()
            self.db = db

    def record(self, row: dict[str, Any]) -> None:
        """Queue one row; never blocks."""
        if len(self._rows) >= self.max_queue:
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.error("audit queue full: %d rows dropped so far", self.dropped)
            return
        self._rows.append(row)
        if len(self._rows) >= self.batch:
            self._wake.set()
        self._ensure_thread()

    def write_now(self, row: dict[str, Any]) -> None:
        """Write one row durably now (a read or a change, before its answer); queued instead
        when the database cannot take it.

        Group commit: rows that arrive while another thread is committing wait for it, and the
        next committer writes all of them in one transaction, so concurrent changes share a
        commit instead of queueing one commit each.
        """
        ticket: list[Any] = [row, False]
        with self._durable_lock:
            self._durable.append(ticket)
        with self._commit_lock:
            if ticket[1]:
                return  # a committer before us wrote it
            with self._durable_lock:
                batch, self._durable = self._durable, []
            rows = [t[0] for t in batch]
            db = self.db
            try:
                if db is None:
                    raise RuntimeError("no database bound")
                # Core, on a connection of its own: one statement built once, no ORM session.
                with background(), db.write_lock(), db.engine.begin() as connection:
                    connection.execute(INSERT, rows)
            except Exception as error:  # the database is gone, down or full: queued
                self._failed(error, f"could not write {len(rows)} audit rows now; queued")
                for queued in rows:
                    self.record(queued)
            else:
                self._lock_waits.passed()
            for written in batch:
                written[1] = True

    def write_answered(self, row: dict[str, Any], status: int) -> None:
        """The row of a request answered ``status``: written now (:meth:`write_now`), but queued
        for a 503, which applied and showed nothing: the database that could not take the request
        (a lock held elsewhere) would keep its answer waiting as long again for this row."""
        (self.record if status == 503 else self.write_now)(row)

    def _failed(self, error: Exception, said: str) -> None:
        """Log a failed write: a database error in one line, once until rows are written
        again (the writer tries every ``interval_s``); anything else with its traceback. A
        lock wait that ran out is quiet until they have run out for a while (``LockWaits``)."""
        if lock_wait_expired(error) and not self._lock_waits.expired():
            return
        if not isinstance(error, DBAPIError):
            log.exception("%s", said)
        elif not self._failing:  # by class and statement: the driver's text may quote values
            log.error("%s: %s; trying again every %g s", said, by_class(error), self.interval_s)
        self._failing = True

    def used(self, token_id: int) -> None:
        """Note that a token was used now; written within ``touch_s``."""
        if token_id not in self._used:
            self._used[token_id] = utcnow()
            self._ensure_thread()

    def _ensure_thread(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="kairos-audit-writer", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        with background():  # bookkeeping: no long wait for a lock held elsewhere
            self._write_while_busy()

    def _write_while_busy(self) -> None:
        idle = 0.0
        while not self._stopping:
            self._wake.wait(self.interval_s)
            self._wake.clear()
            written = self.flush(touch=False)
            if (utcnow() - self._last_touch).total_seconds() >= self.touch_s:
                self._touch()
            idle = 0.0 if written or self._rows or self._used else idle + self.interval_s
            if idle >= self.idle_exit_s:
                # Idle: end (the next record() starts another), unless a row came meanwhile.
                with self._start_lock:
                    if not self._rows and not self._used:
                        if self._thread is threading.current_thread():
                            self._thread = None
                        return
                idle = 0.0

    def flush(self, *, touch: bool = True) -> int:
        """Write every queued row now (and, with ``touch``, token uses); the rows written."""
        written = 0
        with self._lock:
            db = self.db
            while self._rows and db is not None:
                rows = [self._rows.popleft() for _ in range(min(len(self._rows), 1000))]
                try:
                    # It tries again shortly: no long wait for a lock held elsewhere, during
                    # which this process's requests would queue behind it (``Database.writer``).
                    with db.writer(patient=False) as connection:
                        connection.execute(INSERT, rows)
                        connection.commit()
                    written += len(rows)
                except DataError:  # a row the database refuses: it alone is lost, not its batch
                    done, kept = self._write_each(db, rows)
                    written += done
                    if kept:
                        break
                except Exception as error:  # the database is gone, down or full: kept
                    self._rows.extendleft(reversed(rows))  # first in line for the next try
                    self._failed(error, f"could not write {len(self._rows)} audit rows; kept")
                    break
            if written:
                self._lock_waits.passed()
            if written and self._failing:
                self._failing = False
                log.warning("audit rows written again (%d now)", written)
        if touch:
            self._touch()
        return written

    def _write_each(self, db: Database, rows: list[dict[str, Any]]) -> tuple[int, bool]:
        """Write ``rows`` one by one, logging and counting each the database refuses; the
        rows written, and whether the database failed meanwhile (the rest are then kept)."""
        written = 0
        for at, row in enumerate(rows):
            try:
                with db.write_lock(), db.session() as session:
                    session.execute(insert(AuditEntry), [row])
                    session.commit()
                written += 1
            except DataError:
                self.dropped += 1
                log_failure(log, "could not write an audit row: %r", row)
            except Exception as error:  # gone, down or full meanwhile: the rest kept
                self._rows.extendleft(reversed(rows[at:]))
                self._failed(error, f"could not write {len(self._rows)} audit rows; kept")
                return written, True
        return written, False

    def _touch(self) -> None:
        self._last_touch = utcnow()
        db = self.db
        if not self._used or db is None:
            return
        used, self._used = self._used, {}
        try:
            with background():
                tokens.touch(db=db, used=used)
        except DBAPIError as error:
            if lock_wait_expired(error):  # kept for the next touch (a later use wins)
                self._used = {**used, **self._used}
                return
            log.error(
                "could not record when %d tokens were last used: %s", len(used), by_class(error)
            )
        except Exception:
            log.exception("could not record when %d tokens were last used", len(used))

    def close(self) -> None:
        """Stop the thread and write what is queued (a later record() starts it again)."""
        with self._start_lock:
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            self._stopping = True
            self._wake.set()
            thread.join(timeout=5)
            self._stopping = False
        self.flush()
        if self._rows:  # the database still refuses them: say what the stop loses
            log.error("stopping with %d audit rows not written (lost)", len(self._rows))


def get_all(
    *,
    session: Session,
    actor: str | None = None,
    actor_kind: str | None = None,
    action: str | None = None,
    resource_kind: str | None = None,
    resource_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[AuditEntry]]:
    """Audit rows matching the filters, newest first, and how many match in all."""
    query = select(AuditEntry)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if actor_kind:
        query = query.where(AuditEntry.actor_kind == actor_kind)
    if action:
        query = query.where(AuditEntry.action == action)
    if resource_kind:
        query = query.where(AuditEntry.resource_kind == resource_kind)
    if resource_id:
        query = query.where(AuditEntry.resource_id == resource_id)
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    ).all()
    return total, list(rows)
