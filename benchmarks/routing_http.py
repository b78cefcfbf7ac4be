"""Routing over HTTP: ``POST /v1/agents/{id}/next`` against a stored centre, on SQLite and on
PostgreSQL, beside ``GET /healthz`` in the same run.

Usage: python benchmarks/routing_http.py [--agents 2000] [--waiting 5000] [--calls 200]
       [--changes 100] [--offers 100] [--postgres URL] [--no-sqlite] [--no-server]

For each database (SQLite in a temporary file; with ``--postgres``, also a throwaway database
created on that PostgreSQL server and dropped afterwards) it seeds a centre through the API
(queues, agents, waiting interactions), then times:

- through the in-process ASGI test client: ``/next`` on the live routing board (what
  ``KAIROS_ROUTING_BOARD=auto`` picks: a board in the process on SQLite, the leased board on
  PostgreSQL) beside ``GET /healthz`` (the HTTP stack's floor) and beside the database path
  (``KAIROS_ROUTING_BOARD=database``: the centre read and the board rebuilt on every call, the
  peer); on PostgreSQL, ``/next`` with the decision stored by one statement in one round trip
  beside the same stored by several statements in a transaction (the code before 2026-12-05),
  in alternating blocks of one run; then how soon an assessment change reaches the board's
  order: from the start of ``POST /v1/events`` with a customer's words that make a waiting
  contact a moment of truth (and from the assessment's publication on the bus) until the board
  holds the new score; then push
  offers: from an agent's desktop opening its live stream until the offer is published, and the
  ``POST /next`` that takes the offer;
- unless ``--no-server``: the same ``/healthz`` and ``/next`` over a real ``kairos serve``
  (uvicorn) process on the same database, from a keep-alive HTTP client (the test client hops
  between threads on every request, which a real server does not); around each ``/next`` it
  reads the server's threads from ``/proc`` (``server_threads.py``: CPU, and time runnable but
  waiting for a CPU) and prints where the slowest 1% of them went.

It prints the load average beside the figures: the machine may be shared. The routing library's
own figures are in ``benchmarks/routing.py``.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from ingest import _wait_healthy
from rich.console import Console
from rich.progress import track
from rich.table import Table
from server_threads import Watch, slowest

from kairos import migrations
from kairos.bus import BusMessage, EventBus
from kairos.config import Settings
from kairos.db import Database, throwaway_database
from kairos.main import create_app
from kairos.routing import live_next
from kairos.routing.live_board import LiveBoard
from kairos.routing.offers import OfferBook

SKILLS = ("billing", "travel", "claims")
START = datetime.now(UTC) - timedelta(hours=2)
MOT_TEXT = "My flight was cancelled and I am stranded at the airport, I need to get rebooked now"


def _timed(
    client: TestClient | httpx.Client, method: str, paths: list[str], watch: Watch | None = None
) -> list[float]:
    """Seconds per request, sorted; ``watch`` also notes where each one's time went."""
    out = []
    # Over a real server the client is this process, whose heap holds everything the in-process
    # part built: its full collections (185 ms once) would be timed as the server's latency. The
    # test client's app runs in this process, so there the collector stays on (it is the app's).
    remote = isinstance(client, httpx.Client)
    if remote:
        gc.collect()
        gc.disable()
    try:
        for path in paths:
            if watch is not None:
                watch.before()
            start = time.perf_counter()
            response = client.request(method, path)
            out.append(time.perf_counter() - start)
            if watch is not None:
                watch.after(out[-1])
            if response.status_code != 200:
                raise SystemExit(f"{method} {path}: {response.status_code} {response.text[:200]}")
    finally:
        if remote:
            gc.enable()
    return sorted(out)


