"""Routing over HTTP: ``POST /v1/agents/{id}/next`` against a stored centre, on SQLite.

Usage: python benchmarks/routing_http.py [--agents 2000] [--waiting 5000] [--calls 200]
       [--changes 100]

Seeds a fresh SQLite database through the API (queues, agents, waiting interactions), then, on
the same app, times ``/next`` on the live routing board (``KAIROS_ROUTING_BOARD=memory``, the
default on SQLite) beside ``GET /healthz`` (the HTTP stack's floor) and beside the database path
(``KAIROS_ROUTING_BOARD=database``: the centre read and the board rebuilt on every call, the
peer). Then it measures how soon an assessment change reaches the board's order: from the start
of ``POST /v1/events`` with a customer's words that make a waiting contact a moment of truth,
until the board holds the new score. The routing library's own figures are in
``benchmarks/routing.py``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console
from rich.progress import track
from rich.table import Table

from kairos import migrations
from kairos.bus import BusMessage, EventBus
from kairos.config import Settings
from kairos.main import create_app
from kairos.routing.live_board import LiveBoard

SKILLS = ("billing", "travel", "claims")
START = datetime.now(UTC) - timedelta(hours=2)
MOT_TEXT = "My flight was cancelled and I am stranded at the airport, I need to get rebooked now"


def _timed(client: TestClient, method: str, paths: list[str]) -> list[float]:
    out = []
    for path in paths:
        start = time.perf_counter()
        response = client.request(method, path)
        out.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text[:200]}")
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


def _reflected(
    client: TestClient, board: LiveBoard, bus: EventBus, changes: int, waiting: int
) -> tuple[list[float], list[float]]:
    """Seconds from sending a moment-of-truth utterance (and from its assessment's publication on
    the bus) to the board holding the new score."""
    published: dict[str, float] = {}

    def note(topic: str, body: BusMessage) -> None:
        if body.get("type") == "assessment.updated":
            published.setdefault(str(body["interaction_id"]), time.perf_counter())

    bus.listen(note, "assessments")
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


def _p99(lat: list[float]) -> float:
    return lat[min(len(lat) - 1, int(0.99 * len(lat)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--waiting", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--peer-calls", type=int, default=30)
    parser.add_argument("--changes", type=int, default=100)
    args = parser.parse_args()
    console = Console()
    calls = min(args.calls, args.agents // 2)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'routing.db'}"
        migrations.upgrade(url)
        with TestClient(create_app(Settings(database_url=url, routing_board="memory"))) as client:
            _seed(client, args.agents, args.waiting, console)
            board = client.app.state.runtime.routing_board  # type: ignore[attr-defined]
            assert isinstance(board, LiveBoard)
            health = _timed(client, "GET", ["/healthz"] * calls)
            nxt = _timed(client, "POST", [f"/v1/agents/a{i}/next" for i in range(calls)])
            health += _timed(client, "GET", ["/healthz"] * calls)
            health.sort()
            bus = client.app.state.runtime.bus  # type: ignore[attr-defined]
            changed, lag = _reflected(client, board, bus, args.changes, args.waiting)
        peer_calls = min(args.peer_calls, args.agents - calls)
        with TestClient(create_app(Settings(database_url=url, routing_board="database"))) as db:
            peer = _timed(db, "POST", [f"/v1/agents/a{calls + i}/next" for i in range(peer_calls)])
    table = Table(title=f"Routing over HTTP on SQLite: {args.agents:,} agents, "
                  f"{args.waiting:,} waiting")  # fmt: skip
    for column in ("measure", "n", "p50 ms", "p99 ms", "p99 vs healthz p99"):
        table.add_column(column, justify="right")
    base = _p99(health)
    rows = (
        ("GET /healthz (peer)", health),
        ("POST /next, live board", nxt),
        ("POST /next, database path (peer)", peer),
        ("utterance sent -> board order (with detection)", changed),
        ("assessment published -> board order", lag),
    )
    for name, lat in rows:
        table.add_row(name, str(len(lat)), f"{statistics.median(lat) * 1e3:.2f}",
                      f"{_p99(lat) * 1e3:.2f}", f"{_p99(lat) / base:.1f}x")  # fmt: skip
    console.print(table)


if __name__ == "__main__":
    main()
