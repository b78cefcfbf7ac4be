"""The demo waits out a server that stops answering for a while (a stalled process, as under a
heavy CPU load): it sends the same event again and the floor goes on; a server that never comes
back stops the demo with what failed and for how long."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from tests.servers import free_port

from kairos.demo import DEMO_QUEUE_MAP
from kairos.demo.history import send_history
from kairos.demo.live import DriveError, LiveCenter, LiveProgress
from kairos.demo.retry import Retries, Retry
from kairos.demo.server import start_server, stop_server, wait_healthy
from kairos.events import Event, InteractionStarted, Transfer, Utterance

#: Short waits, so that a test's retries take seconds: 0.2, 0.4, 0.8, 1, 1, 1 s apart.
QUICK = Retry(attempts=7, first_wait_s=0.2, most_wait_s=1.0)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    process = start_server("127.0.0.1", port, f"sqlite:///{tmp_path / 'k.db'}", DEMO_QUEUE_MAP)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(process, base_url, 60)
        yield process, base_url
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGCONT)
        stop_server(process, "127.0.0.1", port)


def _stall(process: subprocess.Popen[bytes], seconds: float | None) -> None:
    """Stop the server's process; let it go on after ``seconds`` (None: leave it stopped)."""
    os.kill(process.pid, signal.SIGSTOP)
    if seconds is not None:
        threading.Timer(seconds, os.kill, (process.pid, signal.SIGCONT)).start()


def _started(iid: str) -> InteractionStarted:
    return InteractionStarted(
        event_id=f"{iid}-s", interaction_id=iid, occurred_at=datetime.now(UTC), channel="chat"
    )


def test_an_event_is_sent_again_while_the_server_stalls_and_the_floor_goes_on(
    server: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, base_url = server
    progress = LiveProgress()

    async def drive() -> bool:
        async with httpx.AsyncClient(base_url=base_url, timeout=1.0) as client:
            center = LiveCenter(client, pace=1, run_id="r", progress=progress, retry=QUICK)
            assert await center.send(_started("stall-1"))
            _stall(process, 2.5)
            return await center.send(_started("stall-2"))

    assert asyncio.run(drive())
    assert progress.events == 2 and progress.failed == 0
    assert progress.retries.count >= 1 and progress.retries.last == "ReadTimeout"
    assert "sent again" in progress.line()
    listed = httpx.get(f"{base_url}/v1/interactions", params={"limit": 10}).json()["items"]
    assert sorted(i["id"] for i in listed) == ["stall-1", "stall-2"]


def test_a_history_batch_is_sent_again_and_applied_once(
    server: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, base_url = server
    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    events: list[Event] = [
        _started(f"h-{n}").model_copy(update={"occurred_at": at}) for n in range(150)
    ]
    events += [
        Utterance(event_id=f"h-{n}-u", interaction_id=f"h-{n}", occurred_at=at,
                  speaker="customer", text="my card was stolen")
        for n in range(150)
    ]  # fmt: skip
    retries = Retries()

    async def seed() -> int:
        async with httpx.AsyncClient(base_url=base_url) as client:
            _stall(process, 3.0)
            return await send_history(client, events, retries=retries, retry=QUICK, timeout_s=2.0)

    assert asyncio.run(seed()) == 300
    assert retries.count >= 1
    body = httpx.get(f"{base_url}/v1/interactions", params={"limit": 1}).json()
    assert body["total"] == 150


def test_a_server_that_stays_stalled_stops_the_demo_with_what_failed(
    server: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, base_url = server
    progress = LiveProgress()

    async def drive() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=0.3) as client:
            center = LiveCenter(
                client, pace=1, run_id="r", progress=progress,
                retry=Retry(attempts=3, first_wait_s=0.1),
            )  # fmt: skip
            _stall(process, None)
            await center.send(_started("never"))

    with pytest.raises(DriveError) as stopped:
        asyncio.run(drive())
    message = str(stopped.value)
    assert "POST /v1/events failed 3 times" in message and "ReadTimeout" in message
    assert progress.retries.count == 2


class _LosesFirstDecision(httpx.AsyncBaseTransport):
    """A real connection to the server whose first answer to an ask for work that gives a contact
    is lost on the way back (the server decided; the client sees a ``ReadTimeout``)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.lost = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.lost or not request.url.path.endswith("/next"):
            return response
        await response.aread()
        if b'"interaction_id"' not in response.content:
            return response
        self.lost += 1
        raise httpx.ReadTimeout("the answer was lost", request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_an_ask_for_work_whose_answer_was_lost_gets_its_contact_when_sent_again(
    server: tuple[subprocess.Popen[bytes], str],
) -> None:
    _, base_url = server
    progress, transport = LiveProgress(), _LosesFirstDecision()

    async def drive() -> str:
        async with httpx.AsyncClient(base_url=base_url, transport=transport) as client:
            center = LiveCenter(client, pace=1, run_id="r", progress=progress, retry=QUICK)
            await center.setup()
            for agent_id in ("demo-ivo", "demo-jo"):  # one agent on the chat queues: Hana
                await center._post(f"/v1/agents/{agent_id}/state", {"state": "away"})
            center._expect_routing("lost-1")
            assert await center.send(_started("lost-1"))
            handover = Transfer(event_id="lost-1-q", interaction_id="lost-1",
                                occurred_at=datetime.now(UTC), to_queue="chat-billing")  # fmt: skip
            assert await center.send(handover)
            asking = asyncio.create_task(center.agent("demo-hana"))
            try:
                return await asyncio.wait_for(center._routed["lost-1"], timeout=10)
            finally:
                asking.cancel()

    assert asyncio.run(drive()) == "demo-hana"
    assert transport.lost == 1 and progress.retries.last == "ReadTimeout"
    query = {"interaction_id": "lost-1"}
    taken = httpx.get(f"{base_url}/v1/routing/decisions", params=query).json()["items"]
    assert [d["agent_id"] for d in taken] == ["demo-hana"]
