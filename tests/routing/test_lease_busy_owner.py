"""A busy owner whose lease renewal comes late keeps routing while no other process takes the
lease: ``next`` and an accepted offer are stored, not answered 503. Once another process does take
the lease over, the old owner's decisions are refused (the fencing token), on both databases."""

from __future__ import annotations

import time
from contextlib import ExitStack
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.exc import TimeoutError as PoolTimeout
from tests.factories import at, started, utterance
from tests.routing.offer_floor import MOT_TEXT, certified_agents, offer_book, wait_for

from kairos.config import Settings
from kairos.db import Database, utcnow
from kairos.main import create_app
from kairos.routing.models import RoutingLease
from kairos.routing.ownership import SiteLease
from kairos.runtime import Runtime


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    """The leased board, its lease renewed only every 100 s: in this test it is the database
    row that says the renewal is late (as a process kept waiting leaves it), not the machine."""
    return Settings(database_url=migrated_url, routing_board="lease", routing_lease_ttl_s=300)


def _arrive(client: TestClient, interaction_id: str, seconds: float) -> None:
    events = [started(interaction_id, channel="chat", queue="travel", occurred_at=at(seconds)),
              utterance(interaction_id, MOT_TEXT, seconds=seconds + 1)]  # fmt: skip
    assert client.post("/v1/events", json=events).status_code == 200


def _run_out(db: Database) -> None:
    """The lease ran out a second ago: its owner's renewal is late, and nobody took it."""
    with db.session() as session:
        session.execute(update(RoutingLease).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()


def test_a_late_renewal_does_not_stop_routing_until_another_process_takes_over(
    client: TestClient, runtime: Runtime
) -> None:
    owner = runtime.routing_owner
    assert owner is not None and owner.owning
    seen: list[dict[str, object]] = []
    runtime.bus.listen(lambda topic, m: seen.append(dict(m)), "routing")
    body = {"name": "travel", "channel": "chat", "required_skills": [], "policy": "moments"}
    assert client.post("/v1/queues", json=body).status_code == 201
    certified_agents(client, "ana", "bo", "cy")
    for n in range(3):
        _arrive(client, f"chat-{n}", n)
    _run_out(runtime.db)
    pulled = client.post("/v1/agents/ana/next")  # before 2026-12-07: 503, "no longer owns"
    assert pulled.status_code == 200, pulled.text
    taken = {pulled.json()["decision"]["interaction_id"]}
    book = offer_book(runtime)
    book.attach("bo")
    offer = wait_for(seen, "routing.offered")[0]  # type: ignore[arg-type]
    _run_out(runtime.db)
    decision = book.accept(offer["offer_id"], "bo")  # before: BoardUnavailable
    assert (decision.interaction_id, decision.agent_id) == (offer["interaction_id"], "bo")
    taken.add(decision.interaction_id)
    assert owner.lease.token == 1  # nobody else decided: the same lease all along
    # Another process takes the lease over now (it had run out): this one may no longer decide.
    _run_out(runtime.db)
    assert SiteLease(runtime.db, owner="another process").renew() == 2
    refused = client.post("/v1/agents/cy/next")
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == "1"
    (left,) = {"chat-0", "chat-1", "chat-2"} - taken
    assert client.get(f"/v1/interactions/{left}").json()["agent_id"] is None


def test_a_renewal_that_finds_the_pool_taken_does_not_stop_routing(migrated_url: str) -> None:
    """A burst of requests holds every pooled connection. On SQLite the renewal waits its pool
    timeout and gives up: the process is busy, not cut off, and still owns the board (before
    2026-12-07 it said 503 to every ``next`` until a renewal got a connection). On PostgreSQL
    the renewal has a connection of its own: it lands all the same, the lease never runs out."""
    settings = Settings(database_url=migrated_url, routing_board="lease",
                        database_pool_timeout_s=0.2)  # fmt: skip
    runtime = Runtime.build(settings)
    try:
        owner = runtime.routing_owner
        assert owner is not None and owner.owning
        with TestClient(create_app(settings, runtime=runtime)) as client:
            body = {"name": "travel", "channel": "chat", "required_skills": [], "policy": "moments"}
            assert client.post("/v1/queues", json=body).status_code == 201
            certified_agents(client, "ana")
            _arrive(client, "chat-0", 0)
            with ExitStack() as burst:
                for _ in range(40):
                    try:
                        burst.enter_context(runtime.db.engine.connect())
                    except PoolTimeout:
                        break
                else:
                    raise AssertionError("the pool never ran out")
                taken = time.monotonic()
                time.sleep(owner.renew_s * 2 + 0.5)  # two renewals meanwhile
                assert owner.owning
                runs_out_at = owner.lease.runs_out_at
            assert runs_out_at is not None
            # Whether a renewal landed after the pool ran out: on SQLite none (they gave up), on
            # PostgreSQL they did (before 2026-12-07 they gave up there too).
            landed = runs_out_at > taken + owner.lease.ttl_s
            assert landed is not runtime.db.is_sqlite
            pulled = client.post("/v1/agents/ana/next")
            assert pulled.status_code == 200, pulled.text
            assert pulled.json()["decision"]["interaction_id"] == "chat-0"
            assert owner.lease.token == 1
    finally:
        runtime.close()
