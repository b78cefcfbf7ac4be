"""CPU of the outcomes review of an ended contact, alone: what a contact's end costs on top of
its events (issue 16).

Stores the synthetic calls of ``ingest_cpu.py`` (one event a request, inline detection, SQLite,
in process), then reviews every call again, several times over, and prints the review's CPU
time per contact (this thread's, the outreach rules it triggers included): the least of the
runs and the lower quartile, figures that hold on a busy machine. Run it with the tree to
measure first on ``PYTHONPATH`` (``PYTHONPATH=src`` or another checkout's ``src``), alternating.

    PYTHONPATH=src python benchmarks/review_cpu.py [--calls 12] [--runs 12]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from kairos import migrations
from kairos.bus.memory import MemoryBus
from kairos.config import Settings
from kairos.main import create_app
from kairos.outcomes import service
from kairos.runtime import Runtime

sys.path.insert(0, str(Path(__file__).parent))
from ingest_cpu import _bodies, text_pool


def main() -> None:
    """Store the calls, review them ``--runs`` times, print the CPU per contact."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=12)
    parser.add_argument("--runs", type=int, default=12)
    args = parser.parse_args()
    pool = text_pool()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'review.db'}"
        migrations.upgrade(url)
        runtime = Runtime.build(Settings(database_url=url), bus=MemoryBus())
        try:
            ids = []
            with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
                for bodies in _bodies(pool, args.calls, "review"):
                    for body in bodies:
                        client.post("/v1/events", json=body).raise_for_status()
                    ids.append(str(bodies[0]["interaction_id"]))
            times = []
            for _ in range(args.runs):
                began = time.thread_time()
                for interaction_id in ids:
                    service.review_interaction(
                        db=runtime.db, bus=runtime.bus, interaction_id=interaction_id
                    )
                times.append(1000 * (time.thread_time() - began) / len(ids))
        finally:
            runtime.close()
    times.sort()
    print(
        f"review of an ended contact: {times[0]:.2f} ms CPU (least of {args.runs} runs), "
        f"{times[len(times) // 4]:.2f} ms (lower quartile), {len(ids)} contacts"
    )


if __name__ == "__main__":
    main()
