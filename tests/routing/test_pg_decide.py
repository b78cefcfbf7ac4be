"""``next`` on PostgreSQL: the decision, its assignment and the request's audit row stored by one
statement in one round trip, and the board's kept connection replaced when the server drops it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from psycopg import pq
from sqlalchemy import Connection, event, func, select, text
from tests.factories import at, ended, started

from kairos import migrations
from kairos.config import Settings
from kairos.db import Database
from kairos.main import create_app
from kairos.routing import live_next, pg_decide
from kairos.routing.live_board import LiveBoard
from kairos.routing.models import Agent, Assignment, RoutingDecision
from kairos.security.models import AuditEntry

pytestmark = pytest.mark.postgres
AGENTS = ("ana", "bo", "cy", "dee", "eve", "fay")


@pytest.fixture
def client(postgres_url: str) -> Iterator[TestClient]:
    """An app on PostgreSQL (``auto``: the leased board) with a queue, six agents (one call at a
    time each) and five waiting calls."""
    migrations.upgrade(postgres_url)
    with TestClient(create_app(Settings(database_url=postgres_url))) as client:
        body = {"name": "travel", "channel": "call", "required_skills": [], "policy": "moments"}
        assert client.post("/v1/queues", json=body).status_code == 201
        for agent in AGENTS:
            assert client.post("/v1/agents", json={
                "external_id": agent, "name": agent, "channels": ["call"], "state": "available",
            }).status_code == 201  # fmt: skip
        events = [started(f"c{n}", queue="travel", occurred_at=at(n)) for n in range(5)]
        assert client.post("/v1/events", json=events).status_code == 200
        yield client


def _board(client: TestClient) -> LiveBoard:
    board = client.app.state.runtime.routing_board  # type: ignore[attr-defined]
    assert isinstance(board, LiveBoard) and board.line is not None
    return board


def _line(board: LiveBoard) -> Connection:
    assert board.line is not None
    connection = board.line._connection
    assert connection is not None, "the board has not stored a decision yet"
    return connection


@contextmanager
def _traced(connection: Connection, path: Path) -> Iterator[list[str]]:
    """What the client sends on ``connection`` while the block runs, as libpq traces it: the
    names of the frontend messages (``Query``, ``Parse``, ``Bind``, ``Execute``, ``Sync``...)."""
    pgconn = connection.connection.driver_connection.pgconn  # type: ignore[union-attr]
    sent: list[str] = []
    with path.open("w") as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            yield sent
        finally:
            pgconn.untrace()
    for line in path.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) > 2 and parts[0] == "F":
            sent.append(parts[2].split(" ")[0])


@contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    """Every statement any connection of ``db`` runs while the block runs."""
    ran: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        ran.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield ran
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def _round_trips(sent: list[str]) -> int:
    """A round trip ends with a ``Sync`` (extended protocol) or is a ``Query`` (simple)."""
    return sum(1 for name in sent if name in ("Sync", "Query"))


def test_next_is_one_statement_and_one_round_trip(client: TestClient, tmp_path: Path) -> None:
    """After the first decision (the board's connection opened), a ``next`` sends one statement
    in one round trip: no ``BEGIN``, no ``COMMIT``, nothing on another connection; the decision,
    the assignment and the request's audit row are all stored, once."""
    board = _board(client)
    assert client.post("/v1/agents/ana/next").status_code == 200
    db = client.app.state.runtime.db  # type: ignore[attr-defined]
    with _statements(db) as ran, _traced(_line(board), tmp_path / "trace") as sent:
        answer = client.post("/v1/agents/bo/next")
    assert answer.status_code == 200, answer.text
    assert _round_trips(sent) == 1, sent
    # The statement goes to psycopg directly (not through SQLAlchemy's execute): nothing at all
    # through SQLAlchemy, so the audit row below was written by the decision's statement.
    assert ran == [], ran
    taken = answer.json()["decision"]
    with db.session() as session:
        decisions = session.scalars(
            select(RoutingDecision).where(RoutingDecision.id == taken["id"])
        ).all()
        assert len(decisions) == 1 and decisions[0].queue == "travel"
        assert session.scalar(
            select(func.count()).select_from(Assignment).where(
                Assignment.decision_id == taken["id"]
            )
        ) == 1  # fmt: skip
        audited = session.scalars(
            select(AuditEntry.status).where(AuditEntry.path == "/v1/agents/bo/next")
        ).all()
    assert audited == [200]  # stored with the decision, and not a second time


def test_the_peer_several_statements_in_a_transaction_is_four_round_trips(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What ``benchmarks/routing_http.py`` times beside it (the code before): ``BEGIN``, the
    statement, the audit row, ``COMMIT``; the same rows stored."""
    board = _board(client)
    monkeypatch.setattr(live_next, "ONE_STATEMENT", False)
    assert client.post("/v1/agents/ana/next").status_code == 200
    with _traced(_line(board), tmp_path / "trace") as sent:
        answer = client.post("/v1/agents/bo/next")
    assert answer.status_code == 200 and answer.json()["decision"]["interaction_id"] == "c1"
    assert _round_trips(sent) == 4, sent
    db = client.app.state.runtime.db  # type: ignore[attr-defined]
    with db.session() as session:
        audited = session.scalars(
            select(AuditEntry.status).where(AuditEntry.path == "/v1/agents/bo/next")
        ).all()
    assert audited == [200]


def test_nothing_to_take_stores_the_audit_row_on_its_own(client: TestClient) -> None:
    """Nothing waiting: no decision, and the request's audit row is still stored (once)."""
    for agent in AGENTS[:5]:
        assert client.post(f"/v1/agents/{agent}/next").json()["decision"] is not None
    answer = client.post("/v1/agents/fay/next")
    assert answer.status_code == 200 and answer.json()["decision"] is None
    db = client.app.state.runtime.db  # type: ignore[attr-defined]
    with db.session() as session:
        audited = session.scalars(
            select(AuditEntry.status).where(AuditEntry.path.like("/v1/agents/%/next"))
        ).all()
    assert audited == [200] * 6


def test_a_lost_connection_is_replaced_and_the_next_decision_is_right(
    client: TestClient,
) -> None:
    """The server ends the board's kept connection (a restart, an administrator): the next
    ``next`` opens another and decides right: the oldest call still waiting, stored once."""
    board = _board(client)
    first = client.post("/v1/agents/ana/next").json()["decision"]["interaction_id"]
    line = _line(board)
    pid = line.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
    db = client.app.state.runtime.db  # type: ignore[attr-defined]
    with db.engine.connect() as admin:
        assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    time.sleep(0.2)  # the server's last words reach the socket
    answer = client.post("/v1/agents/bo/next")
    assert answer.status_code == 200, answer.text
    second = answer.json()["decision"]["interaction_id"]
    assert (first, second) == ("c0", "c1")
    assert _line(board) is not line  # a new connection
    with db.session() as session:
        stored = session.execute(
            select(RoutingDecision.interaction_id, func.count())
            .group_by(RoutingDecision.interaction_id)
        ).all()  # fmt: skip
    assert len(stored) == 2 and all(count == 1 for _, count in stored)


def test_a_connection_broken_unseen_answers_503_then_the_next_decides_on_a_new_one(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server drops the board's connection and nothing warns before it is used (no ping):
    the statement fails on the driver, ``next`` answers 503 (SQLAlchemy's error, as before) with
    the board as it was, and the next ``next`` takes the same contact on a new connection."""
    board = _board(client)
    assert client.post("/v1/agents/ana/next").status_code == 200
    line = _line(board)
    monkeypatch.setattr(pg_decide, "IDLE_PING_S", 3600.0)
    monkeypatch.setattr(pg_decide, "_spoke", lambda connection: False)
    pid = line.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
    db = client.app.state.runtime.db  # type: ignore[attr-defined]
    with db.engine.connect() as admin:
        assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    time.sleep(0.2)
    answer = client.post("/v1/agents/bo/next")
    assert answer.status_code == 503, answer.text
    assert "c1" in board.waiting and board.agents["bo"].load == 0
    answer = client.post("/v1/agents/bo/next")
    assert answer.status_code == 200, answer.text
    assert answer.json()["decision"]["interaction_id"] == "c1"
    assert _line(board) is not line
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(RoutingDecision)) == 2


def test_an_agent_held_busy_asks_again_in_one_round_trip(
    client: TestClient, tmp_path: Path
) -> None:
    """Kairos made an agent busy when it filled up; once its contact ends, its next ask makes it
    available and gives it the next contact in the same one statement (busy again: full); with
    nothing left to take, it is stored available."""
    board = _board(client)
    db = client.app.state.runtime.db  # type: ignore[attr-defined]
    for n in range(4):  # ana takes one after another; the others wait for nobody
        taken = client.post("/v1/agents/ana/next").json()["decision"]["interaction_id"]
        assert taken == f"c{n}"
        assert client.post("/v1/events", json=[ended(taken)]).status_code == 200
        _wait_for(lambda: board.agents["ana"].load == 0)
        assert board.agents["ana"].state == "busy"
    with _traced(_line(board), tmp_path / "trace") as sent:
        answer = client.post("/v1/agents/ana/next")
    assert answer.json()["decision"]["interaction_id"] == "c4"
    assert _round_trips(sent) == 1, sent
    assert _state(db, "ana") == "busy"
    assert client.post("/v1/events", json=[ended("c4")]).status_code == 200
    _wait_for(lambda: board.agents["ana"].load == 0)
    answer = client.post("/v1/agents/ana/next")
    assert answer.status_code == 200 and answer.json()["decision"] is None
    assert _state(db, "ana") == "available"
    with db.session() as session:
        audited = session.scalars(
            select(AuditEntry.status).where(AuditEntry.path == "/v1/agents/ana/next")
        ).all()
    assert audited == [200] * 6


def _state(db: Database, agent_id: str) -> str:
    with db.session() as session:
        state: str = session.scalars(select(Agent.state).where(Agent.external_id == agent_id)).one()
    return state


def _wait_for(check: Any, timeout_s: float = 2.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "the board did not catch up"
        time.sleep(0.002)
