"""The idle sweep's query reads the open contacts through a partial index, not the whole table."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import Engine, create_engine, insert, text

from kairos.db import utcnow
from kairos.interactions.idle import idle_query
from kairos.interactions.models import Interaction

INDEX = "ix_interactions_open_last_event"
LIMITS = {"call": timedelta(hours=4), "chat": timedelta(minutes=30), "sms": timedelta(hours=24)}


def _fill(engine: Engine, *, ended: int, open_: int) -> None:
    """Many ended contacts (a centre's history) and a few in progress, some of them silent."""
    now = utcnow()
    rows = [
        {
            "external_id": f"c{n}",
            "channel": ("call", "chat", "sms", "email")[n % 4],
            "state": "ended" if n < ended else "open",
            "started_at": now - timedelta(days=30, minutes=n % 5000),
            "last_event_at": now - timedelta(days=29, minutes=n % 5000)
            if n < ended
            else now - timedelta(hours=(n % 48)),
            "ended_at": now - timedelta(days=29) if n < ended else None,
        }
        for n in range(ended + open_)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Interaction), rows)
        connection.execute(text("ANALYZE"))


def _plan(engine: Engine) -> str:
    statement = idle_query(LIMITS, utcnow())
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
            rows = connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
            return "\n".join(str(r[-1]) for r in rows)
        compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
        [[plan]] = connection.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}")).all()
        return json.dumps(plan)


def test_the_idle_sweep_reads_open_contacts_through_its_partial_index(migrated_url: str) -> None:
    engine = create_engine(migrated_url)
    try:
        _fill(engine, ended=20_000, open_=60)
        plan = _plan(engine)
        assert INDEX in plan, plan
        assert "Seq Scan" not in plan, plan  # PostgreSQL: not the whole table
        if engine.dialect.name == "sqlite":
            assert all("USING" in line for line in plan.splitlines() if "SCAN" in line), plan
        # And the statement still finds what the sweep needs, the longest silent first.
        with engine.connect() as connection:
            found = connection.execute(idle_query(LIMITS, utcnow())).all()
        assert found and all(int(i[1:]) >= 20_000 for i, _, _ in found)
        assert [r[2] for r in found] == sorted(r[2] for r in found)
    finally:
        engine.dispose()
