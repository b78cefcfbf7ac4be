"""The routing board's lease: one owner at a time, renewed while alive, taken over once expired
with a higher fencing token, and a stale owner fenced out of storing decisions."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack
from datetime import timedelta

from fastapi.testclient import TestClient
from tests.factories import at, started

from kairos.config import Settings
from kairos.db import Database, utcnow
from kairos.main import create_app
from kairos.routing.models import RoutingLease
from kairos.routing.ownership import LEASE_TTL_S, SiteLease
from kairos.runtime import Runtime, board_mode


def test_one_owner_then_a_takeover_with_a_new_token(migrated_url: str) -> None:
    db = Database(migrated_url)
    first, second = SiteLease(db, owner="p1"), SiteLease(db, owner="p2")
    now = utcnow()
    assert first.renew(now) == 1
    assert second.renew(now) is None  # held
    assert first.renew(now + timedelta(seconds=1)) == 1  # renewed, same token
    with db.session() as session:
        assert first.holds(session) and not second.holds(session)
    # The owner stops renewing (it died): once the lease has run out, the other takes it over.
    later = now + timedelta(seconds=1 + LEASE_TTL_S + 0.1)
    assert second.renew(later) == 2
    assert first.renew(later) is None  # the old owner cannot take it back while it is held
    assert first.token is None
    stale = SiteLease(db, owner="p1")
    stale.token = 1  # a process that still believes it owns the board with the old token
    with db.session() as session:
        assert not stale.holds(session)  # fenced out
    db.dispose()


def test_a_lease_that_ran_out_with_nobody_taking_it_is_still_ours(migrated_url: str) -> None:
    """A busy owner's renewal comes late: its lease has run out, but no other process took it.
    The owner still holds it (its decisions are stored) and its renewal keeps the same token;
    once another process does take it over, the old owner is fenced out."""
    db = Database(migrated_url)
    owner, other = SiteLease(db, owner="p1"), SiteLease(db, owner="p2")
    ran_out = utcnow() - timedelta(seconds=LEASE_TTL_S + 1)  # written 4 s ago, out 1 s ago
    assert owner.renew(ran_out) == 1
    with db.session() as session:
        assert owner.holds(session)  # before 2026-12-07: refused, a 503 for every decision
    assert owner.renew() == 1  # resumed: the same token (before: 2, as if another process)
    assert other.renew() is None  # renewed: held again
    assert owner.renew(utcnow() - timedelta(seconds=LEASE_TTL_S + 1)) == 1  # late once more
    assert other.renew() == 2  # a real takeover: the token goes up
    with db.session() as session:
        assert not owner.holds(session) and other.holds(session)
    assert owner.renew() is None and owner.token is None
    db.dispose()


def test_a_renewal_kept_waiting_still_gets_a_whole_ttl_from_its_write(migrated_url: str) -> None:
    """On SQLite the renewal waits for the process's write lock (a burst of writes holds it):
    the lease it writes lasts a whole TTL from the write, not from the call (before 2026-12-07 a
    renewal kept waiting 3 s wrote a lease that had run out already). On PostgreSQL a burst that
    holds every connection of the shared pool no longer keeps it waiting at all: it renews on a
    connection of its own (before 2026-12-07 it waited for a pooled one, and gave up after the
    pool's timeout)."""
    db = Database(migrated_url)
    lease = SiteLease(db, owner="p1")
    assert lease.renew() == 1
    renewed: list[int | None] = []
    with ExitStack() as held:
        if db.is_sqlite:
            held.enter_context(db.write_lock())
        else:  # pool_size 10, max_overflow 20
            for _ in range(30):
                held.enter_context(db.engine.connect())
        called = utcnow()
        renewing = threading.Thread(target=lambda: renewed.append(lease.renew()))
        renewing.start()
        if not db.is_sqlite:
            renewing.join(1.0)
            assert renewed == [1], "the renewal waited for the shared pool"
        time.sleep(1.5)
        released = utcnow()
    renewing.join(10)
    assert renewed == [1]
    with db.session() as session:
        row = session.get(RoutingLease, "default")
        assert row is not None
        written = released if db.is_sqlite else called
        assert row.expires_at >= written + timedelta(seconds=LEASE_TTL_S)
    lease.close()
    db.dispose()


def test_auto_runs_the_leased_board_on_postgresql_and_a_second_process_waits(
    migrated_url: str,
) -> None:
    """``auto`` on PostgreSQL: the live board under the site's lease (push offers included). A
    second process without Redis cannot hand ``next`` over: it answers 503, changes nothing, and
    serves once the first stops (a clean stop gives the lease up at once)."""
    postgres = not migrated_url.startswith("sqlite")
    settings = Settings(database_url=migrated_url, routing_board="auto" if postgres else "lease")
    assert board_mode(settings, Database(migrated_url)) == "lease"
    first = Runtime.build(settings)
    second = Runtime.build(settings)
    with ExitStack() as stack:
        stack.callback(first.close)  # (closed by its client already: closing again is harmless)
        for runtime in (first, second):
            assert runtime.routing_board is not None and runtime.routing_offers is not None
        assert first.routing_owner is not None and first.routing_owner.owning
        assert second.routing_owner is not None and not second.routing_owner.owning
        with TestClient(create_app(settings, runtime=first)) as client:
            assert client.post("/v1/queues", json={
                "name": "travel", "channel": "chat", "required_skills": [], "policy": "moments",
            }).status_code == 201  # fmt: skip
            for agent in ("ana", "bo"):
                assert client.post("/v1/agents", json={
                    "external_id": agent, "name": agent, "channels": ["chat"],
                    "state": "available",
                }).status_code == 201  # fmt: skip
            events = [started(f"chat-{n}", channel="chat", queue="travel", occurred_at=at(n))
                      for n in range(2)]  # fmt: skip
            assert client.post("/v1/events", json=events).status_code == 200
            taken = client.post("/v1/agents/ana/next").json()["decision"]["interaction_id"]
            other = stack.enter_context(TestClient(create_app(settings, runtime=second)))
            refused = other.post("/v1/agents/bo/next")
            assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
        # The first process stopped (its client closed its runtime) and gave the lease up.
        deadline = time.monotonic() + 5
        while not second.routing_owner.owning:
            assert time.monotonic() < deadline, "the lease was not taken over"
            time.sleep(0.05)
        answer = other.post("/v1/agents/bo/next")
        assert answer.status_code == 200, answer.text
        assert answer.json()["decision"]["interaction_id"] not in (None, taken)