def _seed(client: TestClient, agents: int, waiting: int, console: Console) -> None:
    rng = random.Random(7)
    for skill in SKILLS:
        body = {"name": skill, "channel": "call", "required_skills": [skill], "policy": "moments"}
        client.post("/v1/queues", json=body)
    for i in track(range(agents), description="agents", console=console):
        client.post("/v1/agents", json={
            "external_id": f"a{i}", "name": f"Agent {i}",
            "skills": {rng.choice(SKILLS): rng.randint(1, 5)}, "channels": ["call"],
            "state": "available", "mot_certified": i % 5 == 0,
            "empathy": round(rng.random(), 2),
        })  # fmt: skip
    batch: list[dict[str, object]] = []
    for i in track(range(waiting), description="waiting contacts", console=console):
        batch.append({
            "type": "interaction.started", "event_id": f"s{i}", "interaction_id": f"i{i}",
            # Contacts arrive over the last hours, a few a second, as on a real floor.
            "occurred_at": (START + timedelta(seconds=i * 0.7)).isoformat(), "channel": "call",
            "queue": rng.choice(SKILLS),
            "identities": [{"kind": "phone", "value": f"+1415{i:07d}"}],
        })  # fmt: skip
        if len(batch) == 1000 or i == waiting - 1:
            client.post("/v1/events", json=batch)
            batch = []


def _first_seen(bus: EventBus, topic: str, kind: str, key: str) -> dict[str, float]:
    """When each ``key`` first appeared in a ``kind`` message on ``topic`` (perf_counter
    seconds), kept current by a bus listener."""
    seen: dict[str, float] = {}

    def note(_topic: str, body: BusMessage) -> None:
        if body.get("type") == kind:
            seen.setdefault(str(body[key]), time.perf_counter())

    bus.listen(note, topic)
    return seen


def _reflected(
    client: TestClient, board: LiveBoard, bus: EventBus, changes: int, waiting: int
) -> tuple[list[float], list[float]]:
    """Seconds from sending a moment-of-truth utterance (and from its assessment's publication on
    the bus) to the board holding the new score."""
    published = _first_seen(bus, "assessments", "assessment.updated", "interaction_id")
    sent, lag = [], []
    for n in range(changes):
        interaction_id = f"i{waiting - 1 - n}"  # the last seeded: not yet taken by /next
        before = board.snapshot(interaction_id)
        if before is None:
            continue
        event = {"type": "utterance", "event_id": f"mot{n}", "interaction_id": interaction_id,
                 "occurred_at": datetime.now(UTC).isoformat(), "speaker": "customer",
                 "text": MOT_TEXT}  # fmt: skip
        start = time.perf_counter()
        if client.post("/v1/events", json=event).status_code != 200:
            raise SystemExit("ingest failed")
        while True:
            now = board.snapshot(interaction_id)
            if now is not None and now.mot_score != before.mot_score:
                break
            if time.perf_counter() - start > 5:
                raise SystemExit(f"{interaction_id}: the board did not change within 5 s")
            time.sleep(0.0002)
        seen = time.perf_counter()
        sent.append(seen - start)
        lag.append(seen - published[interaction_id])
    return sorted(sent), sorted(lag)


def _offers(
    client: TestClient, book: OfferBook, bus: EventBus, agents: range
) -> tuple[list[float], list[float]]:
    """Push: seconds from an agent's desktop opening its live stream (``attach``) until the offer
    is published on the bus, and of the ``POST /next`` that then takes the offer over HTTP."""
    offered = _first_seen(bus, "routing", "routing.offered", "agent_id")
    pushed, taken = [], []
    for i in agents:
        agent_id = f"a{i}"
        start = time.perf_counter()
        book.attach(agent_id)
        while agent_id not in offered:
            if time.perf_counter() - start > 5:
                raise SystemExit(f"{agent_id}: no offer within 5 s")
            time.sleep(0.0002)
        pushed.append(offered[agent_id] - start)
        start = time.perf_counter()
        response = client.post(f"/v1/agents/{agent_id}/next")
        taken.append(time.perf_counter() - start)
        if response.status_code != 200 or "offered" not in response.json()["message"]:
            raise SystemExit(f"{agent_id}: the offer was not taken: {response.text[:200]}")
        book.detach(agent_id)
    return sorted(pushed), sorted(taken)


