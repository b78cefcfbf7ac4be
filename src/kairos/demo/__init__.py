"""``kairos demo``: a server on SQLite fed with live traffic, at watching pace.

Two sources: ``simulated`` (the default) runs a live contact center against the server — simulated
customers from the traffic generator and simulated agents taking work through the routing API
(:mod:`kairos.demo.live`); ``replay`` replays real customer-service threads from the shared data.
"""

from __future__ import annotations

import asyncio
import random
import signal
import subprocess
import threading
import time
import webbrowser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx
from rich.console import Console
from rich.live import Live

from kairos.demo.arrivals import Arrivals, describe
from kairos.demo.retry import PersistentFailure, Retries, request
from kairos.demo.server import (
    DemoError,
    log_file,
    port_free,
    start_server,
    stop_left_over,
    stop_server,
    wait_healthy,
)
from kairos.demo.users import DEMO_PASSWORD, Login, create_demo_users
from kairos.demo_defaults import PER_DAY, START_TIMEOUT_S
from kairos.events import Event
from kairos.replay import now, read_threads, thread_events, threads_path

#: The demo's queue mapping: every channel lands in a queue.
DEMO_QUEUE_MAP = Path(__file__).with_name("queue_map.toml")
# Threads in flight at once: enough to interleave on the wallboard, few enough to follow.
LANES = 4
# Mean seconds between two events of one thread at pace 1: with 4 lanes, a few events a second.
EVENT_GAP_S = 1.5


@dataclass
class _Progress:
    started: int = 0
    finished: int = 0
    events: int = 0
    failed: int = 0
    retries: Retries = field(default_factory=Retries)

    def line(self) -> str:
        return (
            f"[bold]threads[/] {self.started} started, {self.finished} finished   "
            f"[bold]events[/] {self.events} sent"
            + (f"   [red]{self.failed} refused[/]" if self.failed else "")
            + self.retries.note()
        )


def _start_server(host: str, port: int, database_url: str) -> subprocess.Popen[bytes]:
    return start_server(host, port, database_url, DEMO_QUEUE_MAP)


async def _send(client: httpx.AsyncClient, event: Event, progress: _Progress) -> None:
    # Stamped with the send time: the wallboard shows live traffic, not 2017's.
    body = event.model_copy(update={"occurred_at": now()}).model_dump(mode="json")
    try:
        response = await request(client, "POST", "/v1/events", json=body, retries=progress.retries)
    except PersistentFailure as exc:
        raise DemoError(f"the server stopped answering: {exc}") from exc
    if response.status_code == 200:
        progress.events += 1
    else:
        progress.failed += 1


async def _replay(
    base_url: str,
    path: Path,
    *,
    pace: float,
    max_threads: int | None,
    run_id: str,
    progress: _Progress,
) -> None:
    source = read_threads(path, limit=max_threads)
    rng = random.Random(run_id)
    lock = asyncio.Lock()

    async def lane(client: httpx.AsyncClient) -> None:
        while True:
            async with lock:
                if max_threads is not None and progress.started >= max_threads:
                    return
                thread = next(source, None)
                if thread is None:
                    return
                progress.started += 1
            for event in thread_events(thread, start=now(), run_id=run_id):
                await _send(client, event, progress)
                await asyncio.sleep(rng.expovariate(1 / EVENT_GAP_S) / pace)
            progress.finished += 1

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        await asyncio.gather(*(lane(client) for _ in range(LANES)))


def run_demo(
    *,
    host: str,
    port: int,
    pace: float,
    max_threads: int | None,
    database: Path | None = None,
    run_id: str | None = None,
    traffic: str = "simulated",
    open_browser: bool = False,
    history_days: int = 0,
    per_day: float = PER_DAY,
    arrivals: Arrivals | None = None,
    start_timeout_s: float = START_TIMEOUT_S,
) -> None:
    """Serve Kairos and feed it live traffic through its API until Ctrl-C.

    ``max_threads`` stops after that many contacts (simulated) or threads (replay); ``database``
    is a SQLite file (default: ``KAIROS_DATABASE_URL``, the same database the other commands
    read); ``history_days`` seeds that many days of simulated history first, when the database
    has none (simulated traffic only). Customers arrive ``per_day`` a day of weight 1 times
    ``pace`` (:mod:`kairos.demo.arrivals`), live and in the history alike; ``arrivals`` gives the
    live floor another arrival model (the history keeps ``per_day``). The server has
    ``start_timeout_s`` to come up, each step it reaches shown as it waits.
    """
    console = Console()
    # A SIGTERM stops the demo like Ctrl-C does, so the server it started goes with it.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler) if in_main else None
    try:
        _serve_and_replay(
            console, host, port, pace, max_threads, database, run_id, traffic, open_browser,
            history_days, (per_day, arrivals), start_timeout_s,
        )  # fmt: skip
    except DemoError as exc:
        console.print(f"[bold red]kairos demo:[/] {exc}")
        raise SystemExit(2) from None
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


