"""The pages under load: 200 agent desktops and a wallboard open at once while traffic flows.

A real server (``kairos serve``, SQLite, the in-process bus) runs in its own process. Each of
``--agents`` agents signs in, holds one chat, loads its interaction page and keeps a live stream
(server-sent events) open; a supervisor keeps the wallboard's stream open. Customer messages are
then ingested through the JSON API at ``--rate`` per second, each to one agent's chat, and every
stream notes when the message reaches it.

Figures: ingest-to-delivery latency (from the POST to the frame arriving on the page's stream) on
the agents' pages and on the wallboard; page-load times with every page open. Peers, measured in
the same run: the same delivery with one page open alone (before the crowd signs in), one page
load alone, and the JSON API's ``GET /v1/interactions`` under the same traffic.

    python benchmarks/pages.py [--agents 200] [--events 400] [--rate 20]

Client and server share the machine: on 2 cores the figures include the load generator's own
work (201 open streams parsed in one Python process).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from kairos import migrations
from kairos.auth import service as auth_service
from kairos.auth.schemas import UserCreate
from kairos.db import Database
from kairos.routing import service as routing_service
from kairos.routing.schemas import AgentCreate

PASSWORD = "benchmark-pass"
_LIMITS = httpx.Limits(keepalive_expiry=2.0)
console = Console()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _setup_floor(url: str, agents: int, progress: Progress) -> None:
    migrations.upgrade(url)
    db = Database(url)
    task = progress.add_task("agents and users (argon2 hashes)", total=agents + 1)
    for n in range(agents):
        agent_id = f"bench-{n:03d}"
        routing_service.create_agent(
            db=db,
            agent_in=AgentCreate(external_id=agent_id, name=f"Agent {n}", channels=["chat"]),
        )
        auth_service.create(
            db=db,
            user_in=UserCreate(
                username=agent_id, password=PASSWORD, role="agent", agent_id=agent_id
            ),
        )
        progress.advance(task)
    auth_service.create(db=db, user_in=UserCreate(username="boss", password=PASSWORD, role="admin"))
    progress.advance(task)
    db.dispose()


def _start(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KAIROS_DATABASE_URL": url, "KAIROS_ENVIRONMENT": "test"}
    command = [sys.executable, "-m", "kairos.cli", "serve", "--port", str(port)]
    return subprocess.Popen([*command, "--log-level", "warning"], env=env)


async def _healthy(base: str, server: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(600):
            if server.poll() is not None:
                raise SystemExit("the server exited")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the server did not start")


async def _sign_in(base: str, username: str) -> httpx.AsyncClient:
    # Idle connections are dropped before uvicorn's 5 s keep-alive closes them under us.
    client = httpx.AsyncClient(base_url=base, timeout=60, limits=_LIMITS)
    form = (await client.get("/login")).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert match
    response = await client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": match[1]}
    )
    assert response.status_code in (200, 303), response.status_code
    return client


class Stream:
    """One page's live stream, refreshing its panels as the page's JavaScript does.

    Notes when each benchmark marker arrives on the stream, and when the first panel fetch that
    started after it completes: the moment the page shows it. Like ``kairos.js``: any message
    asks for a refresh; one fetch at a time, the next at least ``REFRESH_S`` after the last.
    """

    REFRESH_S = 0.3

    def __init__(self, client: httpx.AsyncClient, panels_url: str | None = None) -> None:
        self.client = client
        self.panels_url = panels_url
        self.arrived: dict[str, float] = {}
        self.shown: dict[str, float] = {}
        self.fetches: list[float] = []
        self.connected = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self._waiting: list[str] = []
        self._wanted = asyncio.Event()
        self._refresher: asyncio.Task[None] | None = None

    async def run(self) -> None:
        async with self.client.stream("GET", "/live/events", timeout=None) as response:
            async for line in response.aiter_lines():
                if '"live.connected"' in line:
                    self.connected.set()
                elif line.startswith("data:"):
                    if "bench#" in line:
                        marker = line[line.index("bench#") : line.index("#end")]
                        if marker not in self.arrived:
                            self.arrived[marker] = time.perf_counter()
                            self._waiting.append(marker)
                    self._wanted.set()

    async def refresh(self) -> None:
        assert self.panels_url is not None
        while True:
            await self._wanted.wait()
            self._wanted.clear()
            markers, self._waiting = self._waiting, []
            started = time.perf_counter()
            response = await self.client.get(self.panels_url)
            done = time.perf_counter()
            assert response.status_code == 200, response.status_code
            self.fetches.append(done - started)
            for marker in markers:
                self.shown[marker] = done
            await asyncio.sleep(self.REFRESH_S)

    def start(self) -> None:
        self.task = asyncio.create_task(self.run())
        if self.panels_url is not None:
            self._refresher = asyncio.create_task(self.refresh())

    async def stop(self) -> None:
        for task in (self.task, self._refresher):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


def _started(interaction_id: str, agent_id: str, at: datetime) -> list[dict[str, Any]]:
    return [
        {
            "type": "interaction.started",
            "event_id": f"{interaction_id}-start",
            "interaction_id": interaction_id,
            "occurred_at": at.isoformat(),
            "channel": "chat",
            "reason": "flight cancelled",
        },
        {
            # An agent's greeting: the chat is theirs from here.
            "type": "utterance",
            "event_id": f"{interaction_id}-hello",
            "interaction_id": interaction_id,
            "occurred_at": at.isoformat(),
            "speaker": "agent",
            "agent_id": agent_id,
            "text": "Hello, how can I help?",
        },
    ]


def _message(interaction_id: str, n: int) -> dict[str, Any]:
    return {
        "type": "utterance",
        "event_id": f"{interaction_id}-m{n}",
        "interaction_id": interaction_id,
        "occurred_at": datetime.now(UTC).isoformat(),
        "speaker": "customer",
        "text": f"My flight was cancelled and I need to be home tonight bench#{n}#end",
    }


async def _timed(call: Callable[[], Awaitable[httpx.Response]]) -> float:
    started = time.perf_counter()
    response = await call()
    assert response.status_code == 200, response.status_code
    return time.perf_counter() - started


async def _traffic(
    api: httpx.AsyncClient,
    interactions: list[str],
    events: int,
    rate: float,
    offset: int,
    progress: Progress,
    label: str,
) -> tuple[dict[str, float], list[float]]:
    """Send ``events`` customer messages at ``rate``/s; when each was sent, and API read times."""
    sent: dict[str, float] = {}
    reads: list[float] = []
    task = progress.add_task(label, total=events)
    pending: list[asyncio.Task[None]] = []

    async def one(n: int) -> None:
        interaction_id = interactions[n % len(interactions)]
        sent[f"bench#{n}"] = time.perf_counter()
        response = await api.post("/v1/events", json=_message(interaction_id, n))
        assert response.status_code == 200, response.text
        progress.advance(task)

    for i in range(events):
        pending.append(asyncio.create_task(one(offset + i)))
        if i % 10 == 5:  # the JSON API's list, read under the same traffic: the peer
            reads.append(await _timed(lambda: api.get("/v1/interactions", params={"limit": 50})))
        await asyncio.sleep(1 / rate)
    await asyncio.gather(*pending)
    await asyncio.sleep(1.0)  # let the last frames arrive
    return sent, reads


def _latencies(
    sent: dict[str, float], streams: list[Stream], owner: dict[str, int], *, shown: bool = False
) -> list[float]:
    """Ingest-to-delivery (or to shown) for each message on the page of the agent holding it."""
    out = []
    for marker, at in sent.items():
        stream = streams[owner[marker]]
        arrived = (stream.shown if shown else stream.arrived).get(marker)
        if arrived is not None:
            out.append(arrived - at)
    return out


async def main(agents: int, events: int, rate: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="kairos-pages-"))
    url = f"sqlite:///{folder / 'kairos.db'}"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with Progress(console=console) as progress:
        _setup_floor(url, agents, progress)
    server = _start(url, port)
    clients: list[httpx.AsyncClient] = []
    streams: list[Stream] = []
    try:
        await _healthy(base, server)
        api = httpx.AsyncClient(base_url=base, timeout=60, limits=_LIMITS)
        clients.append(api)
        now = datetime.now(UTC) - timedelta(minutes=5)
        interactions = [f"bench-chat-{n:03d}" for n in range(agents)]
        batch = [e for n, i in enumerate(interactions) for e in _started(i, f"bench-{n:03d}", now)]
        assert (await api.post("/v1/events", json=batch)).status_code == 200

        with Progress(console=console) as progress:
            # Peer: one page open alone.
            alone = await _sign_in(base, "bench-000")
            clients.append(alone)
            alone_loads = [
                await _timed(lambda: alone.get(f"/interactions/{interactions[0]}"))
                for _ in range(10)
            ]
            solo = Stream(alone)
            solo.start()
            await asyncio.wait_for(solo.connected.wait(), 30)
            solo_sent, _ = await _traffic(
                api, interactions[:1], min(100, events), rate, 0, progress, "one page alone"
            )
            solo_latency = [solo.arrived[m] - t for m, t in solo_sent.items() if m in solo.arrived]
            await solo.stop()

            task = progress.add_task(f"signing in {agents} pages", total=agents + 1)
            for n in range(agents):
                clients.append(await _sign_in(base, f"bench-{n:03d}"))
                progress.advance(task)
            boss = await _sign_in(base, "boss")
            clients.append(boss)
            progress.advance(task)
            agent_clients = clients[-(agents + 1) : -1]

            started = time.perf_counter()
            loads = await asyncio.gather(
                *(
                    _timed(lambda c=c, i=i: c.get(f"/interactions/{i}"))  # type: ignore[misc]
                    for c, i in zip(agent_clients, interactions, strict=True)
                ),
                _timed(lambda: boss.get("/wallboard")),
            )
            all_loaded = time.perf_counter() - started
            streams = [
                Stream(c, f"/interactions/{i}/panels")
                for c, i in zip(agent_clients, interactions, strict=True)
            ]
            wallboard = Stream(boss, "/wallboard/panels")
            for stream in [*streams, wallboard]:
                stream.start()
            await asyncio.wait_for(
                asyncio.gather(*(s.connected.wait() for s in [*streams, wallboard])), 120
            )
            offset = 1_000_000
            sent, reads = await _traffic(
                api, interactions, events, rate, offset, progress, f"{events} messages"
            )
        owner = {f"bench#{offset + i}": i % agents for i in range(events)}
        agent_latency = _latencies(sent, streams, owner)
        board_latency = [
            wallboard.arrived[m] - t for m, t in sent.items() if m in wallboard.arrived
        ]
        agent_shown = _latencies(sent, streams, owner, shown=True)
        board_shown = [wallboard.shown[m] - t for m, t in sent.items() if m in wallboard.shown]
        panel_fetches = [f for stream in streams for f in stream.fetches]
        leaked = sum(
            1
            for n, stream in enumerate(streams)
            for marker in stream.arrived
            if owner.get(marker, n) != n
        )
        wallboard_load = loads[-1]
        page_loads = loads[:-1]
    finally:
        for stream in streams:
            await stream.stop()
        for client in clients:
            await client.aclose()
        server.terminate()
        server.wait(timeout=20)

    ms = 1000.0
    table = Table(title=f"Pages under load: {agents} agent pages + 1 wallboard, {rate:g} msg/s")
    table.add_column("measure")
    table.add_column("p50 ms", justify="right")
    table.add_column("p99 ms", justify="right")
    table.add_column("n", justify="right")
    table.add_column("vs peer", justify="right")
    rows = [
        (f"ingest → agent page ({agents} open)", agent_latency, solo_latency),
        (f"ingest → wallboard ({agents} open)", board_latency, solo_latency),
        (f"ingest → shown on the agent page ({agents} open)", agent_shown, solo_latency),
        (f"ingest → shown on the wallboard ({agents} open)", board_shown, solo_latency),
        ("agent page panels fetch (live refresh)", panel_fetches, alone_loads),
        ("wallboard panels fetch (live refresh)", wallboard.fetches, alone_loads),
        ("ingest → one page alone (peer)", solo_latency, None),
        (f"interaction page load, {agents} at once", page_loads, alone_loads),
        ("interaction page load alone (peer)", alone_loads, None),
        ("GET /v1/interactions under traffic (peer)", reads, None),
    ]
    for name, values, peer in rows:
        ratio = (
            f"{statistics.median(values) / statistics.median(peer):.1f}×" if peer and values else ""
        )
        table.add_row(
            name, f"{ms * _pct(values, 0.5):.1f}", f"{ms * _pct(values, 0.99):.1f}",
            str(len(values)), ratio,
        )  # fmt: skip
    console.print(table)
    console.print(
        f"wallboard page load with {agents} agents: {ms * wallboard_load:.0f} ms; "
        f"all {agents + 1} pages loaded in {all_loaded:.2f} s; "
        f"delivered {len(agent_latency)}/{events} to agent pages, "
        f"{len(board_latency)}/{events} to the wallboard; "
        f"messages on a page not its own: {leaked}"
    )
    if reads and agent_latency:
        ratio = statistics.median(agent_latency) / statistics.median(reads)
        console.print(
            f"ingest → agent page p50 is {ratio:.1f}× the JSON API's GET /v1/interactions p50 "
            "under the same traffic"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--rate", type=float, default=20.0, help="messages per second")
    args = parser.parse_args()
    asyncio.run(main(args.agents, args.events, args.rate))
