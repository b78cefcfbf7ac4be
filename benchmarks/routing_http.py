"""Routing over HTTP: ``POST /v1/agents/{id}/next`` against a stored centre, on SQLite.

Usage: python benchmarks/routing_http.py [--agents 2000] [--waiting 5000] [--calls 100]

Seeds a fresh SQLite database through the API (queues, agents, waiting interactions), then times
``/next`` for agents in turn, beside ``GET /healthz`` on the same app (the HTTP stack's floor). The
routing library's own figures are in ``benchmarks/routing.py``; the difference is the cost of
reading the centre from the database on every call.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console
from rich.progress import track
from rich.table import Table

from kairos import migrations
from kairos.config import Settings
from kairos.main import create_app

SKILLS = ("billing", "travel", "claims")


def _timed(client: TestClient, method: str, paths: list[str]) -> list[float]:
    out = []
    for path in paths:
        start = time.perf_counter()
        response = client.request(method, path)
        out.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text[:200]}")
    return sorted(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--waiting", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    console = Console()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'routing.db'}"
        migrations.upgrade(url)
        with TestClient(create_app(Settings(database_url=url))) as client:
            for skill in SKILLS:
                body = {"name": skill, "channel": "call", "required_skills": [skill],
                        "policy": "moments"}  # fmt: skip
                client.post("/v1/queues", json=body)
            for i in track(range(args.agents), description="agents", console=console):
                client.post("/v1/agents", json={
                    "external_id": f"a{i}", "name": f"Agent {i}",
                    "skills": {rng.choice(SKILLS): rng.randint(1, 5)}, "channels": ["call"],
                    "state": "available", "mot_certified": i % 5 == 0,
                    "empathy": round(rng.random(), 2),
                })  # fmt: skip
            batch: list[dict[str, object]] = []
            for i in track(range(args.waiting), description="waiting contacts", console=console):
                batch.append({
                    "type": "interaction.started", "event_id": f"s{i}", "interaction_id": f"i{i}",
                    "occurred_at": "2026-11-23T10:00:00+00:00", "channel": "call",
                    "queue": rng.choice(SKILLS),
                    "identities": [{"kind": "phone", "value": f"+1415{i:07d}"}],
                })  # fmt: skip
                if len(batch) == 1000 or i == args.waiting - 1:
                    client.post("/v1/events", json=batch)
                    batch = []
            calls = min(args.calls, args.agents)
            nxt = _timed(client, "POST", [f"/v1/agents/a{i}/next" for i in range(calls)])
            health = _timed(client, "GET", ["/healthz"] * calls)
    table = Table(title=f"Routing over HTTP on SQLite: {args.agents:,} agents, "
                  f"{args.waiting:,} waiting, {calls} calls")  # fmt: skip
    for column in ("request", "p50 ms", "p99 ms", "vs healthz p50"):
        table.add_column(column, justify="right")
    base = statistics.median(health)
    for name, lat in (("GET /healthz (peer)", health), ("POST /v1/agents/{id}/next", nxt)):
        p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
        median = statistics.median(lat)
        table.add_row(name, f"{median * 1e3:.1f}", f"{p99 * 1e3:.1f}", f"{median / base:.0f}x")
    console.print(table)


if __name__ == "__main__":
    main()
