"""The routing lease across hosts on PostgreSQL: its expiry is judged on the database's clock, and
its renewal runs on a connection of its own.

Before 2026-12-07 each process judged the lease on its own wall clock: a process whose clock ran
ahead of the owner's took the lease from a healthy owner (a new token, a rebuild, the owner's
decisions fenced out, 503s), and one whose clock ran behind waited that much longer past the TTL
after the owner died. And the renewal borrowed a connection of the shared pool, so a burst of
requests holding them all made it late. A process's skewed clock is this process's wall clock
moved (``kairos.db.utcnow``, what the lease's code read), the database's left as it is. SQLite is
one host: a process's clock is the database's, nothing to skew.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from kairos import db as kairos_db
from kairos import migrations
from kairos.db import Database
from kairos.routing import lease as lease_module
from kairos.routing.lease import LEASE_TTL_S, SiteLease

pytestmark = pytest.mark.postgres


@pytest.fixture
def db(postgres_url: str) -> Iterator[Database]:
    migrations.upgrade(postgres_url)
    database = Database(postgres_url, pool_timeout_s=0.2)
    yield database
    database.dispose()


def _skew(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """From now on this process's wall clock reads ``seconds`` off (another host's clock)."""
    real = kairos_db.utcnow

    def skewed() -> datetime:
        return real() + timedelta(seconds=seconds)

    for module in (kairos_db, lease_module):
        monkeypatch.setattr(module, "utcnow", skewed)


def _left(db: Database) -> float:
    """Seconds the lease row has left, on the database's clock."""
    with db.engine.connect() as connection:
        query = "SELECT extract(epoch FROM expires_at - clock_timestamp()) FROM routing_leases"
        return float(connection.execute(text(query)).scalar_one())


def test_a_process_whose_clock_runs_ahead_does_not_take_a_live_lease(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, ahead = SiteLease(db, owner="p1"), SiteLease(db, owner="p2")
    assert owner.renew() == 1
    _skew(monkeypatch, +60)  # a minute ahead: the owner's lease looks long run out to it
    assert ahead.renew() is None  # before: taken from a healthy owner, token 2
    assert owner.renew() == 1  # the owner, its clock ahead too, renews for the TTL, no more
    assert 0 < _left(db) <= LEASE_TTL_S  # before: 63 s, a dead owner's board idle a minute
    assert ahead.renew() is None
    for lease in (owner, ahead):
        lease.close()


def test_a_process_whose_clock_runs_behind_takes_over_once_the_ttl_has_passed(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ttl = 1.0
    owner, behind = SiteLease(db, owner="p1", ttl_s=ttl), SiteLease(db, owner="p2", ttl_s=ttl)
    assert owner.renew() == 1
    stopped = time.monotonic()  # the owner renews no more (it died)
    _skew(monkeypatch, -60)  # a minute behind: the lease looks good for another minute to it
    while (token := behind.renew()) is None:
        # Before: it waited a minute more (the test gave up here).
        assert time.monotonic() - stopped < ttl + 2.0, "still waiting long past the TTL"
        time.sleep(0.05)
    waited = time.monotonic() - stopped
    assert token == 2 and waited >= ttl - 0.1, waited  # not before the lease ran out
    assert owner.renew() is None  # the old owner is out
    for lease in (owner, behind):
        lease.close()


def test_the_renewal_lands_while_requests_hold_every_pooled_connection(db: Database) -> None:
    lease = SiteLease(db, owner="p1")
    assert lease.renew() == 1
    before = _left(db)
    with ExitStack() as burst:
        for _ in range(30):  # pool_size 10, max_overflow 20: every connection
            burst.enter_context(db.engine.connect())
        with pytest.raises(PoolTimeout):
            db.engine.connect()
        time.sleep(1.0)
        began = time.monotonic()
        assert lease.renew() == 1  # before: PoolTimeout after the pool's 0.2 s
        took = time.monotonic() - began
    # Renewed 1 s on, for a whole TTL from then: about as long left as before, not 1 s less.
    assert _left(db) > before - 0.5, (before, took)
    lease.close()
