"""What the idle sweep's partial index (``ix_interactions_open_last_event``) costs on ingest.

Two databases of each backend at the head migration, one with the index dropped, fed the same
synthetic calls (a start, short customer and agent turns, an end) one event per ``ingest`` call,
as single-event requests are, with inline detection as ``kairos serve`` runs it (after an untimed
warm-up that loads the detector's models). Rounds alternate between the two so a busy machine's
drift falls on both; it prints the median microseconds per event of each and their ratio, and
the same for the ``UPDATE`` of the contact's row alone (the statement whose index upkeep the
index adds to), and the sweep's query, on tables that hold ``--history`` ended contacts first.

    PYTHONPATH=src python benchmarks/open_index.py [--calls 40] [--rounds 4] [--postgres URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import create_engine, insert, text

from kairos import migrations
from kairos.config import Settings
from kairos.db import utcnow
from kairos.events import Event, InteractionEnded, InteractionStarted, Outcome, Utterance
from kairos.interactions import service
from kairos.interactions.idle import idle_query
from kairos.interactions.models import Interaction
from kairos.runtime import Runtime

console = Console(width=140)
INDEX = "ix_interactions_open_last_event"
TURNS = ["my flight was cancelled", "I can rebook you", "I need to be there by 6", "done, thanks"]


def _database(url: str | None, tmp: Path, name: str) -> str:
    if url is None:
        return f"sqlite:///{tmp / name}.db"
    base, _, _ = url.rpartition("/")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return f"{base}/{name}"


def _call(n: int, tag: str) -> list[Event]:
    iid = f"{tag}-{n}-{uuid.uuid4().hex[:8]}"
    at = utcnow()
    events: list[Event] = [
        InteractionStarted(
            event_id=f"{iid}:s",
            interaction_id=iid,
            occurred_at=at,
            channel="call",
            identities=[],
        )
    ]
    for k, turn in enumerate(TURNS * 2):
        events.append(
            Utterance(
                event_id=f"{iid}:u{k}",
                interaction_id=iid,
                speaker="customer" if k % 2 else "agent",
                occurred_at=at + timedelta(seconds=k + 1),
                text=f"{turn} {n}",
            )
        )
    events.append(
        InteractionEnded(
            event_id=f"{iid}:e",
            interaction_id=iid,
            occurred_at=at + timedelta(seconds=60),
            outcome=Outcome(resolved=True),
        )
    )
    return events


def _ingest_round(runtime: Runtime, calls: int, tag: str) -> float:
    """Microseconds per event for ``calls`` calls, one event per ingest."""
    batches = [_call(n, tag) for n in range(calls)]
    started = time.perf_counter()
    count = 0
    for events in batches:
        for event in events:
            service.ingest(
                db=runtime.db,
                events=[event],
                bus=runtime.bus,
                detectors=runtime.detectors,
                metrics=runtime.metrics,
            )
            count += 1
    return (time.perf_counter() - started) / count * 1e6


def _update_round(url: str, n: int = 2000) -> float:
    """Microseconds per ``UPDATE`` of an open contact's last event (its own transaction)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        ids = [r[0] for r in connection.execute(text("SELECT id FROM interactions LIMIT 200"))]
    started = time.perf_counter()
    with engine.connect() as connection:
        for k in range(n):
            connection.execute(
                text("UPDATE interactions SET last_event_at = :at, state = 'open' WHERE id = :id"),
                {"at": utcnow(), "id": ids[k % len(ids)]},
            )
            connection.commit()
    engine.dispose()
    return (time.perf_counter() - started) / n * 1e6


def _sweep_round(url: str, n: int = 50) -> float:
    """Microseconds per run of the sweep's query."""
    engine = create_engine(url)
    limits = {"call": timedelta(hours=4), "chat": timedelta(minutes=30)}
    started = time.perf_counter()
    with engine.connect() as connection:
        for _ in range(n):
            connection.execute(idle_query(limits, utcnow())).all()
    engine.dispose()
    return (time.perf_counter() - started) / n * 1e6


def _history(url: str, rows: int) -> None:
    """``rows`` ended contacts of the last month, as a centre's table holds them."""
    now = utcnow()
    engine = create_engine(url)
    with engine.begin() as connection:
        for start in range(0, rows, 10_000):
            connection.execute(
                insert(Interaction),
                [
                    {
                        "external_id": f"old-{n}",
                        "channel": ("call", "chat", "sms")[n % 3],
                        "state": "ended",
                        "started_at": now - timedelta(days=30, minutes=n),
                        "last_event_at": now - timedelta(days=29, minutes=n),
                        "ended_at": now - timedelta(days=29, minutes=n),
                    }
                    for n in range(start, min(rows, start + 10_000))
                ],
            )
        connection.execute(text("ANALYZE"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--history", type=int, default=100_000, help="ended contacts stored")
    parser.add_argument("--postgres", default=None, help="a server URL: measure PostgreSQL")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    urls = {}
    for name in ("with_index", "without_index"):
        urls[name] = _database(args.postgres, tmp, f"kairos_bench_{name}")
        migrations.upgrade(urls[name])
        _history(urls[name], args.history)
    engine = create_engine(urls["without_index"])
    with engine.begin() as connection:
        connection.execute(text(f"DROP INDEX {INDEX}"))
    engine.dispose()
    runtimes = {n: Runtime.build(Settings(database_url=u)) for n, u in urls.items()}
    figures: dict[str, dict[str, list[float]]] = {
        n: {"ingest": [], "update": [], "sweep": []} for n in urls
    }
    for name, runtime in runtimes.items():  # untimed: the detector's models load here
        _ingest_round(runtime, 3, f"warm-{name}")
    with Progress(console=console) as progress:
        task = progress.add_task("alternating rounds", total=args.rounds * 2)
        for r in range(args.rounds):
            order = list(urls) if r % 2 == 0 else list(reversed(urls))
            for name in order:
                figures[name]["ingest"].append(_ingest_round(runtimes[name], args.calls, name))
                figures[name]["update"].append(_update_round(urls[name]))
                figures[name]["sweep"].append(_sweep_round(urls[name]))
                progress.advance(task)
    for runtime in runtimes.values():
        runtime.close()
    backend = "PostgreSQL" if args.postgres else "SQLite"
    table = Table(title=f"{backend}: median of {args.rounds} rounds, microseconds")
    for column in ("", "with index", "without", "with / without"):
        table.add_column(column)
    for what in ("ingest", "update", "sweep"):
        a = statistics.median(figures["with_index"][what])
        b = statistics.median(figures["without_index"][what])
        label = {"ingest": "per event ingested", "update": "per UPDATE", "sweep": "per sweep"}
        table.add_row(label[what], f"{a:.0f}", f"{b:.0f}", f"{a / b:.3f}")
    console.print(table)
    for name, by in figures.items():
        console.print(f"{name} rounds: " + "; ".join(
            f"{what} " + " ".join(f"{v:.0f}" for v in values) for what, values in by.items()
        ))  # fmt: skip


if __name__ == "__main__":
    main()