def _serve_and_replay(
    console: Console,
    host: str,
    port: int,
    pace: float,
    max_threads: int | None,
    database: Path | None,
    run_id: str | None,
    traffic: str = "simulated",
    open_browser: bool = False,
    history_days: int = 0,
    rates: tuple[float, Arrivals | None] = (PER_DAY, None),
    start_timeout_s: float = START_TIMEOUT_S,
) -> None:
    from kairos.config import get_settings
    from kairos.db import describe

    if pace <= 0:
        raise DemoError("pace must be positive")
    if traffic not in ("simulated", "replay"):
        raise DemoError(f"traffic must be 'simulated' or 'replay', not {traffic!r}")
    left = stop_left_over(host, port)
    if left is not None:
        console.print(f"[yellow]stopped the server (pid {left}) an earlier demo left on {port}[/]")
    if not port_free(host, port):
        raise DemoError(f"port {port} on {host} is taken: stop what uses it or pass --port")
    database_url = f"sqlite:///{database.resolve()}" if database else get_settings().database_url
    # A fresh run id per demo run makes fresh interactions in a database kept between runs.
    run_id = run_id if run_id is not None else now().strftime("%Y%m%d%H%M%S")
    base_url = f"http://{host}:{port}"
    console.print(f"starting the server on {describe(database_url)}")
    started = time.monotonic()
    server = _start_server(host, port, database_url)
    try:
        wait_healthy(server, base_url, start_timeout_s, console)
        console.print(
            f"[bold green]Kairos is running[/] ({time.monotonic() - started:.1f} s) on "
            f"{describe(database_url)}; the other commands read the same database: "
            "[bold].venv/bin/kairos report[/], [bold]plan[/], [bold]audit[/]; "
            f"the server's warnings go to [dim]{log_file(host, port)}[/]"
        )
        if open_browser:  # the sign-in page, then the live wallboard
            webbrowser.open(f"{base_url}/")
        for path, what in (
            ("/", "the live wallboard and the agent desktops (sign in below)"),
            ("/v1/interactions", "interactions (JSON), growing as the demo runs"),
            ("/docs", "API documentation"),
            ("/metrics", "Prometheus metrics"),
        ):
            console.print(f"  {base_url}{path}  [dim]{what}[/]")
        if traffic == "simulated":
            _drive_simulated(
                console, base_url, pace, max_threads, run_id, database_url, history_days, rates
            )
            return
        _drive_replay(console, server, base_url, database_url, pace, max_threads, run_id)
    except KeyboardInterrupt:
        console.print("\n[dim]stopping[/]")
    finally:
        stop_server(server, host, port)


def _drive_replay(
    console: Console,
    server: subprocess.Popen[bytes],
    base_url: str,
    database_url: str,
    pace: float,
    max_threads: int | None,
    run_id: str,
) -> None:
    """The demo's replay traffic: real airline threads, paced, until they end or Ctrl-C."""
    _print_logins(console, base_url, create_demo_users(database_url, with_agents=False))
    threads = threads_path()
    if threads is None:
        console.print(
            "[yellow]No traffic:[/] the shared data (airline_threads/"
            "airlines_processed.csv.bz2) was not found; set KAIROS_DATA_DIR to the folder "
            "that holds it. The server keeps running; press Ctrl-C to stop."
        )
        server.wait()
        return
    console.print(f"Replaying real airline threads from {threads}; Ctrl-C to stop.")
    progress = _Progress()
    with Live(progress.line(), console=console, refresh_per_second=4) as live:

        async def main() -> None:
            refresher = asyncio.create_task(_refresh(live, progress))
            try:
                await _replay(
                    base_url,
                    threads,
                    pace=pace,
                    max_threads=max_threads,
                    run_id=run_id,
                    progress=progress,
                )
            finally:
                refresher.cancel()
                live.update(progress.line())

        asyncio.run(main())
    console.print("[green]Replay finished.[/]")


