"""CPU of ingest's own statements per single event, in process, on a SQLite file.

Builds a runtime with inline detection (as ``kairos serve`` does), sends the benchmark's
synthetic calls (``ingest_cpu.py``'s: IVR, account number, 10-40 real airline turns, end; every
text made unique) one event at a time through ``interactions.service.ingest`` and reads the
calling thread's CPU time around the whole ingest and around three sections: the locked read
with the repeat check (``checks.stored_and_locked``), the event and assessment inserts
(``_Outbox.write``) and the interactions' ``UPDATE`` (``row_writes.write_changed``). Each
section runs where the server runs it, after the semantic model's reading of the turn (with the
caches it leaves cold), so it is the figure a loop of the same statements understates.

Run it with another checkout's ``src`` first on ``PYTHONPATH`` to time that tree; alternate the
two a few times on a busy machine:

    PYTHONPATH=src python benchmarks/ingest_sections.py --calls 30 --tag new
    PYTHONPATH=../base/src python benchmarks/ingest_sections.py --calls 30 --tag base
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kairos import migrations
from kairos.config import Settings
from kairos.events import Event, event_adapter
from kairos.interactions import checks, row_writes, service
from kairos.runtime import Runtime

sys.path.insert(0, str(Path(__file__).parent))
from ingest_cpu import _bodies, text_pool

SECTIONS = {"locked read": 0.0, "inserts": 0.0, "UPDATE": 0.0}


def _timed(function: Callable[..., Any], section: str) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            SECTIONS[section] += time.thread_time() - started

    return timed


def _events(calls: int) -> list[Event]:
    """``ingest_cpu``'s synthetic calls, one event after another."""
    run_id = f"s{int(time.time())}"
    return [
        event_adapter.validate_python(body)
        for call in _bodies(text_pool(), calls, run_id)
        for body in call
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=30, help="synthetic calls to ingest")
    parser.add_argument("--tag", default="", help="a name for this tree in the output line")
    args = parser.parse_args()
    checks.stored_and_locked = _timed(checks.stored_and_locked, "locked read")  # type: ignore[assignment]
    service._Outbox.write = _timed(service._Outbox.write, "inserts")  # type: ignore[method-assign]
    row_writes.write_changed = _timed(row_writes.write_changed, "UPDATE")  # type: ignore[assignment]
    events = _events(args.calls)
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'kairos.db'}"
    migrations.upgrade(url)
    runtime = Runtime.build(Settings(database_url=url))
    time.sleep(3)  # the model's warm-up thread
    total = 0.0
    try:
        for event in events:
            started = time.thread_time()
            service.ingest(
                db=runtime.db,
                events=[event],
                bus=runtime.bus,
                detectors=runtime.detectors,
                metrics=runtime.metrics,
            )
            total += time.thread_time() - started
    finally:
        runtime.close()
    count = len(events)
    sections = " ".join(f"{k} {v / count * 1e3:.3f}" for k, v in SECTIONS.items())
    own = sum(SECTIONS.values()) / count * 1e3
    print(
        f"{args.tag} events {count}: ingest {total / count * 1e3:.3f} ms an event; "
        f"{sections} (the three {own:.3f}) ms",
        flush=True,
    )


if __name__ == "__main__":
    main()
