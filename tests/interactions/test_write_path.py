"""Ingest's per-event statements as driver SQL (``write_path``) store what the Core statements
stored: the same rows, column by column, in the same stored form, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from sqlalchemy import Table, event, insert, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from kairos.db import Database
from kairos.interactions import write_path
from kairos.interactions.models import AssessmentRecord, EventRecord, Interaction

_EVENTS = cast(Table, EventRecord.__table__)
_ASSESSMENTS = cast(Table, AssessmentRecord.__table__)
_INTERACTIONS = cast(Table, Interaction.__table__)
# Not UTC, with microseconds: the stored form is the aware time in UTC.
_WHEN = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=timezone(timedelta(hours=-5)))
_PAYLOAD: dict[str, Any] = {
    "text": 'Mon vol est annulé \u2014 "demain" \\ 東京',
    "speaker": "customer",
    "n": [1, 2.5, None, True],
    "nested": {"a": {}, "b": []},
}


def _listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    """A listener for statements: with one, ``write_path`` runs them by ``exec_driver_sql``."""


@pytest.fixture(params=["cursor", "listened"])
def db(migrated_url: str, request: pytest.FixtureRequest) -> Any:
    """Two interactions on each database; the statements run on the DBAPI cursor, or through
    ``exec_driver_sql`` while something listens on the engine."""
    database = Database(migrated_url)
    if request.param == "listened":
        event.listen(database.engine, "before_cursor_execute", _listen)
    with database.session() as session:
        for external_id in ("wp-1", "wp-2"):
            session.add(
                Interaction(
                    external_id=external_id,
                    channel="chat",
                    state="open",
                    started_at=_WHEN,
                    last_event_at=_WHEN,
                    event_count=0,
                    outcome={"resolved": None, "note": "é"},
                )
            )
        session.commit()
    yield database
    database.dispose()


def _ids(db: Database) -> dict[str, int]:
    with db.session() as session:
        rows = session.execute(select(Interaction.external_id, Interaction.id)).all()
    return {external_id: row_id for external_id, row_id in rows}


def _event(interaction_id: int, event_id: str, seq: int) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "interaction_id": interaction_id,
        "seq": seq,
        "type": "utterance",
        "occurred_at": _WHEN,
        "received_at": _WHEN + timedelta(seconds=1),
        "payload": _PAYLOAD,
    }


def _assessment(interaction_id: int, event_id: str) -> dict[str, Any]:
    return {
        "interaction_id": interaction_id,
        "event_id": event_id,
        "mot_score": 0.123456789012345,
        "cube": "high-stakes/urgent",
        "model_version": "semantic-v2",
        "payload": {**_PAYLOAD, "mot_score": 0.123456789012345},
        "created_at": _WHEN,
    }


def _stored(db: Database, table: Table, key: str, value: Any) -> tuple[Any, dict[str, Any]]:
    """A row as the database holds it (every column as text) and as the ORM reads it."""
    columns = ", ".join(f"CAST({c.name} AS TEXT)" for c in table.columns if c.name != "id")
    with db.engine.connect() as connection:
        raw = connection.execute(
            text(f"SELECT {columns} FROM {table.name} WHERE {key} = :v"), {"v": value}
        ).one()
        read = connection.execute(select(table).where(table.c[key] == value)).one()._asdict()
    read.pop("id")
    return tuple(raw), read


def test_inserts_store_the_rows_the_core_inserts_stored(db: Database) -> None:
    ids = _ids(db)
    with db.session() as session:
        session.connection().execute(insert(_EVENTS), [_event(ids["wp-1"], "core-e", 1)])
        session.connection().execute(insert(_ASSESSMENTS), [_assessment(ids["wp-1"], "core-e")])
        write_path.insert_events(session, [_event(ids["wp-2"], "fast-e", 1)])
        write_path.insert_assessments(session, [_assessment(ids["wp-2"], "fast-e")])
        # Several rows: one executemany.
        write_path.insert_events(
            session, [_event(ids["wp-2"], f"fast-e{n}", n) for n in range(2, 5)]
        )
        session.commit()
    for table in (_EVENTS, _ASSESSMENTS):
        core_raw, core_read = _stored(db, table, "event_id", "core-e")
        fast_raw, fast_read = _stored(db, table, "event_id", "fast-e")
        # Only the interaction and the event id differ; every other column is stored alike.
        differs = {
            i
            for i, c in enumerate(c for c in table.columns if c.name != "id")
            if c.name in ("interaction_id", "event_id")
        }
        assert [v for i, v in enumerate(core_raw) if i not in differs] == [
            v for i, v in enumerate(fast_raw) if i not in differs
        ]
        for key in ("interaction_id", "event_id"):
            core_read.pop(key), fast_read.pop(key)
        assert core_read == fast_read
    _, read = _stored(db, _EVENTS, "event_id", "fast-e")
    assert read["payload"] == _PAYLOAD and read["occurred_at"] == _WHEN.astimezone(UTC)
    with db.session() as session:
        seqs = session.scalars(select(EventRecord.seq).where(EventRecord.event_id.like("fast-e%")))
        assert sorted(seqs) == [1, 2, 3, 4]


def test_a_repeated_event_id_raises_the_integrity_error_ingest_retries_on(db: Database) -> None:
    ids = _ids(db)
    with db.session() as session:
        write_path.insert_events(session, [_event(ids["wp-1"], "dup", 1)])
        session.commit()
    with db.session() as session, pytest.raises(IntegrityError):
        write_path.insert_events(session, [_event(ids["wp-1"], "dup", 2)])
    with db.session() as session:  # nothing half-stored
        assert session.scalars(select(EventRecord.seq).where(EventRecord.event_id == "dup")).all()


def test_the_update_stores_what_the_core_update_stored(db: Database) -> None:
    ids = _ids(db)
    values = {
        "state": "ended",
        "ended_at": _WHEN + timedelta(minutes=5),
        "event_count": 7,
        "mot_score": 0.987654321,
        "assessment": _PAYLOAD,
        "outcome": {"resolved": True, "survey": {"csat": 2}},
        "agent_id": None,
    }
    with db.session() as session:
        stmt = update(_INTERACTIONS).where(_INTERACTIONS.c.id == ids["wp-1"])
        session.connection().execute(stmt, values)
        write_path.update_interaction(session, ids["wp-2"], values)
        session.commit()
    core_raw, core_read = _stored(db, _INTERACTIONS, "id", ids["wp-1"])
    fast_raw, fast_read = _stored(db, _INTERACTIONS, "id", ids["wp-2"])
    # All but the external id and the seeded rows' own insert time, in the stored form.
    names = [c.name for c in _INTERACTIONS.columns if c.name != "id"]
    kept = [i for i, n in enumerate(names) if n not in ("external_id", "created_at")]
    assert [core_raw[i] for i in kept] == [fast_raw[i] for i in kept]
    for read in (core_read, fast_read):
        read.pop("external_id"), read.pop("created_at")
    assert core_read == fast_read
    with db.session() as session, pytest.raises(StaleDataError):
        write_path.update_interaction(session, 10**9, {"state": "open"})


def test_the_locked_read_gives_the_object_the_orm_loads(db: Database) -> None:
    ids = _ids(db)
    with db.session() as session:
        write_path.insert_events(session, [_event(ids["wp-1"], "seen", 1)])
        session.commit()
    with db.session() as session:
        loaded = session.scalar(select(Interaction).where(Interaction.external_id == "wp-1"))
        assert loaded is not None
        expected = {c.key: getattr(loaded, c.key) for c in _INTERACTIONS.columns}
    with db.session() as session:
        found = write_path.locked_one(session, "seen", "wp-1")
        assert found is not None
        interaction, stored = found
        assert stored is True
        state = inspect(interaction)
        assert state.persistent and not session.dirty and not state.committed_state
        assert "assessment" in state.unloaded  # not read; read on demand, as deferred
        got = {c.key: getattr(interaction, c.key) for c in _INTERACTIONS.columns}
        assert got == expected
        # A second read in the same session gives the same object.
        again = write_path.locked_one(session, "new", "wp-1")
        assert again is not None and again[0] is interaction and again[1] is False
        assert write_path.locked_one(session, "seen", "nobody") is None
