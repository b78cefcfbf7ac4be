"""The load generator of ``benchmarks/load.py``: conversations, the sender and the listener.

Each runs in its own process, started by ``load.py`` with the ``spawn`` method:

- :func:`send` drives interactions through ``POST /v1/events`` from an asyncio loop with httpx:
  up to ``concurrency`` interactions at once, each sending its events in order (``batch`` events
  a request), paced to ``rate`` events/s when a rate is set, for at most ``seconds`` and at most
  ``max_events``. It reports, per request, the latency and, per utterance the server applied, the
  monotonic time just before its POST left.
- :func:`listen` subscribes to the Redis pub/sub channel ``kairos:live:assessments`` and notes
  when each ``assessment.updated`` of this run arrives, by ``event_id``.

Both use ``time.monotonic()``: one system-wide clock on Linux, so the two processes' times
subtract. Only loopback addresses are accepted.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event as MpEvent
from typing import Any
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ASSESSMENTS_CHANNEL = "kairos:live:assessments"
CHANNELS = ("chat", "call", "email")


def require_loopback(url: str) -> None:
    """Refuse any target that is not this machine's loopback."""
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"the load generator only talks to loopback, not {host!r}")


@dataclass(frozen=True)
class Texts:
    """Customer and agent lines, and contact reasons, to draw conversations from."""

    customer: tuple[str, ...]
    agent: tuple[str, ...]
    reasons: tuple[str, ...]
    source: str


def load_texts(*, limit: int = 3000) -> Texts:
    """Real airline-support turns from ``../shared/data``; the simulation's scripts without it."""
    from kairos.replay import REASONS, TextPool, read_threads, threads_path

    path = threads_path()
    if path is not None:
        pool = TextPool.from_threads(list(read_threads(path, limit=limit)))
        return Texts(pool.customer, pool.agent, tuple(REASONS.values()), f"{path.name}")
    from kairos.simulation.scripts import SCRIPTS

    fill = {"deadline": "7:30 pm", "minutes": "forty minutes"}
    customer = tuple(line.format(**fill) for s in SCRIPTS for line in s.customer)
    agent = tuple(line.format(**fill) for s in SCRIPTS for line in s.agent)
    reasons = tuple(sorted({s.reason for s in SCRIPTS}))
    return Texts(customer, agent, reasons, "kairos.simulation.scripts (shared data absent)")


def conversation(texts: Texts, *, interaction_id: str, rng: random.Random) -> list[dict[str, Any]]:
    """One interaction's events as JSON bodies: started, 10-40 utterances, ended.

    The customer opens and the two sides alternate; timestamps are the contact's own, a few
    seconds to a minute apart, ending now.
    """
    channel = rng.choice(CHANNELS)
    customer_no = rng.randrange(100_000)
    identities: list[dict[str, str]] = [
        {"kind": "email", "value": f"customer{customer_no}@example.com"}
    ]
    if channel == "call":
        identities = [{"kind": "phone", "value": f"+44207946{customer_no % 1000:04d}"}]
    elif channel == "chat":
        identities.append({"kind": "chat", "value": f"visitor-{customer_no}"})
    turns = rng.randint(10, 40)
    gaps = [rng.uniform(3, 60) for _ in range(turns + 1)]
    at = datetime.now(UTC) - timedelta(seconds=sum(gaps))
    agent = f"agent-{rng.randrange(200)}"
    events: list[dict[str, Any]] = [
        {
            "type": "interaction.started",
            "event_id": f"{interaction_id}:0",
            "interaction_id": interaction_id,
            "occurred_at": at.isoformat(),
            "channel": channel,
            "identities": identities,
            "reason": rng.choice(texts.reasons),
            "queue": "general",
        }
    ]
    for turn in range(turns):
        at += timedelta(seconds=gaps[turn])
        by_customer = turn % 2 == 0
        event: dict[str, Any] = {
            "type": "utterance",
            "event_id": f"{interaction_id}:{turn + 1}",
            "interaction_id": interaction_id,
            "occurred_at": at.isoformat(),
            "speaker": "customer" if by_customer else "agent",
            "text": rng.choice(texts.customer if by_customer else texts.agent),
        }
        if not by_customer:
            event["agent_id"] = agent
        events.append(event)
    events.append(
        {
            "type": "interaction.ended",
            "event_id": f"{interaction_id}:end",
            "interaction_id": interaction_id,
            "occurred_at": (at + timedelta(seconds=gaps[-1])).isoformat(),
            "outcome": {"resolved": rng.random() < 0.7},
        }
    )
    return events


@dataclass(frozen=True)
class SendSpec:
    """What one sender run does."""

    base_url: str
    run_id: str
    texts: Texts
    seconds: float
    concurrency: int
    batch: int
    rate: float = 0.0  # offered events/s; 0: as fast as the concurrency allows
    max_events: int = 0  # 0: no cap
    seed: int = 0


@dataclass
class SendResult:
    """What one sender run saw."""

    seconds: float = 0.0
    requests: int = 0
    attempted: int = 0  # events put in requests
    applied: int = 0
    duplicates: int = 0
    errors: int = 0
    interactions: int = 0  # started
    completed: int = 0  # started and ended
    client_cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    #: event_id -> monotonic time just before the POST that carried it, for applied utterances.
    sent_at: dict[str, float] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)


