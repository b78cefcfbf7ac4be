"""One routing board owner per site, for real: two ``kairos serve`` processes on PostgreSQL and a
real redis-server (``KAIROS_ROUTING_BOARD`` left to ``auto``: the lease there), 1,000 contacts
pulled through 50 agents from both processes, and the process that owns the board killed
(SIGKILL) in the middle.

Every contact is assigned exactly once, no agent ever holds more than its capacity, and the other
process takes the lease over within 5 s."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from tests.scale.support import _owner_pid, _serve
from tests.servers import (
    REDIS_SERVER,
    PostgresCluster,
    can_run_postgres_cluster,
    free_port,
    stop_serve,
    wait_until_serving,
)

from kairos import migrations

pytestmark = [
    pytest.mark.skipif(
        REDIS_SERVER is None, reason="no redis-server (apt-get install redis-server)"
    ),
    pytest.mark.postgres,
]
CONTACTS, AGENTS = 1000, 50


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    why = can_run_postgres_cluster()
    if why:
        pytest.skip(why)
    made = PostgresCluster()
    made.create()
    try:
        yield made
    finally:
        made.drop()


def _seed(base: str) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        queue = {"name": "chat", "channel": "chat", "policy": "moments"}
        assert client.post("/v1/queues", json=queue).status_code == 201
        for n in range(AGENTS):
            agent = {"external_id": f"a{n}", "name": f"Agent {n}", "channels": ["chat"],
                     "state": "available", "max_concurrency": 1 + n % 3}  # fmt: skip
            assert client.post("/v1/agents", json=agent).status_code == 201
        for first in range(0, CONTACTS, 250):
            events = [
                {"type": "interaction.started", "event_id": f"s{n}", "interaction_id": f"c{n}",
                 "occurred_at": f"2026-12-04T10:{n // 60 % 60:02d}:{n % 60:02d}+00:00",
                 "channel": "chat", "queue": "chat"}
                for n in range(first, first + 250)
            ]  # fmt: skip
            assert client.post("/v1/events", json=events).status_code == 200


class Floor:
    """Agents pulling work from whichever process is up, and ending what they get."""

    def __init__(self, bases: list[str]) -> None:
        self.bases = bases
        self.dead: set[str] = set()
        self.assigned: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.last_decision = time.monotonic()

    def _post(self, n: int, path: str, body: Any = None) -> httpx.Response | None:
        live = [b for b in self.bases if b not in self.dead]
        base = live[n % len(live)]
        try:
            return httpx.post(f"{base}{path}", json=body, timeout=30)
        except httpx.TransportError:
            with self.lock:
                self.dead.add(base)
            return None

    def agent(self, agent: str, lane: int) -> None:
        n = lane
        while not self.done.is_set():
            n += 1
            response = self._post(n, f"/v1/agents/{agent}/next")
            if response is None or response.status_code in (409, 503):
                time.sleep(0.05)
                continue
            assert response.status_code == 200, response.text
            decision = response.json()["decision"]
            if decision is None:
                time.sleep(0.1)
                continue
            interaction = decision["interaction_id"]
            with self.lock:
                self.assigned.append((interaction, agent))
                self.last_decision = time.monotonic()
            now = datetime.now(UTC).isoformat()
            end = {"type": "interaction.ended", "event_id": f"{interaction}-end",
                   "interaction_id": interaction, "occurred_at": now}  # fmt: skip
            while (reply := self._post(n, "/v1/events", [end])) is None or reply.status_code != 200:
                time.sleep(0.1)


def _assignments(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT COUNT(*), COUNT(DISTINCT interaction_id) FROM assignments")
            ).one()
    finally:
        engine.dispose()
    return int(row[0]), int(row[1])


def _assigned(url: str) -> int:
    return _assignments(url)[1]


def _peak_loads(url: str) -> dict[str, tuple[int, int]]:
    """Per agent: the most contacts it held at once (from assignment and end times), its cap."""
    engine = create_engine(url)
    query = text(
        "SELECT a.external_id, a.max_concurrency, s.assigned_at, i.ended_at "
        "FROM assignments s JOIN agents a ON a.id = s.agent_id "
        "JOIN interactions i ON i.id = s.interaction_id"
    )
    try:
        with engine.connect() as connection:
            rows = connection.execute(query).all()
    finally:
        engine.dispose()
    moments: dict[str, list[tuple[datetime, int]]] = {}
    caps: dict[str, int] = {}
    for agent, cap, assigned_at, ended_at in rows:
        caps[agent] = cap
        moments.setdefault(agent, []).append((assigned_at, 1))
        if ended_at is not None:
            moments.setdefault(agent, []).append((ended_at, -1))
    peaks: dict[str, tuple[int, int]] = {}
    for agent, points in moments.items():
        held = peak = 0
        for _, step in sorted(points, key=lambda p: (p[0], p[1])):
            held += step
            peak = max(peak, held)
        peaks[agent] = (peak, caps[agent])
    return peaks


def test_contacts_assigned_once_across_a_board_takeover(
    cluster: PostgresCluster, redis_url: str, tmp_path: Path
) -> None:
    url = cluster.url
    migrations.upgrade(url)
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    processes = [_serve(url, redis_url, p, tmp_path / f"api-{p}.log") for p in ports]
    try:
        for base, process, port in zip(bases, processes, ports, strict=True):
            wait_until_serving(base, process, tmp_path / f"api-{port}.log", timeout_s=90)
        _seed(bases[0])
        floor = Floor(bases)
        threads = [
            threading.Thread(target=floor.agent, args=(f"a{n % AGENTS}", n), daemon=True)
            for n in range(2 * AGENTS)  # two asking at once per agent: capacity is tested
        ]
        for thread in threads:
            thread.start()
        while len(floor.assigned) < CONTACTS // 3:
            time.sleep(0.1)
        owner = _owner_pid(url)
        victim = next(p for p in processes if p.pid == owner)
        victim.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        while _owner_pid(url) == owner:
            assert time.monotonic() - killed_at < 5, "no takeover within 5 s"
            time.sleep(0.05)
        takeover_s = time.monotonic() - killed_at
        # Done when the database holds every contact assigned (a decision the killed owner stored
        # but could not answer is assigned all the same: its agent learns it from the bus).
        deadline = time.monotonic() + 300
        while _assigned(url) < CONTACTS and time.monotonic() < deadline:
            time.sleep(0.5)
        floor.done.set()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for process in processes:
            stop_serve(process)
    print(f"takeover in {takeover_s:.2f} s; {len(floor.assigned)} decisions answered")
    rows, distinct = _assignments(url)
    assert (rows, distinct) == (CONTACTS, CONTACTS)  # every contact assigned, exactly once
    answered = [i for i, _ in floor.assigned]
    assert len(answered) == len(set(answered)) >= CONTACTS - 20  # none answered twice
    peaks = _peak_loads(url)
    assert sum(1 for _ in peaks) == AGENTS
    over = {a: p for a, p in peaks.items() if p[0] > p[1]}
    assert not over, over  # no agent over capacity, ever
