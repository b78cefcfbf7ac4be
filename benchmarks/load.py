"""Kairos under load, for real: PostgreSQL + Redis + the API + detection workers, on loopback.

For each configuration it creates a throwaway PostgreSQL database in the local cluster (migrated
to head), starts a private ``redis-server`` on a free port (no persistence), the API
(``kairos serve``) and, in workers mode, ``kairos worker`` processes; then a load generator in its
own process drives realistic interactions through ``POST /v1/events``: ``interaction.started``
(chat, call or email, a reason, the customer's identities), 10-40 utterances alternating
customer and agent with real airline-support turns from ``../shared/data``, ``interaction.ended``;
many interactions at once, each in order, one event a request (a chatty platform) or small
batches (a platform that buffers). A second process subscribes to ``kairos:live:assessments``.

It prints, side by side with the ratio to the inline configuration of the same run: offered
and sustained events/s, HTTP latency p50/p99, ingest-to-assessment latency p50/p99 (just before
the POST to the matching ``assessment.updated``, by ``event_id``), assessments expected vs seen,
and the consumer groups' lag on ``kairos:stream:events`` at the end. Everything it started is
torn down at the end, on error and on Ctrl-C.

Configurations: ``inline`` (the API detects; the Redis bus carries assessments) and
``workers=N`` (``KAIROS_DETECTION=workers``: the API stores and publishes, N ``kairos worker``
processes detect).

    python benchmarks/load.py [--duration 20] [--rate 0] [--concurrency 32] [--batch 1,10]
        [--workers 1,2] [--api-processes 1] [--ramp] [--markdown docs/load.md]

``--rate 0`` offers as much as the concurrency allows; ``--ramp`` raises the offered rate step
by step (``--ramp-start``, ``--ramp-factor``, ``--step-seconds``) until a step misses p99 < 1 s,
sustains under 95 % of the offer or loses an assessment, and reports the last step that passed.
The PostgreSQL URL (a user allowed to create databases) is ``--postgres-url``, else
``KAIROS_BENCH_POSTGRES_URL``, else ``KAIROS_TEST_POSTGRES_URL``, else the local cluster's
``kairos`` superuser.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import platform
import random
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any

import httpx
import redis
from loadgen import (
    ASSESSMENTS_CHANNEL,
    SendResult,
    SendSpec,
    Texts,
    conversation,
    listen,
    load_texts,
    quantile,
    send,
)
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

console = Console(width=170)
DEFAULT_POSTGRES = "postgresql+psycopg://kairos:kairos@127.0.0.1:5432/postgres"
P99_TARGET_S = 1.0
CTX = multiprocessing.get_context("spawn")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_admin_url(explicit: str | None) -> str:
    """The URL of a PostgreSQL user that may create databases; loopback only."""
    url = (
        explicit
        or os.environ.get("KAIROS_BENCH_POSTGRES_URL")
        or os.environ.get("KAIROS_TEST_POSTGRES_URL")
        or DEFAULT_POSTGRES
    )
    if make_url(url).host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"PostgreSQL must be on loopback: {url}")
    return url


def workers_available() -> str | None:
    """Why workers mode cannot run with this checkout, or None when it can."""
    from kairos.cli import app
    from kairos.config import Settings

    if "detection" not in Settings.model_fields:
        return "Settings has no `detection` (KAIROS_DETECTION)"
    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    if "worker" not in names:
        return "`kairos worker` does not exist yet"
    return None


@dataclass(frozen=True)
class Configuration:
    """One system under test."""

    detection: str  # "inline" or "workers"
    workers: int = 0
    api_processes: int = 1

    @property
    def name(self) -> str:
        base = "inline" if self.detection == "inline" else f"workers={self.workers}"
        return base + (f", API x{self.api_processes}" if self.api_processes > 1 else "")


class Stack:
    """A database, redis-server, the API and workers for one configuration; torn down on exit."""

    def __init__(self, config: Configuration, admin_url: str, scratch: Path) -> None:
        self.config, self.admin_url, self.scratch = config, admin_url, scratch
        self.db_name = f"kairos_load_{uuid.uuid4().hex[:10]}"
        self.database_url = (
            make_url(admin_url).set(database=self.db_name).render_as_string(hide_password=False)
        )
        self.redis_port, self.api_port = _free_port(), _free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.base_url = f"http://127.0.0.1:{self.api_port}"
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.logs: list[IO[bytes]] = []
        self.db_created = False

    # bring-up --------------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.scratch / f"{name}.log").open("wb")
        self.logs.append(log)
        # A session of its own: a Ctrl-C reaches this script only, which stops the stack in order.
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append((name, process))

    def log_tail(self, name: str, lines: int = 25) -> str:
        path = self.scratch / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def _start(self) -> None:
        from kairos import migrations

        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{self.db_name}"'))
        finally:
            admin.dispose()
        self.db_created = True
        migrations.upgrade(self.database_url)

        redis_server = shutil.which("redis-server")
        if redis_server is None:
            raise SystemExit("no redis-server binary (apt-get install redis-server)")
        self._spawn(
            "redis",
            [redis_server, "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.scratch),
             "--loglevel", "warning"],
        )  # fmt: skip
        self._wait(lambda: bool(redis.Redis(port=self.redis_port, socket_timeout=0.5).ping()))

        env = {
            **os.environ,
            "KAIROS_DATABASE_URL": self.database_url,
            "KAIROS_REDIS_URL": self.redis_url,
            "KAIROS_PORT": str(self.api_port),
            "KAIROS_HOST": "127.0.0.1",
            "KAIROS_DETECTION": self.config.detection,
        }
        kairos = [sys.executable, "-m", "kairos.cli"]
        serve = [*kairos, "serve", "--host", "127.0.0.1", "--port", str(self.api_port)]
        if self.config.api_processes > 1:
            serve += ["--processes", str(self.config.api_processes)]
        self._spawn("api", [*serve, "--log-level", "warning"], env)
        for n in range(self.config.workers):
            self._spawn(f"worker{n}", [*kairos, "worker", "--log-level", "warning"], env)

        def healthy() -> bool:
            return httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200

        self._wait(healthy)
        self.warm_up()

    def warm_up(self, texts: Texts | None = None) -> None:
        """Whole interactions through the stack, awaited until every utterance is assessed.

        The first requests load the detector's model in each process; the runs measure the
        steady state after that.
        """
        texts = texts or load_texts(limit=50)
        client = redis.Redis(port=self.redis_port, decode_responses=True, socket_timeout=5)
        pubsub = client.pubsub()  # type: ignore[no-untyped-call]
        try:
            pubsub.subscribe(ASSESSMENTS_CHANNEL)
            rng = random.Random(0)
            wanted: set[str] = set()
            # A few, so that each API process and each worker is likely to see one.
            for n in range(2 * (self.config.api_processes + self.config.workers)):
                bodies = conversation(texts, interaction_id=f"warm-up-{n}", rng=rng)
                wanted |= {b["event_id"] for b in bodies if b["type"] == "utterance"}
                response = httpx.post(f"{self.base_url}/v1/events", json=bodies, timeout=120)
                response.raise_for_status()
            deadline = time.monotonic() + 120
            while wanted and time.monotonic() < deadline:
                self.check_alive()
                item = pubsub.get_message(timeout=0.5)
                if item and item["type"] == "message":
                    wanted.discard(json.loads(item["data"]).get("event_id"))
            if wanted:
                raise SystemExit(f"{self.config.name}: the warm-up was not assessed in 2 minutes")
        finally:
            pubsub.close()
            client.close()

    def _wait(self, probe: Any, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.check_alive()
            with contextlib.suppress(Exception):
                if probe():
                    return
            time.sleep(0.2)
        raise SystemExit(f"{self.config.name}: the stack did not come up\n{self.log_tail('api')}")

    def check_alive(self) -> None:
        """Raise if a process of the stack has exited."""
        for name, process in self.processes:
            if process.poll() is not None:
                raise SystemExit(
                    f"{self.config.name}: {name} exited with {process.returncode}\n"
                    + self.log_tail(name)
                )

    # teardown --------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop every process (workers, API, Redis, in that order) and drop the database."""
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C waits
        try:
            self._close()
        finally:
            signal.signal(signal.SIGINT, previous)

    def _close(self) -> None:
        for _, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        for log in self.logs:
            log.close()
        self.logs.clear()
        if self.db_created:
            admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as connection:
                    connection.execute(
                        text(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
                    )
            finally:
                admin.dispose()
            self.db_created = False

    # state -----------------------------------------------------------------------------------

    def lag(self) -> dict[str, dict[str, int]]:
        """Per bus stream and consumer group: entries not yet read (lag) and not yet acked."""
        client = redis.Redis(port=self.redis_port, decode_responses=True, socket_timeout=5)
        out: dict[str, dict[str, int]] = {}
        try:
            for stream in sorted(client.scan_iter(match="kairos:stream:*")):
                for group in client.xinfo_groups(stream):
                    lag = group.get("lag")
                    name = f"{stream.rsplit(':', 1)[-1]}/{group['name'].removeprefix('kairos:')}"
                    out[name] = {
                        "pending": int(group.get("pending") or 0),
                        "lag": -1 if lag is None else int(lag),  # -1: Redis cannot tell
                    }
        finally:
            client.close()
        return out

    def metrics_lag(self) -> list[str]:
        """The /metrics lines about lag or backlog, if the API exposes any."""
        try:
            body = httpx.get(f"{self.base_url}/metrics", timeout=10).text
        except httpx.HTTPError:
            return []
        return [
            line
            for line in body.splitlines()
            if not line.startswith("#") and ("lag" in line or "backlog" in line)
        ]


@dataclass
class Measure:
    """One load run against one configuration."""

    configuration: str
    batch: int
    rate: float  # offered, events/s; 0: as fast as the concurrency allows
    concurrency: int
    seconds: float = 0.0
    requests: int = 0
    attempted: int = 0
    applied: int = 0
    duplicates: int = 0
    errors: int = 0
    interactions: int = 0
    client_cpu: float = 0.0
    http_p50_ms: float = math.nan
    http_p99_ms: float = math.nan
    expected: int = 0
    seen: int = 0
    assessed_per_s: float = 0.0  # assessments/s, first POST to last assessment
    repeated: int = 0
    i2a_p50_ms: float = math.nan
    i2a_p99_ms: float = math.nan
    i2a_max_ms: float = math.nan
    drain_s: float = 0.0
    caught_up_s: float = math.nan  # from the end of sending to every bus group at lag 0
    load1: float = math.nan  # the machine's 1-minute load average as sending stopped
    lag: dict[str, dict[str, int]] = field(default_factory=dict)
    metrics_lag: list[str] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)

    @property
    def offered(self) -> float:
        """Events/s put into requests."""
        return self.attempted / self.seconds if self.seconds else 0.0

    @property
    def sustained(self) -> float:
        """Events/s the server applied."""
        return self.applied / self.seconds if self.seconds else 0.0

    @property
    def lost(self) -> int:
        return self.expected - self.seen

    @property
    def end_lag(self) -> int:
        """Entries the bus groups had not read or not acknowledged when sending stopped."""
        return sum(max(g["lag"], 0) + g["pending"] for g in self.lag.values())

    @property
    def detection_lag(self) -> int | None:
        """The detection workers' share of :attr:`end_lag`; None without detection workers."""
        groups = [g for name, g in self.lag.items() if "detect" in name]
        return sum(max(g["lag"], 0) + g["pending"] for g in groups) if groups else None

    def passed(self) -> bool:
        """p99 under a second, 95 % of the offer sustained, no error, nothing lost."""
        target = self.rate or self.offered
        return (
            self.i2a_p99_ms < P99_TARGET_S * 1000
            and self.sustained >= 0.95 * target
            and not self.errors
            and not self.lost
        )