def _one_statement_or_several(
    client: TestClient, agents: range, block: int = 10
) -> tuple[list[float], list[float]]:
    """PostgreSQL: ``/next`` with the decision stored by one statement in its own transaction
    (one round trip) and, in alternating blocks of the same run, by several statements in a
    transaction (``BEGIN``, the statement, the audit row, ``COMMIT``: the code before)."""
    single: list[float] = []
    several: list[float] = []
    try:
        for n, start in enumerate(range(agents.start, agents.stop, block)):
            live_next.ONE_STATEMENT = n % 2 == 0
            paths = [f"/v1/agents/a{i}/next" for i in range(start, min(start + block, agents.stop))]
            (single if live_next.ONE_STATEMENT else several).extend(_timed(client, "POST", paths))
    finally:
        live_next.ONE_STATEMENT = True
    return sorted(single), sorted(several)


def _p99(lat: list[float]) -> float:
    return lat[min(len(lat) - 1, int(0.99 * len(lat)))]


@contextmanager
def _database(kind: str, postgres: str | None) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file, or a throwaway database on ``postgres``."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'routing.db'}"
            migrations.upgrade(url)
            yield url
        return
    assert postgres is not None
    with throwaway_database(postgres, "kairos_bench") as url:
        migrations.upgrade(url)
        yield url


def _commits(url: str, n: int) -> list[float]:
    """Seconds per bare write transaction (one one-row insert and its commit) on the same
    database: the floor under any change that must be durable before it is answered."""
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("CREATE TABLE bench_commit (x integer)")
            connection.commit()
            out = []
            for _ in range(n):
                start = time.perf_counter()
                connection.exec_driver_sql("INSERT INTO bench_commit VALUES (1)")
                connection.commit()
                out.append(time.perf_counter() - start)
            connection.exec_driver_sql("DROP TABLE bench_commit")
            connection.commit()
    finally:
        db.dispose()
    return sorted(out)


