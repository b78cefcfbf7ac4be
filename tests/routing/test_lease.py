"""The routing board's lease: one owner at a time, renewed while alive, taken over once expired
with a higher fencing token, and a stale owner fenced out of storing decisions."""

from __future__ import annotations

from datetime import timedelta

from kairos.db import Database, utcnow
from kairos.routing.ownership import LEASE_TTL_S, SiteLease


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