def _recv(conn: Any, process: Any, what: str) -> Any:
    while not conn.poll(0.2):
        if not process.is_alive() and not conn.poll(0):
            raise SystemExit(f"the {what} process died with {process.exitcode}")
    value = conn.recv()
    if isinstance(value, BaseException):
        raise SystemExit(f"the {what} process failed: {value!r}")
    return value


def measure(
    stack: Stack,
    texts: Texts,
    *,
    batch: int,
    rate: float,
    seconds: float,
    concurrency: int,
    max_events: int,
    drain: float,
    progress: Progress,
) -> Measure:
    """Run the generator and the listener once against ``stack``."""
    run_id = uuid.uuid4().hex[:8]
    prefix = f"ld-{run_id}-"
    seen = CTX.Value("q", 0)
    applied = CTX.Value("q", 0)
    ready, stop = CTX.Event(), CTX.Event()
    listen_parent, listen_child = CTX.Pipe(duplex=False)
    send_parent, send_child = CTX.Pipe(duplex=False)
    listener = CTX.Process(
        target=listen,
        args=(stack.redis_url, prefix, listen_child, ready, stop, seen),
        name="kairos-load-listener",
    )
    spec = SendSpec(
        base_url=stack.base_url, run_id=run_id, texts=texts, seconds=seconds,
        concurrency=concurrency, batch=batch, rate=rate, max_events=max_events,
    )  # fmt: skip
    sender = CTX.Process(target=send, args=(spec, send_child, applied), name="kairos-load-sender")
    label = f"{stack.config.name}, batch {batch}, " + (f"{rate:,.0f} ev/s" if rate else "max")
    task = progress.add_task(label, total=seconds)
    try:
        listener.start()
        listen_child.close()
        if not ready.wait(15):
            raise SystemExit("the assessment listener did not subscribe")
        sender.start()
        send_child.close()
        began = time.monotonic()
        while sender.is_alive() and not send_parent.poll(0.25):
            progress.update(
                task,
                completed=min(time.monotonic() - began, seconds),
                description=f"{label}: {applied.value:,} applied, {seen.value:,} assessed",
            )
        result: SendResult = _recv(send_parent, sender, "sender")
        sender.join()
        # Whether detection and the other bus listeners kept up: their backlog as sending stops.
        lag_at_end, load1 = stack.lag(), os.getloadavg()[0]
        progress.update(task, completed=seconds)
        # Await the assessments still to come while they keep coming: one that has not come
        # after ``drain`` seconds without any progress is lost.
        drain_began = last_progress = time.monotonic()
        expected, last_seen = len(result.sent_at), seen.value
        while seen.value < expected and time.monotonic() - last_progress < drain:
            stack.check_alive()
            if seen.value != last_seen:
                last_seen, last_progress = seen.value, time.monotonic()
            progress.update(task, description=f"{label}: draining, {seen.value:,}/{expected:,}")
            time.sleep(0.1)
        drained = time.monotonic() - drain_began
        # How long until every bus group has caught up (the same patience): the next run
        # starts from no backlog.
        caught_up = math.nan
        last_progress, last_backlog = time.monotonic(), -1
        while time.monotonic() - last_progress < drain:
            backlog = sum(max(g["lag"], 0) + g["pending"] for g in stack.lag().values())
            if not backlog:
                caught_up = time.monotonic() - drain_began
                break
            if backlog != last_backlog:
                last_backlog, last_progress = backlog, time.monotonic()
            progress.update(task, description=f"{label}: bus groups catching up, {backlog:,} left")
            time.sleep(0.25)
        time.sleep(0.2)  # late repeats
        stop.set()
        arrivals: dict[str, list[float]] = _recv(listen_parent, listener, "listener")
        listener.join()
    finally:
        for process in (sender, listener):
            if process.is_alive():
                process.terminate()
                process.join(5)
        progress.remove_task(task)
    stack.check_alive()

    i2a = [min(arrivals[e]) - sent for e, sent in result.sent_at.items() if e in arrivals]
    # Assessments/s from the first POST to the last assessment: detection's own pace.
    firsts = [min(a) for a in arrivals.values()]
    span = max(firsts, default=0.0) - min(result.sent_at.values(), default=0.0)
    m = Measure(
        configuration=stack.config.name, batch=batch, rate=rate, concurrency=concurrency,
        seconds=result.seconds, requests=result.requests, attempted=result.attempted,
        applied=result.applied, duplicates=result.duplicates, errors=result.errors,
        interactions=result.interactions, client_cpu=result.client_cpu,
        http_p50_ms=quantile(result.latencies, 0.5) * 1000,
        http_p99_ms=quantile(result.latencies, 0.99) * 1000,
        expected=expected, seen=len(i2a), assessed_per_s=len(i2a) / span if span > 0 else 0.0,
        repeated=sum(len(v) - 1 for v in arrivals.values()),
        i2a_p50_ms=quantile(i2a, 0.5) * 1000, i2a_p99_ms=quantile(i2a, 0.99) * 1000,
        i2a_max_ms=max(i2a, default=math.nan) * 1000, drain_s=drained,
        lag=lag_at_end, caught_up_s=caught_up, load1=load1, metrics_lag=stack.metrics_lag(),
        error_samples=result.error_samples,
    )  # fmt: skip
    return m