async def _send(spec: SendSpec, progress: Synchronized[int] | None) -> SendResult:
    import httpx

    require_loopback(spec.base_url)
    result = SendResult()
    rng = random.Random(spec.seed)
    began = time.monotonic()
    stop_at = began + spec.seconds
    issued = 0  # events granted a send slot so far (the pacing schedule)
    next_interaction = 0

    def out_of_budget() -> bool:
        if time.monotonic() >= stop_at:
            return True
        return bool(spec.max_events) and issued >= spec.max_events

    async def pace(count: int) -> bool:
        """Wait for this request's slot on the offered-rate schedule; False when time is up."""
        nonlocal issued
        if out_of_budget():
            return False
        slot = began + issued / spec.rate if spec.rate else 0.0
        if slot >= stop_at:  # the schedule has no room left for this request
            return False
        issued += count
        delay = slot - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        return time.monotonic() < stop_at

    async def interaction_loop(client: httpx.AsyncClient, lane: int) -> None:
        nonlocal next_interaction
        lane_rng = random.Random(rng.random())
        while not out_of_budget():
            index = next_interaction
            next_interaction += 1
            bodies = conversation(
                spec.texts, interaction_id=f"ld-{spec.run_id}-{index}", rng=lane_rng
            )
            finished = True
            for start in range(0, len(bodies), spec.batch):
                chunk = bodies[start : start + spec.batch]
                if spec.max_events:
                    chunk = chunk[: max(spec.max_events - issued, 0)]
                if not chunk or not await pace(len(chunk)):
                    return  # the run is over (time, event budget or schedule): this lane too
                payload: Any = chunk[0] if len(chunk) == 1 else chunk
                sent = time.monotonic()
                try:
                    response = await client.post("/v1/events", json=payload)
                except httpx.TransportError as error:
                    response = None
                    reason = f"{type(error).__name__}: {error}"
                result.latencies.append(time.monotonic() - sent)
                result.requests += 1
                result.attempted += len(chunk)
                if response is None or response.status_code != 200:
                    # The rest of this interaction would name one the server may lack.
                    result.errors += 1
                    if response is not None:
                        reason = f"{response.status_code} {response.text[:200]}"
                    if len(result.error_samples) < 5:
                        result.error_samples.append(reason)
                    finished = False
                    break
                body = response.json()
                result.interactions += start == 0
                result.applied += body["applied"]
                result.duplicates += body["duplicates"]
                for event, ack in zip(chunk, body["events"], strict=True):
                    if event["type"] == "utterance" and ack["status"] == "applied":
                        result.sent_at[event["event_id"]] = sent
                if progress is not None:
                    with progress.get_lock():
                        progress.value += body["applied"]
            result.completed += finished

    limits = httpx.Limits(
        max_connections=spec.concurrency, max_keepalive_connections=spec.concurrency
    )
    cpu = time.process_time()
    async with httpx.AsyncClient(base_url=spec.base_url, timeout=60, limits=limits) as client:
        await asyncio.gather(*(interaction_loop(client, lane) for lane in range(spec.concurrency)))
    result.seconds = time.monotonic() - began
    result.client_cpu = (time.process_time() - cpu) / result.seconds
    return result


def send(spec: SendSpec, conn: Connection, progress: Synchronized[int] | None = None) -> None:
    """Process entry point: run the sender and send its :class:`SendResult` down ``conn``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it
    try:
        conn.send(asyncio.run(_send(spec, progress)))
    except BaseException as error:  # the parent reports it; a traceback in a child is lost
        conn.send(error)
        raise
    finally:
        conn.close()


def listen(
    redis_url: str,
    prefix: str,
    conn: Connection,
    ready: MpEvent,
    stop: MpEvent,
    seen: Synchronized[int],
) -> None:
    """Process entry point: note when each assessment of ``prefix``'s events arrives.

    Sends ``{event_id: [arrival, ...]}`` down ``conn`` once ``stop`` is set. An event assessed
    twice (a redelivery) keeps every arrival, so the caller can count repeats.
    """
    import redis

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it
    require_loopback(redis_url)
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    pubsub = client.pubsub()  # type: ignore[no-untyped-call]
    arrivals: dict[str, list[float]] = {}
    try:
        pubsub.subscribe(ASSESSMENTS_CHANNEL)
        while not stop.is_set():
            item = pubsub.get_message(timeout=0.1)
            if item is None:
                continue
            if item["type"] == "subscribe":
                ready.set()
                continue
            if item["type"] != "message":
                continue
            at = time.monotonic()
            message = json.loads(item["data"])
            event_id = message.get("event_id") or ""
            if message.get("type") == "assessment.updated" and event_id.startswith(prefix):
                arrivals.setdefault(event_id, []).append(at)
                with seen.get_lock():
                    seen.value += 1
        conn.send(arrivals)
    except BaseException as error:
        conn.send(error)
        raise
    finally:
        pubsub.close()
        client.close()
        conn.close()


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]