@contextmanager
def _server(url: str) -> Iterator[tuple[httpx.Client, int]]:
    """``kairos serve`` on ``url`` in its own process, a keep-alive client to it, and its pid."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {**os.environ, "KAIROS_DATABASE_URL": url, "KAIROS_ENVIRONMENT": "test",
           "KAIROS_RATE_LIMIT_PER_S": "0"}  # fmt: skip
    env.pop("KAIROS_REDIS_URL", None)
    env.pop("KAIROS_ROUTING_BOARD", None)
    command = [sys.executable, "-m", "kairos.cli", "serve", "--port", str(port),
               "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            _wait_healthy(base, process, within_s=120)  # and its models loaded
            yield client, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _measure(kind: str, url: str, args: argparse.Namespace, console: Console) -> list[Row]:
    calls = min(args.calls, args.agents // 4)
    rows: list[Row] = []
    load = [os.getloadavg()[0]]
    with TestClient(create_app(Settings(database_url=url))) as client:
        _seed(client, args.agents, args.waiting, console)
        board = client.app.state.runtime.routing_board  # type: ignore[attr-defined]
        assert isinstance(board, LiveBoard), "auto did not pick the live board"
        board.drain()  # what the seeding published: timed from a board that has caught up
        time.sleep(2)
        load.append(os.getloadavg()[0])
        health = _timed(client, "GET", ["/healthz"] * calls)
        nxt = _timed(client, "POST", [f"/v1/agents/a{i}/next" for i in range(calls)])
        health = sorted(health + _timed(client, "GET", ["/healthz"] * calls))
        if kind == "postgresql":
            single, several = _one_statement_or_several(client, range(2 * calls, 3 * calls))
        bus = client.app.state.runtime.bus  # type: ignore[attr-defined]
        changed, lag = _reflected(client, board, bus, args.changes, args.waiting)
        book = client.app.state.runtime.routing_offers  # type: ignore[attr-defined]
        pushed, taken = _offers(client, book, bus, range(4 * calls, 4 * calls + args.offers))
        commits = _commits(url, calls)
    rows += [("test client", "GET /healthz (peer)", health),
             ("test client", "POST /next, live board", nxt),
             ("-", "a bare durable commit (peer)", commits)]  # fmt: skip
    if kind == "postgresql":
        rows += [
            ("test client", "POST /next, one statement (A/B blocks)", single),
            ("test client", "POST /next, several in a transaction (peer: before)", several),
        ]
    peer_calls = min(args.peer_calls, calls)
    settings = Settings(database_url=url, routing_board="database")
    with TestClient(create_app(settings)) as db:
        agents = range(3 * calls, 3 * calls + peer_calls)
        peer = _timed(db, "POST", [f"/v1/agents/a{i}/next" for i in agents])
    rows.append(("test client", "POST /next, database path (peer)", peer))
    rows += [("test client", "utterance sent -> board order (with detection)", changed),
             ("test client", "assessment published -> board order", lag),
             ("test client", "desktop opened -> offer pushed", pushed),
             ("test client", "POST /next taking the offer", taken)]  # fmt: skip
    if args.server:
        with _server(url) as (server, pid):
            for _ in range(20):  # warm the connection and the server's first requests
                server.get("/healthz")
            health = _timed(server, "GET", ["/healthz"] * calls)
            agents = range(calls, 2 * calls)
            watch = Watch(pid)
            nxt = _timed(server, "POST", [f"/v1/agents/a{i}/next" for i in agents], watch)
            health = sorted(health + _timed(server, "GET", ["/healthz"] * calls))
        console.print(slowest(f"{kind}, uvicorn POST /next: where the slowest 1% went (ms)",
                              watch.spent))  # fmt: skip
        rows += [("uvicorn", "GET /healthz (peer)", health),
                 ("uvicorn", "POST /next, live board", nxt)]  # fmt: skip
    load.append(os.getloadavg()[0])
    console.print(f"{kind}: load average (1 min) {' / '.join(f'{x:.2f}' for x in load)} "
                  "(before seeding / before timing / after)")  # fmt: skip
    return rows


Row = tuple[str, str, list[float]]


def _table(kind: str, args: argparse.Namespace, rows: list[Row]) -> Table:
    table = Table(title=f"Routing over HTTP on {kind}: {args.agents:,} agents, "
                  f"{args.waiting:,} waiting")  # fmt: skip
    for column in ("client", "measure", "n", "p50 ms", "p99 ms", "p50 vs healthz",
                   "p99 vs healthz"):  # fmt: skip
        table.add_column(column, justify="right")
    base = {c: lat for c, name, lat in rows if name.startswith("GET /healthz")}
    for client, name, lat in rows:
        peer = base.get(client, base["test client"])
        table.add_row(client, name, str(len(lat)), f"{statistics.median(lat) * 1e3:.2f}",
                      f"{_p99(lat) * 1e3:.2f}",
                      f"{statistics.median(lat) / statistics.median(peer):.1f}x",
                      f"{_p99(lat) / _p99(peer):.1f}x")  # fmt: skip
    return table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--waiting", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--peer-calls", type=int, default=30)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--offers", type=int, default=100)
    parser.add_argument("--postgres", help="a PostgreSQL URL: also measure there (a throwaway "
                        "database is created on that server and dropped)")  # fmt: skip
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_false")
    parser.add_argument("--no-server", dest="server", action="store_false",
                        help="skip the measure over a real uvicorn server")  # fmt: skip
    args = parser.parse_args()
    console = Console(width=150)
    kinds = (["sqlite"] if args.sqlite else []) + (["postgresql"] if args.postgres else [])
    for kind in kinds:
        with _database(kind, args.postgres) as url:
            rows = _measure(kind, url, args, console)
        console.print(_table(kind, args, rows))


if __name__ == "__main__":
    main()
