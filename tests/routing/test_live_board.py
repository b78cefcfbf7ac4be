"""The live routing board: built from the database at start, kept current from the bus, deciding
as the database path does, and never assigning a contact twice or an agent past its capacity
under concurrent requests."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import at, ended, started, utterance

from kairos.config import Settings
from kairos.errors import Conflict
from kairos.main import create_app
from kairos.routing import live_next
from kairos.routing.live_board import LiveBoard
from kairos.routing.models import Agent, Assignment
from kairos.runtime import Runtime

MOT_TEXT = "My flight was cancelled and I am stranded at the airport, I need to get rebooked now"


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    """The board in the process on SQLite; on PostgreSQL what ``auto`` picks: the leased board,
    whose decisions are stored with one statement."""
    sqlite = migrated_url.startswith("sqlite")
    return Settings(database_url=migrated_url, routing_board="memory" if sqlite else "auto")


def _board(runtime: Runtime) -> LiveBoard:
    board = runtime.routing_board
    assert isinstance(board, LiveBoard)
    return board


def _agent(client: TestClient, agent_id: str, **extra: Any) -> None:
    body = {"external_id": agent_id, "name": agent_id, "skills": {"travel": 3},
            "channels": ["call"], "state": "available", **extra}  # fmt: skip
    assert client.post("/v1/agents", json=body).status_code == 201


def _queue(client: TestClient, name: str = "travel", policy: str = "moments") -> None:
    body = {"name": name, "channel": "call", "required_skills": ["travel"], "policy": policy}
    assert client.post("/v1/queues", json=body).status_code == 201


def _enqueue(client: TestClient, interaction_id: str, *texts: str, seconds: float = 0) -> None:
    events = [started(interaction_id, queue="travel", occurred_at=at(seconds))]
    events += [utterance(interaction_id, t, seconds=seconds + 1 + n) for n, t in enumerate(texts)]
    assert client.post("/v1/events", json=events).status_code == 200


def _wait_for(check: Any, timeout_s: float = 2.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "the board did not catch up"
        time.sleep(0.002)


def test_the_board_follows_arrivals_assessments_and_ends(
    client: TestClient, runtime: Runtime
) -> None:
    board = _board(runtime)
    _queue(client)
    _enqueue(client, "routine", "Hi, I want to check my seat.", seconds=0)
    _enqueue(client, "later", "Can I add a bag?", seconds=30)
    _wait_for(lambda: board.snapshot("later") is not None)
    before = board.snapshot("later")
    assert before is not None and before.mot_score < 0.5
    # The later contact becomes a moment of truth: re-prioritised at once, without a rebuild.
    more = utterance("later", MOT_TEXT, seconds=40)
    assert client.post("/v1/events", json=[more]).status_code == 200
    _wait_for(lambda: (board.snapshot("later") or before).mot_score >= 0.5)
    _agent(client, "ana", mot_certified=True, empathy=0.9)
    first = client.post("/v1/agents/ana/next").json()["decision"]
    assert first["interaction_id"] == "later"
    # The reasons in plain words; the raw factors stay beside them.
    assert first["summary"].startswith("moment of truth: travel disruption, waited ")
    assert first["summary"].endswith("; you: certified, empathy 0.9, proficiency 3")
    assert {r["factor"] for r in first["reasons"]} >= {"mot_score", "agent_empathy"}
    assert board.snapshot("later") is None and board.agents["ana"].load == 1
    assert board.agents["ana"].state == "busy"  # filled: max_concurrency 1
    assert client.post("/v1/agents/ana/next").status_code == 409
    # The end frees her; Kairos had made her busy, so her next ask makes her available again.
    assert client.post("/v1/events", json=[ended("later")]).status_code == 200
    _wait_for(lambda: board.agents["ana"].load == 0)
    second = client.post("/v1/agents/ana/next").json()["decision"]
    assert second["interaction_id"] == "routine"
    # The customer who hangs up while waiting leaves the board.
    _enqueue(client, "gone", "hello?", seconds=90)
    _wait_for(lambda: board.snapshot("gone") is not None)
    assert client.post("/v1/events", json=[ended("gone")]).status_code == 200
    _wait_for(lambda: board.snapshot("gone") is None)


def test_a_new_process_rebuilds_the_board_from_the_database(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        _queue(client)
        for n in range(5):
            _enqueue(client, f"c{n}", "Where is my refund?", seconds=n)
        _agent(client, "ana", max_concurrency=2)
        assert client.post("/v1/agents/ana/next").json()["decision"]["interaction_id"] == "c0"
    with TestClient(create_app(settings)) as client:
        board = client.app.state.runtime.routing_board  # type: ignore[attr-defined]
        assert isinstance(board, LiveBoard)
        assert sorted(board.waiting) == ["c1", "c2", "c3", "c4"]
        assert board.agents["ana"].load == 1
        assert client.post("/v1/agents/ana/next").json()["decision"]["interaction_id"] == "c1"
        assert client.post("/v1/agents/ana/next").status_code == 409  # two held: full


def test_live_and_database_paths_make_the_same_decisions(sqlite_url: str, tmp_path: Any) -> None:
    from kairos import migrations

    picks: dict[str, list[str | None]] = {}
    for mode in ("memory", "database"):
        url = f"sqlite:///{tmp_path / f'{mode}.db'}"
        migrations.upgrade(url)
        with TestClient(create_app(Settings(database_url=url, routing_board=mode))) as client:
            _queue(client)
            _queue(client, "fifo-travel", policy="fifo")
            texts = ["Can I change my seat?", MOT_TEXT, "Add a bag please", "Refund status?"]
            for n in range(12):
                queue = "travel" if n % 3 else "fifo-travel"
                event = started(f"c{n}", queue=queue, occurred_at=at(n * 10))
                said = utterance(f"c{n}", texts[n % 4], seconds=n * 10 + 1)
                assert client.post("/v1/events", json=[event, said]).status_code == 200
            for n in range(6):
                _agent(client, f"a{n}", mot_certified=n % 2 == 0, empathy=n / 10,
                       max_concurrency=2)  # fmt: skip
            runtime = client.app.state.runtime  # type: ignore[attr-defined]
            assert (runtime.routing_board is not None) == (mode == "memory")
            picks[mode] = []
            now = datetime.fromisoformat(at(600))
            for n in range(14):
                try:
                    decision, _ = live_next.next_for_agent(runtime, agent_id=f"a{n % 6}", now=now)
                except Conflict:
                    picks[mode].append("409")
                    continue
                picks[mode].append(decision.interaction_id if decision else None)
    assert picks["memory"] == picks["database"]
    assert picks["memory"][-2:] == ["409", "409"]  # 6 agents x 2: full after 12
    assert len({p for p in picks["memory"] if p not in (None, "409")}) == 12


@pytest.fixture
def crowd(client: TestClient) -> Iterator[TestClient]:
    _queue(client)
    events = [started(f"c{n}", queue="travel", occurred_at=at(n)) for n in range(120)]
    assert client.post("/v1/events", json=events).status_code == 200
    for n in range(30):
        _agent(client, f"a{n}", max_concurrency=1 + n % 3)
    yield client


def test_concurrent_asks_never_assign_a_contact_twice_nor_overbook(
    crowd: TestClient, runtime: Runtime
) -> None:
    def ask(n: int) -> str | None:
        response = crowd.post(f"/v1/agents/a{n % 30}/next")
        assert response.status_code in (200, 409), response.text
        decision = response.json().get("decision") if response.status_code == 200 else None
        return decision["interaction_id"] if decision else None

    with ThreadPoolExecutor(max_workers=8) as pool:
        taken = [i for i in pool.map(ask, range(200)) if i is not None]
    assert len(taken) == len(set(taken)) == 60  # capacity 30 x (1, 2, 3) / 3 = 60
    with runtime.db.session() as session:
        per_agent = dict(
            session.execute(
                select(Agent.external_id, func.count())
                .join(Assignment, Assignment.agent_id == Agent.id)
                .group_by(Agent.external_id)
            ).all()
        )
        rows = session.scalar(select(func.count()).select_from(Assignment))
    assert rows == 60
    assert all(per_agent[f"a{n}"] <= 1 + n % 3 for n in range(30)), per_agent
    assert Counter(per_agent.values()) == {1: 10, 2: 10, 3: 10}


def test_applied_events_that_cannot_move_the_board_do_not_wake_it(sqlite_url: str) -> None:
    from kairos.bus.message_base import Wire
    from kairos.bus.messages import EventApplied
    from kairos.db import Database
    from kairos.events import event_adapter

    parse_event = event_adapter.validate_python

    board = LiveBoard(Database(sqlite_url))  # no thread started: what it queues stays queued
    inert = [utterance("c", "where is my bag?"), utterance("c", "ok", speaker="bot")]
    moving = [started("c", queue="travel"), utterance("c", "hello", speaker="agent"), ended("c")]
    for body in inert + moving:
        board("events", Wire(EventApplied(seq=1, event=parse_event(body))))
    kinds = [(m["event"]["type"], m["event"].get("speaker")) for m in board._pending]
    assert kinds == [("interaction.started", None), ("utterance", "agent"),
                     ("interaction.ended", None)]  # fmt: skip
    # A body that crossed Redis (a plain dict) is judged the same way.
    board("events", dict(Wire(EventApplied(seq=2, event=parse_event(inert[0])))))
    assert len(board._pending) == 3
