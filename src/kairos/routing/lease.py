"""The site's routing lease as one process sees it: taken, renewed, given up, checked.

The lease is a row of ``routing_leases`` (site, owner, fencing token, expiry); what it is for is
told in :mod:`kairos.routing.ownership`. Two things here keep it right across hosts:

**One clock.** Its expiry is written and judged on the database's clock on PostgreSQL
(``clock_timestamp()`` in the statement that takes or renews it), never on a process's own: with
API processes on several hosts, one whose clock ran ahead of the owner's took the lease from a
healthy owner (each renewal looked run out to it: a change of owner, a rebuild, fenced decisions
and 503s at every renewal), and one whose clock ran behind waited that much longer past the TTL
after the owner died. On SQLite, one file on one host, the database's clock is that host's, read
by the process (:func:`kairos.db.utcnow`).

**Its own connection** (PostgreSQL): the renewal runs on an engine of its own (a pool of one,
:func:`_own_engine`), not on the shared pool, so a burst of requests holding every pooled
connection cannot keep the renewal waiting past the lease's expiry (before, such a renewal gave
up after ``KAIROS_DATABASE_POOL_TIMEOUT_S`` and another process could take the board over). On
SQLite a renewal waits for the process's write lock behind the requests' writes whatever its
connection, so it keeps the shared engine.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    Interval,
    Table,
    Update,
    create_engine,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kairos.db import AwareDateTime, Database, utcnow
from kairos.routing.models import RoutingLease

LEASE_TTL_S = 3.0
RENEW_S = 1.0
_LEASES = cast(Table, RoutingLease.__table__).c


def _own_engine(db: Database) -> Engine:
    """An engine of one connection (and one more if two renewals ever overlap) on ``db``'s
    PostgreSQL database, for the lease's statements alone; pinged before each use."""
    return create_engine(
        db.url, pool_size=1, max_overflow=1, pool_pre_ping=True, pool_timeout=10,
        hide_parameters=True,
    )  # fmt: skip


class SiteLease:
    """The lease on one site's board, as one process sees it."""

    def __init__(
        self,
        db: Database,
        site: str = "default",
        owner: str | None = None,
        ttl_s: float = LEASE_TTL_S,
    ) -> None:
        self.db, self.site, self.ttl_s = db, site, ttl_s
        self.owner = owner or f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.token: int | None = None
        #: When the lease we hold runs out, on the monotonic clock.
        self.runs_out_at: float | None = None
        #: Where the lease's statements run: its own engine on PostgreSQL (made when first used).
        self._engine: Engine | None = None

    def _connect(self) -> Connection:
        if self.db.is_sqlite:
            return self.db.engine.connect()
        if self._engine is None:
            self._engine = _own_engine(self.db)
        return self._engine.connect()

    def _clock(self, now: datetime | None) -> ColumnElement[datetime]:
        """The moment the lease is judged and written at: ``now`` if given (a test moves time
        with it), else the database's clock as the statement runs (PostgreSQL), else this
        host's (SQLite: the database's host)."""
        if now is None and not self.db.is_sqlite:
            return func.clock_timestamp(type_=DateTime(timezone=True))
        return literal(now or utcnow(), AwareDateTime())

    def _expiry(self, now: datetime | None) -> ColumnElement[datetime]:
        if now is None and not self.db.is_sqlite:
            ttl = literal(timedelta(seconds=self.ttl_s), Interval())
            return func.clock_timestamp(type_=DateTime(timezone=True)) + ttl
        return literal((now or utcnow()) + timedelta(seconds=self.ttl_s), AwareDateTime())

    def renew(self, now: datetime | None = None) -> int | None:
        """Take the lease if it is free or expired, or extend ours; our token, or None.

        Ours is extended with the same token even when it ran out meanwhile (our renewal came
        late), as long as no other process took it: nobody else decided in between. Extending
        ours is one ``UPDATE`` of ``expires_at`` (a lock that does not conflict with a
        decision's ``FOR KEY SHARE`` on the row); only taking it reads it ``FOR UPDATE`` first,
        which waits for the decisions of the previous owner still in flight. Its expiry counts
        from the write (the database's clock as the statement runs on PostgreSQL; on SQLite the
        clock read once the renewal has the process's write lock; ``now`` when given), not from
        the call: a renewal kept waiting still gets a whole TTL."""
        if self.token is not None and self._extend(now):
            return self.token
        try:
            with self.db.write_lock(), self._connect() as connection:
                token = self._take(connection, now)
                if token is None:
                    connection.rollback()
                    self.token = None
                    return None
                runs_out_at = time.monotonic() + self.ttl_s
                connection.commit()
                self.token, self.runs_out_at = token, runs_out_at
        except IntegrityError:  # another process created the row first
            self.token = None
        return self.token

    def _take(self, connection: Connection, now: datetime | None) -> int | None:
        """In the connection's transaction: the lease made ours if it is free or has run out
        (judged after the row lock, on the clock of :meth:`_clock`); our new token, or None."""
        query = select(_LEASES.token).where(_LEASES.site == self.site).with_for_update()
        token = connection.scalar(query)
        values: dict[str, Any] = {"owner": self.owner, "expires_at": self._expiry(now)}
        if token is None:
            connection.execute(insert(RoutingLease).values(site=self.site, token=1, **values))
            return 1
        taken = connection.execute(
            update(RoutingLease)
            .where(_LEASES.site == self.site, _LEASES.expires_at <= self._clock(now))
            .values(token=_LEASES.token + 1, **values)
        )
        return int(token) + 1 if taken.rowcount == 1 else None

    def _ours(self) -> Update:
        """An update of the lease row as we hold it (our owner and token): renewal and release."""
        return update(RoutingLease).where(
            _LEASES.site == self.site, _LEASES.owner == self.owner, _LEASES.token == self.token
        )

    def _extend(self, now: datetime | None) -> bool:
        """Extend the lease we hold, in one statement; whether it was still ours (run out or
        not: only another process taking it over makes it not ours)."""
        with self.db.write_lock(), self._connect() as connection:
            runs_out_at = time.monotonic() + self.ttl_s
            result = connection.execute(self._ours().values(expires_at=self._expiry(now)))
            connection.commit()
            if result.rowcount != 1:
                return False
            self.runs_out_at = runs_out_at
            return True

    def release(self) -> None:
        """Give the lease up now (a clean stop): the next process takes it over at once."""
        if self.token is None:
            return
        with self.db.write_lock(), self._connect() as connection:
            connection.execute(self._ours().values(expires_at=self._clock(None)))
            connection.commit()
        self.token = None

    def close(self) -> None:
        """Close the lease's own connection (the process stops)."""
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.dispose()

    def params(self) -> dict[str, object] | None:
        """What :func:`kairos.routing.pg_decide.store` checks; None when we hold no token."""
        if self.token is None:
            return None
        return {"site": self.site, "owner": self.owner, "token": self.token}

    def holds(self, connection: Connection | Session) -> bool:
        """In the caller's transaction: whether we still hold the lease with our token (a key
        share lock on PostgreSQL keeps a takeover waiting until the transaction ends). Its
        expiry is not checked: run out but not taken over, it is still ours (see
        :mod:`kairos.routing.ownership`)."""
        if self.token is None:
            return False
        query = (
            select(RoutingLease.token)
            .where(
                RoutingLease.site == self.site,
                RoutingLease.owner == self.owner,
                RoutingLease.token == self.token,
            )
            .with_for_update(read=True, key_share=True)
        )
        return connection.scalar(query) is not None
