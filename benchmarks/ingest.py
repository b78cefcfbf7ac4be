"""Sustained ingest through the HTTP API on SQLite, with a realistic call mix.

Starts ``kairos serve`` on a temporary SQLite file (loopback only), drives it from this process
with an async client at bounded concurrency for a bounded time per configuration, and prints
events/s, requests/s and request latency for single events and for transcript batches, with the
same server's ``GET /healthz`` rate (the HTTP stack's floor) as the peer. At the end it checks
that the server holds every interaction and event it acknowledged.

    python benchmarks/ingest.py [--seconds 20] [--concurrency 8] [--batch 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
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

from kairos.readiness import NotReady, wait_ready
from kairos.replay import TextPool, call_events, now, read_threads, threads_path

# Wide enough for the table when the output is a file or a pipe.
console = Console(width=170)


@dataclass
class Run:
    """What one configuration measured."""

    name: str
    seconds: float = 0.0
    requests: int = 0
    events: int = 0
    calls: int = 0
    errors: int = 0
    client_cpu: float = 0.0
    #: CPU seconds the server process spent (all its threads) while this configuration ran.
    server_cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile of request latency, in milliseconds."""
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100)[int(q * 100) - 1] * 1000


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, all its threads, from ``/proc``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _letters(number: int) -> str:
    """A number in letters (``27`` is ``bb``): unique, and no digit a recogniser would read."""
    word = ""
    while True:
        number, digit = divmod(number, 26)
        word = chr(ord("a") + digit) + word
        if not number:
            return word


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KAIROS_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "kairos.cli", "serve", "--host", "127.0.0.1"]
    return subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
    )


def _wait_healthy(base_url: str, server: subprocess.Popen[bytes], within_s: float = 60) -> None:
    # Ready once the models a process loads in the background at start are in.
    try:
        wait_ready(base_url, server, within_s=within_s)
    except NotReady as exc:
        raise SystemExit(str(exc)) from exc


async def _ingest(
    base_url: str,
    pool: TextPool,
    *,
    batch: int,
    seconds: float,
    concurrency: int,
    run_id: str,
    distinct: bool = False,
) -> Run:
    run = Run(name=f"POST /v1/events, batch {batch}")
    cpu = time.process_time()
    next_call = 0
    stop_at = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal next_call
        while time.perf_counter() < stop_at:
            index = next_call
            next_call += 1
            events = call_events(index, pool, start=now(), run_id=run_id)
            bodies = [e.model_dump(mode="json") for e in events]
            if distinct:  # no two turns alike: none is read from the semantic memo live
                for turn, body in enumerate(bodies):
                    if body["type"] == "utterance":
                        salt = zlib.crc32(run_id.encode())
                        mark = " ".join(_letters(n) for n in (salt, index, turn))
                        body["text"] = f"{body['text']} ({mark})"
            # A call's events go in order, a batch at a time, like a platform's transcript feed;
            # a call started is finished, so the final count is exact.
            for i in range(0, len(bodies), batch):
                chunk = bodies[i : i + batch]
                sent = time.perf_counter()
                try:
                    response = await client.post("/v1/events", json=chunk)
                except httpx.TransportError:
                    response = None
                run.latencies.append(time.perf_counter() - sent)
                run.requests += 1
                if response is None or response.status_code != 200:
                    # The rest of this call would name an interaction the server may lack.
                    run.errors += 1
                    break
                run.events += response.json()["applied"]
                if i == 0:
                    run.calls += 1

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        run.seconds = time.perf_counter() - began
    run.client_cpu = (time.process_time() - cpu) / run.seconds
    return run


async def _health(base_url: str, *, seconds: float, concurrency: int) -> Run:
    run = Run(name="GET /healthz (peer)")
    cpu = time.process_time()
    stop_at = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < stop_at:
            sent = time.perf_counter()
            try:
                ok = (await client.get("/healthz")).status_code == 200
            except httpx.TransportError:
                ok = False
            run.latencies.append(time.perf_counter() - sent)
            run.requests += 1
            run.errors += not ok

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        run.seconds = time.perf_counter() - began
    run.client_cpu = (time.process_time() - cpu) / run.seconds
    return run


