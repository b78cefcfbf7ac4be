"""What the hardening costs per request and per message, beside peers measured in the same run.

- The security middleware (token check from its cache, rate limit, scoping rules, and for
  ``POST /v1/events`` the audit row committed before the answer starts: the no-op app stores
  nothing for it to ride along with) around a no-op ASGI app, against the no-op app alone; and a
  whole cheap request through the app with tokens required, against the same app without the
  middleware.
- Redaction per customer message (``redact_secrets``: cards, CVV, PIN, passwords, SSN, NINO,
  IBAN, SIN, passports), against the card-number pass alone (``redact_card_numbers``), on the
  customers' own words from the airline threads in ``../shared/data`` (a built-in mix when the
  data is absent), and on the same messages with a phrase full of digits appended.

    python benchmarks/security.py [--requests 3000] [--messages 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx
from fastapi import FastAPI
from rich.console import Console
from rich.table import Table

from kairos import migrations
from kairos.bus import MemoryBus
from kairos.config import Settings
from kairos.main import create_app
from kairos.redaction import redact_card_numbers, redact_secrets
from kairos.runtime import Runtime
from kairos.security import tokens as token_service
from kairos.security.middleware import Security, SecurityMiddleware

console = Console(width=150)
Message = MutableMapping[str, Any]

DIGIT_PHRASES = [
    "my flight BA2490 leaves at 7:45 tomorrow",
    "booking ref QX7T2P, 2 bags",
    "call me on 415-555-0100",
    "order 12345678901234 shipped on 11/28",
    "I waited 45 minutes for 3 days",
    "my ssn is 123-45-6789",
    "IBAN GB82 WEST 1234 5698 7654 32",
    "card 4111 1111 1111 1111 exp 12/28",
    "seat 14C row 22, gate B12",
]
FALLBACK = [
    "My flight was cancelled and I need to get home tonight",
    "I've been on hold for an hour, this is ridiculous",
    "Can you change my seat please",
    "Where is my refund? It has been three weeks",
]


def _quantiles(samples: list[float]) -> tuple[float, float, float]:
    samples = sorted(samples)
    return (
        samples[len(samples) // 2] * 1e6,
        samples[int(len(samples) * 0.99)] * 1e6,
        statistics.mean(samples) * 1e6,
    )


async def _noop(scope: Message, receive: Callable[[], Awaitable[Message]], send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _receive() -> Message:
    return {"type": "http.request", "body": b""}


async def _send(message: Message) -> None:
    return None


async def _time_asgi(app: Any, scope: Message, n: int) -> list[float]:
    for _ in range(200):
        await app(dict(scope), _receive, _send)
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        await app(dict(scope), _receive, _send)
        samples.append(time.perf_counter() - started)
    return samples


async def _time_requests(app: FastAPI, path: str, headers: dict[str, str], n: int) -> list[float]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for _ in range(200):
            await client.get(path, headers=headers)
        samples = []
        for _ in range(n):
            started = time.perf_counter()
            response = await client.get(path, headers=headers)
            samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return samples


async def middleware_figures(n: int) -> list[tuple[str, list[float]]]:
    url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    migrations.upgrade(url)
    runtime = Runtime.build(Settings(database_url=url), bus=MemoryBus())
    token = token_service.create(db=runtime.db, name="pbx", kind="source").token
    settings = Settings(database_url=url, require_tokens=True, rate_limit_per_s=0)
    security = Security(settings)
    holder = type("App", (), {})()
    holder.state = type("State", (), {"runtime": runtime})()
    middleware = SecurityMiddleware(_noop, security=security)
    auth = [(b"authorization", f"Bearer {token}".encode())]
    rows: list[tuple[str, list[float]]] = []
    for method, path in (("GET", "/v1/channels/voice/ivr-menu"), ("POST", "/v1/events")):
        scope = {"type": "http", "method": method, "path": path, "headers": auth,
                 "client": ("127.0.0.1", 1), "app": holder, "query_string": b""}  # fmt: skip
        audit = " (audit row committed)" if method == "POST" else ""
        rows.append((f"middleware around a no-op app, {method} {path}{audit}", await _time_asgi(
            middleware, scope, n * 5)))  # fmt: skip
        rows.append(
            (f"the no-op app alone (peer), {method}", await _time_asgi(_noop, scope, n * 5))
        )
    secured = create_app(settings, runtime=runtime)
    bare = create_app(Settings(database_url=url), runtime=runtime)
    bare.user_middleware = [m for m in bare.user_middleware if m.cls is not SecurityMiddleware]
    path = "/v1/channels/voice/ivr-menu"
    rows.append((f"GET {path}, tokens required, cached source token", await _time_requests(
        secured, path, {"Authorization": f"Bearer {token}"}, n)))  # fmt: skip
    rows.append((f"GET {path}, no security middleware (peer)", await _time_requests(
        bare, path, {}, n)))  # fmt: skip
    security.writer.close()
    runtime.close()
    return rows


def _messages(n: int) -> list[str]:
    try:
        from kairos.replay import read_threads, threads_path

        texts: list[str] = []
        for thread in read_threads(threads_path()):
            texts.extend(t.text for t in thread.turns if t.speaker == "customer")
            if len(texts) >= n:
                break
    except Exception as error:  # the shared data is absent: a built-in mix
        console.print(f"[yellow]airline threads unavailable ({error}); using a built-in mix")
        texts = [FALLBACK[i % len(FALLBACK)] for i in range(n)]
    return texts[:n]


def redaction_figures(n: int) -> list[tuple[str, list[float]]]:
    texts = _messages(n)
    rng = random.Random(1)
    with_digits = [f"{t} {rng.choice(DIGIT_PHRASES)}" for t in texts]
    rows = []
    for label, corpus in (
        ("customer turns", texts),
        ("customer turns + a digit phrase", with_digits),
    ):
        for name, redact in (("redact_secrets (all)", redact_secrets),
                             ("redact_card_numbers (peer)", redact_card_numbers)):  # fmt: skip
            samples = []
            for text in corpus:
                started = time.perf_counter()
                redact(text)
                samples.append(time.perf_counter() - started)
            rows.append((f"{name}, {label} ({len(corpus):,})", samples))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--messages", type=int, default=20000)
    args = parser.parse_args()
    rows = asyncio.run(middleware_figures(args.requests)) + redaction_figures(args.messages)
    table = Table(title="Security: cost per request and per message")
    for column in ("measure", "p50 µs", "p99 µs", "mean µs", "vs peer (p50)"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    peer_p50: float | None = None
    figures = [(label, _quantiles(samples)) for label, samples in rows]
    for index, (label, (p50, p99, mean)) in enumerate(figures):
        peer_p50 = figures[index + 1][1][0] if "(peer)" not in label else None
        ratio = f"{p50 / peer_p50:.1f}×" if peer_p50 else ""
        table.add_row(label, f"{p50:.1f}", f"{p99:.1f}", f"{mean:.1f}", ratio)
    console.print(table)


if __name__ == "__main__":
    main()