def _print_logins(console: Console, base_url: str, logins: list[Login]) -> None:
    console.print(
        f"[bold]Open {base_url}/[/] and sign in (password [bold]{DEMO_PASSWORD}[/] for all):"
    )
    for login in logins:
        page = "the agent desktop" if login.role == "agent" else "the live wallboard"
        linked = f", simulated agent {login.agent_id}" if login.agent_id else ""
        console.print(f"  [bold]{login.username}[/]  [dim]{login.role}: {page}{linked}[/]")


def _prepare_floor(
    console: Console, base_url: str, pace: float, run_id: str, database_url: str
) -> None:
    """The demo's queues and agents, then their users' sign-ins (the agents exist first)."""
    from kairos.demo.live import DriveError, LiveCenter, LiveProgress

    async def prepare() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            await LiveCenter(client, pace=pace, run_id=run_id, progress=LiveProgress()).setup()

    try:
        asyncio.run(prepare())
    except DriveError as exc:
        raise DemoError(str(exc)) from exc
    _print_logins(console, base_url, create_demo_users(database_url, with_agents=True))


def _drive_simulated(
    console: Console,
    base_url: str,
    pace: float,
    max_contacts: int | None,
    run_id: str,
    database_url: str | None = None,
    history_days: int = 0,
    rates: tuple[float, Arrivals | None] = (PER_DAY, None),
) -> None:
    from kairos.config import get_settings
    from kairos.demo import history
    from kairos.demo.live import AGENTS, DriveError, LiveCenter, LiveProgress

    settings = get_settings()
    timezone = settings.centre_or_default_timezone
    per_day, arrivals = rates
    arrivals = arrivals or Arrivals(per_day=per_day * pace, timezone=timezone)
    past = history.HistoryProgress()
    seeding = (
        database_url is not None
        and history_days > 0
        and not history.has_history(
            database_url, today=history.today_in(timezone), days=min(history_days, 7)
        )
    )

    if database_url is not None:
        _prepare_floor(console, base_url, pace, run_id, database_url)

    console.print(
        f"A simulated contact center: {len(AGENTS)} agents on queues routed by the "
        "[bold]moments[/] policy, customers arriving on every channel; Ctrl-C to stop.\n"
        f"  {base_url}/v1/routing/decisions  [dim]who took what, and why[/]\n"
        f"  {base_url}/v1/supervision/alerts  [dim]where a supervisor should step in[/]\n"
        f"  [dim]{describe(arrivals, now())}; --per-day for a busier floor (and a "
        "longer history to seed)[/]"
    )
    if seeding:
        console.print(
            f"Seeding {history_days} days of simulated history (for [bold]kairos plan[/], the "
            "report and the missed moments) while the live traffic starts."
        )
    live_progress = LiveProgress()
    progress = _Lines(past, live_progress)
    with Live(progress.line(), console=console, refresh_per_second=4) as live:

        async def main() -> None:
            refresher = asyncio.create_task(_refresh(live, progress))
            try:
                async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
                    seeder = None
                    if seeding:
                        seeder = asyncio.create_task(
                            history.seed(
                                client,
                                past,
                                days=history_days,
                                per_day=per_day,
                                pace=pace,
                                timezone=timezone,
                                run_id=f"hist-{run_id}",
                            )
                        )
                    center = LiveCenter(
                        client, pace=pace, run_id=run_id, progress=live_progress, arrivals=arrivals
                    )
                    await center.run(max_contacts=max_contacts)
                    if seeder is not None:
                        await seeder
            finally:
                refresher.cancel()
                live.update(progress.line())

        try:
            asyncio.run(main())
        except DriveError as exc:
            raise DemoError(str(exc)) from exc
    console.print("[green]Simulated traffic finished.[/]")


class _HasLine(Protocol):
    def line(self) -> str: ...


@dataclass
class _Lines:
    """Status lines shown one above the other, empty ones left out."""

    first: _HasLine
    second: _HasLine

    def line(self) -> str:
        return "\n".join(x for x in (self.first.line(), self.second.line()) if x)


async def _refresh(live: Live, progress: _HasLine) -> None:
    while True:
        live.update(progress.line())
        await asyncio.sleep(0.25)