def _stored(base_url: str) -> tuple[int, int]:
    """Interactions and events the server holds, summed over the paged listing."""
    interactions = events = 0
    offset = 0
    with httpx.Client(base_url=base_url, timeout=60) as client:
        while True:
            page = client.get("/v1/interactions", params={"limit": 500, "offset": offset}).json()
            interactions = page["total"]
            events += sum(item["event_count"] for item in page["items"])
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return interactions, events


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per configuration")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch", type=int, default=20, help="the realistic batch size")
    parser.add_argument(
        "--distinct-text",
        action="store_true",
        help="make every utterance's text unique (the call and turn appended), so the live "
        "detector never meets a text twice, as on real traffic",
    )
    args = parser.parse_args()

    path = threads_path()
    if path is None:
        raise SystemExit("the shared airline threads are absent: set KAIROS_DATA_DIR")
    pool = TextPool.from_threads(list(read_threads(path, limit=2000)))
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        server = _start_server(f"sqlite:///{Path(tmp) / 'bench.db'}", port)
        try:
            _wait_healthy(base_url, server)
            # Warm up first (the detector's models load on the first turns), not counted in
            # the rates but in the final check of what the server holds.
            warm = asyncio.run(
                _ingest(base_url, pool, batch=10, seconds=3, concurrency=2, run_id="warm")
            )
            cpu = _cpu_seconds(server.pid)
            runs = [
                asyncio.run(_health(base_url, seconds=args.seconds, concurrency=args.concurrency))
            ]
            runs[-1].server_cpu = _cpu_seconds(server.pid) - cpu
            for batch in (1, args.batch):
                console.print(f"[dim]ingest, batch {batch}, {args.seconds:.0f} s ...[/]")
                cpu = _cpu_seconds(server.pid)
                runs.append(
                    asyncio.run(
                        _ingest(
                            base_url,
                            pool,
                            batch=batch,
                            seconds=args.seconds,
                            concurrency=args.concurrency,
                            run_id=f"b{batch}",
                            distinct=args.distinct_text,
                        )
                    )
                )
                runs[-1].server_cpu = _cpu_seconds(server.pid) - cpu
            interactions, events = _stored(base_url)
        finally:
            server.terminate()
            server.wait(timeout=30)

    floor = runs[0].requests / runs[0].seconds
    table = Table(title=f"Kairos ingest over HTTP on SQLite, concurrency {args.concurrency}")
    for column in (
        "configuration",
        "events/s",
        "requests/s",
        "x healthz req/s",
        "p50 ms",
        "p99 ms",
        "server CPU",
        "server CPU ms/event",
        "client CPU",
    ):
        table.add_column(column, justify="left" if column == "configuration" else "right")
    for run in runs:
        rps = run.requests / run.seconds
        table.add_row(
            run.name + (f" [red]({run.errors} errors)[/]" if run.errors else ""),
            f"{run.events / run.seconds:,.0f}" if run.events else "-",
            f"{rps:,.0f}",
            f"{rps / floor:.2f}",
            f"{run.quantile(0.5):.1f}",
            f"{run.quantile(0.99):.1f}",
            f"{run.server_cpu / run.seconds:.0%}",
            f"{1000 * run.server_cpu / (run.events or run.requests):.2f}"
            + ("" if run.events else " /req"),
            f"{run.client_cpu:.0%}",
        )
    console.print(table)
    console.print(f"load average at the end: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    sent_calls = sum(r.calls for r in runs) + warm.calls
    sent_events = sum(r.events for r in runs) + warm.events
    ok = interactions == sent_calls and events == sent_events
    console.print(
        f"stored: {interactions} interactions, {events} events; "
        f"acknowledged: {sent_calls} calls, {sent_events} events "
        + ("[green]nothing lost[/]" if ok else "[bold red]MISMATCH[/]")
    )
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
