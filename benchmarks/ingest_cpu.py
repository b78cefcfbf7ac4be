"""CPU per ingested event: the server's own CPU time for a fixed workload over HTTP.

Starts ``kairos serve`` on a temporary SQLite file (loopback only), sends the same synthetic
calls (IVR, account number, 10-40 real airline turns, end; every text made unique, as on real
traffic) through ``POST /v1/events`` one event a request and in batches, and reads the server
process's CPU time (all its threads, from ``/proc``) around each: CPU milliseconds per event, the
figure that bounds events/s per core whatever the machine's load. ``GET /healthz`` is the peer
(the HTTP stack's floor per request). With ``--baseline-src DIR`` it runs a second server from
another checkout's ``src`` (say, the main branch) in alternating rounds under the same load,
and prints the ratio. ``--profile DIR`` samples the server with py-spy (``pip install py-spy``)
and writes one raw stack file per configuration.

    python benchmarks/ingest_cpu.py [--calls 40] [--rounds 2] [--baseline-src ../main/src]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from kairos.replay import TextPool, call_events, now, read_threads, threads_path

sys.path.insert(0, str(Path(__file__).parent))
from ingest import _cpu_seconds, _free_port, _letters, _wait_healthy

console = Console(width=150)


@dataclass
class Measure:
    """CPU milliseconds per unit, one value per round."""

    per_unit: list[float] = field(default_factory=list)
    rate: list[float] = field(default_factory=list)

    def median(self) -> float:
        """The median over rounds."""
        return statistics.median(self.per_unit) if self.per_unit else float("nan")


def _server(database_url: str, port: int, src: Path | None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KAIROS_DATABASE_URL": database_url}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    command = [sys.executable, "-m", "kairos.cli", "serve", "--host", "127.0.0.1"]
    return subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
    )


def text_pool() -> TextPool:
    """The customer and agent lines of the shared airline threads the synthetic calls say."""
    path = threads_path()
    if path is None:
        raise SystemExit("the shared airline threads are absent: set KAIROS_DATA_DIR")
    return TextPool.from_threads(list(read_threads(path, limit=2000)))


def _bodies(pool: TextPool, calls: int, run_id: str) -> list[list[dict[str, object]]]:
    """Each synthetic call's event bodies, every utterance's text made unique."""
    out = []
    for index in range(calls):
        bodies = [e.model_dump(mode="json") for e in call_events(index, pool, start=now())]
        for turn, body in enumerate(bodies):
            body["interaction_id"] = f"{run_id}-{index}"
            body["event_id"] = f"{run_id}-{index}-{turn}"
            if body["type"] == "utterance":  # unique, and no digit a recogniser would read
                mark = " ".join(_letters(n) for n in (zlib.crc32(run_id.encode()), index, turn))
                body["text"] = f"{body['text']} ({mark})"
        out.append(bodies)
    return out


async def _send(base: str, calls: list[list[dict[str, object]]], batch: int, conc: int) -> int:
    queue = list(reversed(calls))
    sent = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal sent
        while queue:
            bodies = queue.pop()
            for i in range(0, len(bodies), batch):
                chunk = bodies[i : i + batch]
                response = await client.post("/v1/events", json=chunk if batch > 1 else chunk[0])
                if response.status_code != 200:
                    raise SystemExit(f"POST /v1/events: {response.status_code} {response.text}")
                sent += int(response.json()["applied"])

    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        await asyncio.gather(*(worker(client) for _ in range(conc)))
    return sent


async def _health(base: str, requests: int, conc: int) -> int:
    left = requests

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal left
        while left > 0:
            left -= 1
            (await client.get("/healthz")).raise_for_status()

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(conc)))
    return requests


def _profiled(pid: int, profile: Path | None, name: str) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if profile is None or not Path(spy).exists():
        return None
    profile.mkdir(parents=True, exist_ok=True)
    command = [spy, "record", "-p", str(pid), "-r", "100", "--nonblocking", "-f", "raw"]
    return subprocess.Popen(
        [*command, "-o", str(profile / f"{name}.txt")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


#: Where a sampled stack's time goes, first match wins (py-spy's raw lines: frames by ";").
AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("outcomes review of an ended contact", ("review_interaction", "OutcomesWorker")),
    ("coaching listener", ("CoachingListener",)),
    ("routing board and supervision listeners", ("LiveBoard", "Supervisor", "routing/")),
    ("other bus listeners and publish", ("MemoryBus.publish", "EventBus.send")),
    ("detector (inline)", ("MomentDetector", "detector_for")),
    ("storing the assessment", ("record_assessment",)),
    ("redaction", ("redaction/",)),
    ("ingest: reads, inserts, commit", ("interactions/service.py", "interactions/checks.py")),
    ("events handler: parse, answer", ("interactions/views.py", "parse_events")),
    ("audit, auth, rate limits (security middleware)", ("security/", "auth/", "audit")),
    ("HTTP server, ASGI and the event loop", ("uvicorn", "starlette", "fastapi", "asyncio")),
)
_IDLE = ("Condition.wait", "Queue.get", "Event.wait", "select (selectors", "_worker (concurrent")


SRC = Path(__file__).resolve().parents[1] / "src"


@functools.cache
def _waits(frame: str, src: Path) -> bool:
    """Whether a leaf frame (``name (kairos/x.py:line)``) of the tree at ``src`` is a line that
    takes a lock: a wait, not work."""
    found = re.search(r"\((kairos/[^:]+):(\d+)\)$", frame)
    if found is None or not (src / found[1]).exists():
        return False
    lines = (src / found[1]).read_text().splitlines()
    number = int(found[2])
    return 0 < number <= len(lines) and "lock()" in lines[number - 1]


def breakdown(path: Path, src: Path = SRC) -> list[tuple[str, float]]:
    """Share of the busy samples in a py-spy raw file per area of :data:`AREAS` (``src``: the
    tree the server ran, to tell a lock's wait from work)."""
    counts: dict[str, int] = {}
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        frames = stack.split(";")
        if not frames or any(k in frames[-1] for k in _IDLE) or _waits(frames[-1], src):
            continue
        area = next(
            (name for name, keys in AREAS if any(k in f for f in frames for k in keys)), "other"
        )
        counts[area] = counts.get(area, 0) + int(n)
    busy = sum(counts.values()) or 1
    return sorted(((a, c / busy) for a, c in counts.items()), key=lambda x: -x[1])


def _round(
    src: Path | None, pool: TextPool, args: argparse.Namespace, tag: str, out: dict[str, Measure]
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        server = _server(f"sqlite:///{Path(tmp) / 'cpu.db'}", port, src)
        try:
            _wait_healthy(base, server)
            asyncio.run(_send(base, _bodies(pool, 4, f"warm{tag}"), 10, 2))  # models load
            plan: list[tuple[str, int]] = [("healthz", 0), ("batch 1", 1), ("batch 20", 20)]
            for name, batch in plan:
                spy = _profiled(server.pid, args.profile, f"{tag}-{name.replace(' ', '')}")
                cpu, began = _cpu_seconds(server.pid), time.perf_counter()
                if batch == 0:
                    units = asyncio.run(_health(base, args.health, args.concurrency))
                else:
                    calls = _bodies(pool, args.calls, f"{tag}b{batch}")
                    units = asyncio.run(_send(base, calls, batch, args.concurrency))
                used, wall = _cpu_seconds(server.pid) - cpu, time.perf_counter() - began
                if spy is not None:
                    spy.send_signal(signal.SIGINT)  # py-spy writes its file on an interrupt
                    spy.wait()
                measure = out.setdefault(f"{tag}|{name}", Measure())
                measure.per_unit.append(1000 * used / units)
                measure.rate.append(units / wall)
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    """Run the rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=40, help="calls per configuration")
    parser.add_argument("--health", type=int, default=2000, help="GET /healthz requests")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline-src", type=Path, help="another checkout's src directory")
    parser.add_argument("--profile", type=Path, help="write py-spy raw stacks here")
    args = parser.parse_args()
    pool = text_pool()
    # This checkout's own src, not whatever an editable install of another one points at.
    sources: list[tuple[str, Path | None]] = [("this-tree", SRC)]
    if args.baseline_src:
        sources.append(("baseline", args.baseline_src.resolve()))
    out: dict[str, Measure] = {}
    loads = [os.getloadavg()[0]]
    for number in range(args.rounds):
        for tag, src in sources if number % 2 == 0 else list(reversed(sources)):
            console.print(f"[dim]round {number + 1}: {tag} ...[/]")
            _round(src, pool, args, tag, out)
            loads.append(os.getloadavg()[0])
    table = Table(title=f"Server CPU per unit, {args.calls} calls a configuration, "
                  f"concurrency {args.concurrency}, median of {args.rounds} rounds")  # fmt: skip
    for column in ("source", "configuration", "CPU ms per unit", "rounds", "units/s",
                   "x healthz", "x baseline"):  # fmt: skip
        table.add_column(
            column, justify="left" if column in ("source", "configuration") else "right"
        )
    for key, measure in out.items():
        tag, name = key.split("|")
        floor = out[f"{tag}|healthz"].median()
        peer = out.get(f"baseline|{name}")
        table.add_row(
            tag,
            name + (" (per request)" if name == "healthz" else " (per event)"),
            f"{measure.median():.2f}",
            " / ".join(f"{v:.2f}" for v in measure.per_unit),
            f"{statistics.median(measure.rate):,.0f}",
            f"{measure.median() / floor:.1f}",
            f"{measure.median() / peer.median():.2f}" if peer and tag != "baseline" else "",
        )
    console.print(table)
    for raw in sorted(args.profile.glob("*batch*.txt")) if args.profile else []:
        src = args.baseline_src if raw.stem.startswith("baseline") else SRC
        found = breakdown(raw, src.resolve())
        shares = ", ".join(f"{area} {share:.0%}" for area, share in found if share >= 0.01)
        console.print(f"[bold]{raw.stem}[/]: {shares}")
    console.print(f"1-minute load average: {min(loads):.2f} to {max(loads):.2f} "
                  f"on {os.cpu_count()} CPUs")  # fmt: skip


if __name__ == "__main__":
    main()