def ramp(
    stack: Stack, texts: Texts, args: argparse.Namespace, batch: int, progress: Progress
) -> Measure:
    """Raise the offered rate until a step fails, then bisect between the last pass and the
    fail ``--ramp-refine`` times; the best step that passed, else the first that failed."""

    def step(rate: float) -> Measure:
        m = measure(
            stack, texts, batch=batch, rate=rate, seconds=args.step_seconds,
            concurrency=args.concurrency, max_events=0, drain=args.drain, progress=progress,
        )  # fmt: skip
        verdict = "[green]pass[/]" if m.passed() else "[red]fail[/]"
        console.print(
            f"  {m.configuration}, batch {batch}: offered {rate:,.0f} ev/s -> sustained "
            f"{m.sustained:,.0f}, assessment p99 {m.i2a_p99_ms:,.0f} ms, "
            f"{m.seen:,}/{m.expected:,} seen, detection backlog {m.detection_lag or 0:,}  {verdict}"
        )
        return m

    best: Measure | None = None
    failed: Measure | None = None
    rate = args.ramp_start
    for _ in range(args.ramp_steps):
        m = step(rate)
        if not m.passed():
            failed = m
            break
        best = m
        rate *= args.ramp_factor
    if best is None or failed is None:  # every step failed, or none did
        result = best or failed
        assert result is not None
        return result
    low, high = best.rate, failed.rate
    for _ in range(args.ramp_refine):
        m = step((low + high) / 2)
        if m.passed():
            best, low = m, m.rate
        else:
            high = m.rate
    return best


