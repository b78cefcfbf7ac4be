"""Whether the database stores now, asked without a long wait: ``/healthz``'s write probe.

A load balancer's health check gives up after 2 to 5 s. The probe used to wait SQLite's whole
busy timeout (10 s) for a lock another process held (a backup, a script), behind this process's
own writers first: the check timed out and the node was marked dead instead of ``degraded``.
It now waits at most ``PROBE_BUSY_TIMEOUT_MS`` for either lock; an ordinary commit holds them
for milliseconds, so a wait that runs out means the file is held, and ``/healthz`` says
"locked"."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from kairos.db import Database, waiting_at_most
from kairos.db_faults import StorageFault, lock_wait_expired

#: How long the probe waits for a lock, this process's or another's.
PROBE_BUSY_TIMEOUT_MS = 1_000


def check_writes(db: Database) -> StorageFault | None:
    """While a storage fault is recorded, try one write that changes nothing (the migration row
    set to itself): the fault is cleared if it commits. The fault in force; a lock held
    elsewhere meanwhile is noted (:func:`locked_now`) and the fault kept, unknown behind it."""
    if db.faults.current is None:
        return None
    with _write_lock_briefly(db) as held:
        if not held:
            return db.faults.current  # this process is writing, and waits: nothing learnt
        try:
            with waiting_at_most(PROBE_BUSY_TIMEOUT_MS), db.engine.begin() as connection:
                connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
        except SQLAlchemyError as error:
            if lock_wait_expired(error):
                db.lock_wait_expired_at = time.time()
            else:
                db.faults.record(error)  # another error (the database away) keeps the fault
        else:
            db.faults.clear()
            db.lock_wait_expired_at = None  # the lock was free
    return db.faults.current


def locked_now(db: Database) -> bool:
    """On SQLite, whether another process holds the write lock now: ``BEGIN IMMEDIATE`` and a
    rollback (nothing written, no reader disturbed), waiting at most ``PROBE_BUSY_TIMEOUT_MS``.
    A lock met is noted as a request's expired wait is (``Database.locked_elsewhere``)."""
    if not db.is_sqlite or db.engine.url.database in (None, "", ":memory:"):
        return False  # PostgreSQL: rows are locked, not the database; memory: no other process
    with _write_lock_briefly(db) as held:
        if not held:
            return False  # this process is writing: a wait of its that runs out is noted
        with waiting_at_most(PROBE_BUSY_TIMEOUT_MS), db.engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            if raw is None or raw.in_transaction:  # a statement of this thread's under way
                return False
            try:
                raw.execute("BEGIN IMMEDIATE")
                raw.rollback()
            except sqlite3.OperationalError as error:
                if not lock_wait_expired(error):
                    raise
                db.lock_wait_expired_at = time.time()
                return True
    db.lock_wait_expired_at = None  # free now: an earlier wait's "locked" is over
    return False


@contextmanager
def _write_lock_briefly(db: Database) -> Iterator[bool]:
    """This process's write lock (``Database.write_lock``) if it comes within the probe's wait:
    whether it came."""
    if not db.is_sqlite:  # PostgreSQL has no such lock
        yield True
        return
    lock = cast("threading.Lock", db.write_lock())
    if not lock.acquire(timeout=PROBE_BUSY_TIMEOUT_MS / 1000):
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
