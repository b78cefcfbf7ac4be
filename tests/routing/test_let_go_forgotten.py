"""Who let a contact go (``let_go``) is forgotten once it can no longer matter: its contact
ended, or was routed to an agent since, or the row is older than the longest
``KAIROS_RETURN_AFTER_PASS_S``. Before, every transfer back to a queue and every decline left a
row for ever: a centre running for years grew the table without end. A row that still keeps a
waiting contact from its agent stays, and routing still reads it."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from tests.factories import at, started
from tests.scale.locked_sqlite import hold, release

from kairos.config import Settings
from kairos.db import Database, utcnow
from kairos.interactions.models import Interaction, LetGo
from kairos.main import create_app
from kairos.routing.live_board import LiveBoard
from kairos.routing.passes import forget_spent, kept_in_database, let_go_since
from kairos.runtime import Runtime


def _rows(db: Database) -> list[tuple[str, str]]:
    with db.session() as session:
        rows = session.execute(
            select(Interaction.external_id, LetGo.agent_id)
            .join(Interaction, Interaction.id == LetGo.interaction_id)
            .order_by(LetGo.id)
        ).all()
    return [(str(i), str(a)) for i, a in rows]


def _post(client: TestClient, *events: dict[str, object]) -> None:
    response = client.post("/v1/events", json=list(events))
    assert response.status_code == 200, response.text


def _transfer(contact: str, n: int, **to: str) -> dict[str, object]:
    return {"type": "transfer", "event_id": f"{contact}-t{n}", "interaction_id": contact,
            "occurred_at": at(100 + n), **to}  # fmt: skip


def _let_three_go(client: TestClient) -> None:
    """Three contacts let go: one then routed to another agent, one then ended, one waiting."""
    body = {"name": "general", "channel": "chat", "required_skills": [], "policy": "fifo"}
    assert client.post("/v1/queues", json=body).status_code == 201
    for name in ("al", "bo"):
        agent = {"external_id": name, "name": name.title(), "channels": ["chat"],
                 "max_concurrency": 3, "state": "available"}  # fmt: skip
        assert client.post("/v1/agents", json=agent).status_code == 201
    for n in range(3):
        phone = f"+1415555030{n}"
        _post(
            client,
            started(f"c{n}", channel="chat", queue="general", occurred_at=at(n), phone=phone),
        )
    # c0: Al takes it and transfers it back; Bo is routed it (Al's pass is spent).
    first = client.post("/v1/agents/al/next")
    assert first.json()["decision"]["interaction_id"] == "c0", first.text
    _post(client, _transfer("c0", 1, to_queue="general"))
    assert client.post("/v1/agents/bo/next").json()["decision"]["interaction_id"] == "c0"
    # c1: transferred to Bo, back to the queue, then it ends (Bo's pass is spent).
    _post(client, _transfer("c1", 2, to_agent="bo"), _transfer("c1", 3, to_queue="general"))
    end = {"type": "interaction.ended", "event_id": "c1-end", "interaction_id": "c1",
           "occurred_at": at(200), "outcome": {"resolved": True}}  # fmt: skip
    _post(client, end)
    # c2: transferred to Al and back: it waits, kept from Al.
    _post(client, _transfer("c2", 4, to_agent="al"), _transfer("c2", 5, to_queue="general"))


def test_rows_that_can_no_longer_matter_go_and_the_one_that_matters_stays(
    client: TestClient, runtime: Runtime
) -> None:
    _let_three_go(client)
    db = runtime.db
    assert _rows(db) == [("c0", "al"), ("c1", "bo"), ("c2", "al")]  # kept for ever before
    assert forget_spent(db) == 2
    assert _rows(db) == [("c2", "al")]
    with db.session() as session:
        assert [r[:2] for r in let_go_since(session, utcnow(), 120)] == [("c2", "al")]
        assert kept_in_database(session, "al", utcnow(), 120) == {"c2"}
    # Routing still keeps c2 from Al, on a board read again from the database (a restart).
    board = runtime.routing_board
    assert isinstance(board, LiveBoard)
    board.drain()
    board.rebuild()
    answer = client.post("/v1/agents/al/next").json()
    assert answer["decision"] is None
    assert "c2, which this agent transferred, goes to another agent first" in answer["message"]
    assert forget_spent(db) == 0
    # Past the longest KAIROS_RETURN_AFTER_PASS_S (3600 s) no process reads it: it goes too.
    assert forget_spent(db, utcnow() + timedelta(seconds=3500)) == 0
    assert forget_spent(db, utcnow() + timedelta(seconds=3601)) == 1
    assert _rows(db) == []


def test_a_running_kairos_forgets_them_by_itself_with_idle_ends_off(
    settings: Settings,
) -> None:
    """The idle end pass runs in every listening process (even with every idle limit 0, which
    ends nothing) and forgets the spent rows."""
    off = {f"idle_end_{c}_minutes": 0 for c in ("call", "chat", "sms", "social", "email")}
    rt = Runtime.build(settings.model_copy(update={**off, "idle_end_interval_s": 0.2}))
    try:
        with TestClient(create_app(rt.settings, runtime=rt)) as client:
            _let_three_go(client)
            deadline = time.monotonic() + 15
            while _rows(rt.db) != [("c2", "al")]:
                assert time.monotonic() < deadline, f"never forgotten: {_rows(rt.db)}"
                time.sleep(0.1)
            with rt.db.session() as session:
                state = session.scalar(
                    select(Interaction.state).where(Interaction.external_id == "c2")
                )
            assert state != "ended"  # no idle end: nothing was ended as timed out
    finally:
        rt.close()


@pytest.fixture
def sqlite_settings(sqlite_url: str) -> Settings:
    from kairos import migrations

    migrations.upgrade(sqlite_url)
    return Settings(database_url=sqlite_url)


def test_a_lock_held_elsewhere_fails_the_pass_at_once_and_the_next_does_it(
    sqlite_settings: Settings,
) -> None:
    """On SQLite the pass is a background writer: a lock another process holds (a backup, a
    script) fails it after 200 ms, not the 10 s busy timeout, and the next pass does the work."""
    rt = Runtime.build(sqlite_settings)
    try:
        with TestClient(create_app(rt.settings, runtime=rt)) as client:
            _let_three_go(client)
        holder = hold(Path(sqlite_settings.database_url.split("///", 1)[1]))
        try:
            began = time.monotonic()
            with pytest.raises(OperationalError, match="locked"):
                forget_spent(rt.db)
            assert time.monotonic() - began < 3, "the pass waited for the lock"
        finally:
            release(holder)
        with rt.db.session() as session:
            assert session.scalar(select(func.count()).select_from(LetGo)) == 3
        assert forget_spent(rt.db) == 2
    finally:
        rt.close()