def machine() -> dict[str, Any]:
    """What this ran on."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": model or platform.processor(),
        "python": platform.python_version(),
        "loadavg_start": os.getloadavg(),
    }


def _fmt(value: float, spec: str = ",.0f") -> str:
    return "-" if value != value else format(value, spec)  # NaN


def _rows(measures: list[Measure]) -> list[list[str]]:
    """One row of figures per measure, with the ratios to inline at the same batch size."""
    inline = {m.batch: m for m in measures if m.configuration.startswith("inline")}
    rows = []
    for m in measures:
        peer = inline.get(m.batch)
        ratio = f"{m.sustained / peer.sustained:.2f}" if peer and peer.sustained else "-"
        ratio99 = f"{m.i2a_p99_ms / peer.i2a_p99_ms:.2f}" if peer and peer.i2a_p99_ms else "-"
        rows.append(
            [
                m.configuration,
                str(m.batch),
                _fmt(m.offered) + ("" if m.rate else " (max)"),
                _fmt(m.sustained),
                ratio,
                f"{_fmt(m.http_p50_ms)} / {_fmt(m.http_p99_ms)}",
                f"{_fmt(m.i2a_p50_ms)} / {_fmt(m.i2a_p99_ms)}",
                ratio99,
                f"{m.seen:,}/{m.expected:,}",
                _fmt(m.assessed_per_s),
                "-" if m.detection_lag is None else f"{m.detection_lag:,}",
                f"{m.end_lag - (m.detection_lag or 0):,}",
                "-" if m.caught_up_s != m.caught_up_s else f"{m.caught_up_s:.1f}",
                str(m.errors),
                f"{m.load1:.1f}",
                "yes" if m.passed() else "no",
            ]
        )
    return rows


COLUMNS = (
    "configuration", "batch", "offered ev/s", "sustained ev/s", "x inline",
    "HTTP p50 / p99 ms", "ingest-to-assessment p50 / p99 ms", "x inline p99",
    "assessments seen / expected", "assessments/s", "detection backlog at stop",
    "other bus backlog at stop", "caught up after s", "errors", "load average", "p99 < 1 s",
)  # fmt: skip
SHORT = (
    "configuration", "batch", "offered\nev/s", "sustained\nev/s", "x\ninline", "HTTP ms\np50 / p99",
    "assessment ms\np50 / p99", "x inline\np99", "seen /\nexpected", "assessed\n/s",
    "detection\nbacklog", "other\nbacklog", "caught up\ns", "errors", "load\navg", "p99\n< 1 s",
)  # fmt: skip


def results_table(measures: list[Measure], title: str) -> Table:
    """The figures for the terminal."""
    table = Table(title=title)
    for column in SHORT:
        table.add_column(column, justify="left" if column == "configuration" else "right")
    for row, m in zip(_rows(measures), measures, strict=True):
        if m.lost:
            row[8] = f"[red]{row[8]} LOST[/]"
        row[-1] = f"[green]{row[-1]}[/]" if m.passed() else f"[red]{row[-1]}[/]"
        table.add_row(*row)
    return table


def markdown(measures: list[Measure], info: dict[str, Any], command: str, title: str) -> str:
    """The figures as a Markdown table, with the machine and the command line."""
    lines = [
        f"### {title}",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|---|" + "--:|" * (len(COLUMNS) - 2) + ":-:|",
        *("| " + " | ".join(row) + " |" for row in _rows(measures)),
        "",
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), load average "
        f"{info['loadavg_start'][0]:.2f} at the start and {info['loadavg_end'][0]:.2f} at the end; "
        f"PostgreSQL {info.get('postgres', '?')}, Redis {info.get('redis', '?')}, "
        f"Python {info['python']}; texts: {info['texts']}.",
        "",
        f"Command: `{command}`",
        "",
    ]
    return "\n".join(lines)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    """Parse options, run every configuration, print (and optionally write) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per run")
    parser.add_argument("--rate", type=float, default=0.0, help="offered events/s; 0: max")
    parser.add_argument("--max-events", type=int, default=0, help="events per run; 0: no cap")
    parser.add_argument("--concurrency", type=int, default=32, help="interactions in flight")
    parser.add_argument("--batch", default="1,10", help="events per request, comma-separated")
    parser.add_argument("--workers", default="1,2", help="worker counts for workers mode")
    parser.add_argument("--api-processes", type=int, default=1, help="API processes (serve)")
    parser.add_argument("--no-inline", action="store_true", help="skip the inline configuration")
    parser.add_argument("--no-workers", action="store_true", help="skip workers mode")
    parser.add_argument(
        "--drain", type=float, default=15.0, help="seconds without a new assessment: lost"
    )
    parser.add_argument("--ramp", action="store_true", help="find the max rate with p99 < 1 s")
    parser.add_argument("--ramp-start", type=float, default=100.0)
    parser.add_argument("--ramp-factor", type=float, default=1.5)
    parser.add_argument("--ramp-steps", type=int, default=12)
    parser.add_argument("--ramp-refine", type=int, default=2, help="bisection steps")
    parser.add_argument("--step-seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=3000, help="airline threads to read")
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--markdown", type=Path, help="append the figures to this file")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()

    admin_url = postgres_admin_url(args.postgres_url)
    batches = [int(b) for b in args.batch.split(",") if b]
    configs: list[Configuration] = []
    if not args.no_inline:
        configs.append(Configuration("inline", api_processes=args.api_processes))
    missing = workers_available()
    if not args.no_workers:
        if missing:
            console.print(f"[yellow]workers mode skipped: {missing}[/]")
        else:
            configs += [
                Configuration("workers", workers=int(n), api_processes=args.api_processes)
                for n in args.workers.split(",")
                if n
            ]
    if not configs:
        raise SystemExit("no configuration to run")

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in background
    info = machine()
    texts = load_texts(limit=args.threads)
    info["texts"] = (
        f"{texts.source}, {len(texts.customer):,} customer and {len(texts.agent):,} agent lines"
    )
    console.print(
        f"[bold]Kairos load[/]: {info['nproc']} CPUs ({info['cpu']}), load average "
        f"{' '.join(f'{x:.2f}' for x in info['loadavg_start'])}; {info['texts']}"
    )
    measures: list[Measure] = []
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    )
    with tempfile.TemporaryDirectory(prefix="kairos-load-") as tmp, progress:
        for config in configs:
            scratch = Path(tmp) / config.name.replace(" ", "").replace(",", "-")
            scratch.mkdir()
            console.print(f"[dim]{config.name}: starting PostgreSQL database, Redis, API ...[/]")
            with Stack(config, admin_url, scratch) as stack:
                if "postgres" not in info:
                    engine = create_engine(stack.database_url)
                    with engine.connect() as connection:
                        info["postgres"] = connection.execute(text("SHOW server_version")).scalar()
                    engine.dispose()
                    info["redis"] = redis.Redis(port=stack.redis_port).info("server")[
                        "redis_version"
                    ]
                for batch in batches:
                    if args.ramp:
                        measures.append(ramp(stack, texts, args, batch, progress))
                        continue
                    m = measure(
                        stack, texts, batch=batch, rate=args.rate, seconds=args.duration,
                        concurrency=args.concurrency, max_events=args.max_events,
                        drain=args.drain, progress=progress,
                    )  # fmt: skip
                    measures.append(m)
                    for line in m.error_samples:
                        console.print(f"[red]  error: {line}[/]")
    info["loadavg_end"] = os.getloadavg()

    mode = (
        "ramp to p99 < 1 s"
        if args.ramp
        else (f"offered {args.rate:,.0f} ev/s" if args.rate else "max offered")
    )
    title = (
        f"Kairos on PostgreSQL + Redis, loopback, {mode}, "
        f"{args.concurrency} interactions in flight, "
        f"{args.step_seconds if args.ramp else args.duration:.0f} s a run"
    )
    console.print(results_table(measures, title))
    for m in measures:
        groups = ", ".join(
            f"{k} {v['lag']}+{v['pending']}" for k, v in m.lag.items() if v["lag"] or v["pending"]
        )
        console.print(
            f"[dim]{m.configuration}, batch {m.batch}: bus lag+pending at end: {groups or 'none'}"
            f"; {m.interactions:,} interactions, {m.repeated} repeated assessments, "
            f"drained in {m.drain_s:.1f} s, generator CPU {m.client_cpu:.0%}[/]"
        )
    console.print(
        f"load average at the end: {' '.join(f'{x:.2f}' for x in info['loadavg_end'])} "
        f"on {info['nproc']} CPUs. Aim: 10,000 ev/s with p99 < 1 s; "
        + (
            "[green]met[/]"
            if any(m.passed() and m.sustained >= 10_000 for m in measures)
            else "[yellow]not met on this machine[/]"
        )
    )
    command = "python " + " ".join(shlex.quote(a) for a in ["benchmarks/load.py", *sys.argv[1:]])
    if args.markdown:
        with args.markdown.open("a") as handle:
            handle.write(markdown(measures, info, command, title) + "\n")
    if args.json:
        payload = {
            "machine": info,
            "command": command,
            "measures": [
                {**asdict(m), "offered": m.offered, "sustained": m.sustained, "passed": m.passed()}
                for m in measures
            ],
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str))
    if any(m.lost or m.errors for m in measures):
        raise SystemExit(1)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: everything the run started is stopped and dropped[/]")
        raise SystemExit(130) from None
