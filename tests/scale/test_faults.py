"""Faults, for real: `kairos worker` processes on PostgreSQL and a real redis-server, an API
process ingesting, and then a worker killed mid-stream, Redis restarted, PostgreSQL restarted.

After recovery every accepted event is stored once and assessed once (counted), every
interaction is caught up and every ended one reviewed: nothing stuck, nothing twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from tests.factories import ended, started, utterance
from tests.servers import REDIS_SERVER, PostgresCluster, RedisServer, can_run_postgres_cluster

from kairos import migrations
from kairos.config import Settings
from kairos.interactions.models import AssessmentRecord, EventRecord, Interaction
from kairos.main import create_app
from kairos.outcomes.models import InteractionReview
from kairos.runtime import Runtime

pytest.importorskip("kairos.detection.detector")
pytestmark = [
    pytest.mark.skipif(
        REDIS_SERVER is None, reason="no redis-server (apt-get install redis-server)"
    ),
    pytest.mark.postgres,
]

LINES = [
    ("customer", "My flight was cancelled and I need to get to Denver by tonight"),
    ("agent", "Let me look at that booking for you"),
    ("customer", "This is the third time I'm calling about this"),
    ("agent", "I can rebook you on the 6pm"),
    ("customer", "That's too late, my daughter's recital starts at 7"),
    ("agent", "I'll put you on the 3pm and waive the change fee"),
]
UTTERANCES = 12  # per interaction, from LINES in turn


def _conversation(interaction_id: str) -> list[dict[str, Any]]:
    events = [started(interaction_id, channel="chat", phone=None)]
    for n in range(UTTERANCES):
        speaker, line = LINES[n % len(LINES)]
        events.append(
            utterance(
                interaction_id, line, speaker=speaker, event_id=f"{interaction_id}-{n}", seconds=n
            )
        )
    return [*events, ended(interaction_id)]


class System:
    """An API (in this process, detection by workers) and worker processes, sharing a database
    and a Redis."""

    def __init__(self, database_url: str, redis_url: str, logs: Path) -> None:
        self.database_url, self.redis_url, self.logs = database_url, redis_url, logs
        self.env = {
            **os.environ,
            "KAIROS_DATABASE_URL": database_url,
            "KAIROS_REDIS_URL": redis_url,
            "KAIROS_DETECTION": "workers",
            "KAIROS_SWEEP_INTERVAL_S": "1",
            "KAIROS_REDIS_CLAIM_IDLE_MS": "1500",
        }
        self.workers: list[subprocess.Popen[bytes]] = []
        settings = Settings(
            database_url=database_url,
            redis_url=redis_url,
            detection="workers",
            max_detection_lag=100_000,
        )
        self.runtime = Runtime.build(settings)
        self.client = TestClient(create_app(settings, runtime=self.runtime))
        self.accepted = 0

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = (self.logs / f"worker-{len(self.workers)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "kairos.cli", "worker", "--log-level", "info"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(process)
        return process

    def post(self, events: list[dict[str, Any]], *, attempts: int = 60) -> None:
        """Post until the API accepts (a 503 while the database restarts is retried, as an
        event source would)."""
        for _ in range(attempts):
            response = self.client.post("/v1/events", json=events)
            if response.status_code == 200:
                self.accepted += response.json()["applied"]
                return
            assert response.status_code in (503, 429), response.text
            assert response.headers.get("Retry-After")
            time.sleep(0.25)
        raise AssertionError("the API never accepted the events")

    def close(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.client.close()
        self.runtime.close()


def _drive(system: System, n: int, *, prefix: str, between: Callable[[int], None]) -> list[str]:
    """``n`` interactions in lockstep: each request carries the next event of each of them."""
    ids = [f"{prefix}{i}" for i in range(n)]
    conversations = [_conversation(i) for i in ids]
    for step in range(len(conversations[0])):
        between(step)
        system.post([c[step] for c in conversations])
    return ids


def _wait_until_settled(database_url: str, ids: list[str], timeout_s: float = 90) -> None:
    engine = create_engine(database_url)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                with Session(engine) as session:
                    behind = session.scalar(
                        select(func.count())
                        .select_from(Interaction)
                        .where(Interaction.assessed_seq < Interaction.event_count)
                    )
                    reviewed = session.scalar(select(func.count()).select_from(InteractionReview))
                if behind == 0 and reviewed == len(ids):
                    return
            except Exception:  # the database is coming back
                pass
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"not settled: {behind} interactions behind, {reviewed} reviewed"
                )
            time.sleep(0.25)
    finally:
        engine.dispose()


def _assert_exactly_once(database_url: str, system: System, ids: list[str]) -> None:
    per_interaction = UTTERANCES + 2
    engine = create_engine(database_url)
    with Session(engine) as session:
        events = session.scalar(select(func.count()).select_from(EventRecord))
        assessments = session.execute(
            select(AssessmentRecord.interaction_id, func.count()).group_by(
                AssessmentRecord.interaction_id
            )
        ).all()
        rows = session.scalars(select(Interaction)).all()
        reviews = session.scalar(select(func.count()).select_from(InteractionReview))
    engine.dispose()
    assert system.accepted == events == len(ids) * per_interaction
    # One assessment per utterance, none twice, none missing.
    assert len(assessments) == len(ids)
    assert {count for _, count in assessments} == {UTTERANCES}
    assert all(r.assessed_seq == r.event_count == per_interaction for r in rows)
    assert all(r.state == "ended" and r.assessment is not None for r in rows)
    assert reviews == len(ids)


@pytest.fixture
def system(postgres_url: str, redis_url: str, tmp_path: Path) -> Iterator[System]:
    migrations.upgrade(postgres_url)
    made = System(postgres_url, redis_url, tmp_path)
    try:
        yield made
    finally:
        made.close()


def test_a_worker_killed_mid_stream_loses_nothing(system: System, postgres_url: str) -> None:
    first = system.start_worker()
    system.start_worker()
    time.sleep(2.0)  # both have joined the consumer groups

    def between(step: int) -> None:
        if step == 5:  # half-way: one worker dies without a chance to finish or acknowledge
            first.send_signal(signal.SIGKILL)
            first.wait(10)

    ids = _drive(system, 30, prefix="k", between=between)
    _wait_until_settled(postgres_url, ids)
    _assert_exactly_once(postgres_url, system, ids)
    assert first.returncode == -signal.SIGKILL


def test_a_redis_restart_loses_nothing(
    system: System, postgres_url: str, redis_server: RedisServer
) -> None:
    system.start_worker()
    system.start_worker()
    time.sleep(2.0)

    def between(step: int) -> None:
        if step == 4:  # Redis goes away: the API keeps accepting (stored, not yet assessed)
            redis_server.stop()
        elif step == 9:  # and comes back empty: no streams, no groups, nothing pending
            redis_server.start()

    ids = _drive(system, 20, prefix="r", between=between)
    _wait_until_settled(postgres_url, ids)
    _assert_exactly_once(postgres_url, system, ids)
    assert system.runtime.bus.stats()["publish_failures"] > 0  # the outage was real


@pytest.fixture
def private_postgres() -> Iterator[PostgresCluster]:
    why = can_run_postgres_cluster()
    if why:
        pytest.skip(why)
    cluster = PostgresCluster()
    cluster.create()
    try:
        yield cluster
    finally:
        cluster.drop()


def test_a_postgresql_restart_loses_nothing(
    private_postgres: PostgresCluster, redis_url: str, tmp_path: Path
) -> None:
    admin = create_engine(private_postgres.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE kairos_faults"))
    admin.dispose()
    url = make_url(private_postgres.url).set(database="kairos_faults").render_as_string(False)
    migrations.upgrade(url)
    system = System(url, redis_url, tmp_path)
    try:
        system.start_worker()
        system.start_worker()
        time.sleep(2.0)

        back = threading.Timer(3.0, private_postgres.start)

        def between(step: int) -> None:
            if step == 6:  # down for three seconds mid-stream: the API answers 503 meanwhile
                private_postgres.stop()
                back.start()

        ids = _drive(system, 20, prefix="p", between=between)
        back.join()
        _wait_until_settled(url, ids)
        _assert_exactly_once(url, system, ids)
    finally:
        system.close()
