"""Ingest writes the interactions it changed by one Core UPDATE each (``row_writes``): the same
statement the unit of work ran (the changed columns only, by primary key), the same row after."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm.exc import StaleDataError
from tests.factories import ended, started, utterance
from tests.interactions.support import statements

from kairos.interactions.models import EventRecord, Interaction
from kairos.interactions.row_writes import changed_values, write_changed
from kairos.runtime import Runtime


def _row(runtime: Runtime, interaction_id: str) -> dict[str, Any]:
    with runtime.db.session() as session:
        found = session.scalar(select(Interaction).where(Interaction.external_id == interaction_id))
        assert found is not None
        return {c.key: getattr(found, c.key) for c in Interaction.__table__.columns}


def test_one_event_updates_the_changed_columns_once(client: TestClient, runtime: Runtime) -> None:
    assert client.post("/v1/events", json=started("w1")).status_code == 200
    before = _row(runtime, "w1")
    with statements(runtime) as seen:
        body = utterance("w1", "my flight is cancelled and I fly tomorrow", event_id="w1-u1")
        assert client.post("/v1/events", json=body).json()["applied"] == 1
    updates = [s for s in seen if s.startswith("UPDATE interactions")]
    assert len(updates) == 1, seen
    assert updates[0].startswith("UPDATE interactions SET last_event_at=")
    assert "event_count=" in updates[0] and "assessment=" in updates[0]
    assert "state=" not in updates[0] and "channel=" not in updates[0]  # unchanged: not written
    after = _row(runtime, "w1")
    assert after["event_count"] == before["event_count"] + 1 == after["assessed_seq"]
    assert after["assessment"] is not None and after["mot_score"] is not None
    assert {k: v for k, v in after.items() if k not in _MOVED} == {
        k: v for k, v in before.items() if k not in _MOVED
    }


_MOVED = {"event_count", "assessed_seq", "last_event_at", "mot_score", "cube", "assessment"}


def test_an_end_and_a_batch_leave_the_rows_the_events_say(
    client: TestClient, runtime: Runtime
) -> None:
    events = [started("w2"), utterance("w2", "hello", event_id="w2-u1"), ended("w2")]
    assert client.post("/v1/events", json=events).json()["applied"] == 3
    row = _row(runtime, "w2")
    assert (row["state"], row["event_count"], row["assessed_seq"]) == ("ended", 3, 3)
    assert row["outcome"] == {"resolved": True} and row["ended_at"] is not None
    with runtime.db.session() as session:
        seqs = session.scalars(
            select(EventRecord.seq).join(Interaction).where(Interaction.external_id == "w2")
        ).all()
    assert sorted(seqs) == [1, 2, 3]


def test_a_value_set_to_what_is_stored_is_not_written(runtime: Runtime, client: TestClient) -> None:
    assert client.post("/v1/events", json=started("w3")).status_code == 200
    query = select(Interaction).where(Interaction.external_id == "w3")
    with runtime.db.session() as session, statements(runtime) as seen:
        row = session.scalar(query)
        assert row is not None
        row.state = row.state  # a change event, no change of value
        assert row in session.dirty and changed_values(row) == {}
        assert write_changed(session) == 0
        session.commit()
    assert not any(s.startswith("UPDATE") for s in seen)
    with runtime.db.session() as session:
        row = session.scalar(query)
        assert row is not None
        row.state = "escalated"
        assert changed_values(row) == {"state": "escalated"}
        assert write_changed(session) == 1
        assert row not in session  # written: nothing left for the commit to flush
        session.commit()
    assert _row(runtime, "w3")["state"] == "escalated"


def test_a_row_gone_meanwhile_is_an_error_as_with_the_unit_of_work(
    runtime: Runtime, client: TestClient
) -> None:
    assert client.post("/v1/events", json=started("w4")).status_code == 200
    with runtime.db.session() as session:
        row = session.scalar(select(Interaction).where(Interaction.external_id == "w4"))
        assert row is not None
        connection = session.connection()  # behind the session's back, as another writer would
        connection.execute(delete(EventRecord).where(EventRecord.interaction_id == row.id))
        connection.execute(delete(Interaction).where(Interaction.id == row.id))
        row.event_count += 1
        with pytest.raises(StaleDataError):
            write_changed(session)
