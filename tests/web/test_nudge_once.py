"""A coaching nudge sent again (the catch-up after Redis restarted empty cannot tell what it sent
before the restart) shows once on the desktop: a real ``kairos serve`` on the Redis bus, a
throwaway redis-server, chromium."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.servers import REDIS_SERVER
from tests.web.browser import CHROMIUM, serving
from tests.web.desktop_support import _agent, _call, _post
from tests.web.live_ready import live_ready

from kairos.bus import BusMessage, RedisBus

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
    pytest.mark.skipif(REDIS_SERVER is None, reason="no redis-server"),
]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect


@pytest.fixture
def server(tmp_path: Path, redis_url: str) -> Iterator[str]:
    with serving(tmp_path, env={"KAIROS_REDIS_URL": redis_url}, warm=False) as base:
        yield base


def test_a_nudge_sent_twice_shows_once(
    browser: Browser,
    server: str,
    redis_url: str,
) -> None:
    sent: list[BusMessage] = []
    lock = threading.Lock()

    def record(topic: str, message: BusMessage) -> None:
        with lock:
            sent.append(message)

    bus = RedisBus(redis_url, block_ms=100)
    try:
        bus.listen(record, "assist", group="test-recorder")
        page = _agent(browser, server)
        _post(server, "/v1/events", _call("once-1"))
        _post(server, "/v1/agents/agent-ava/next")
        page.goto("/interactions/once-1")
        live_ready(page)
        page.get_by_label("Your reply").fill("It's your fault for booking so late.")
        page.get_by_role("button", name="Send reply").click()
        live = page.locator("#nudges li", has_text="COACHING (blame)")
        expect(live).to_have_count(1, timeout=15_000)
        deadline = time.monotonic() + 10
        while not sent:
            assert time.monotonic() < deadline, "no coaching.nudge on the bus"
            time.sleep(0.05)
        bus.publish("assist", sent[0])  # sent again, as after Redis restarted empty
        page.wait_for_timeout(1500)
        expect(live).to_have_count(1)
    finally:
        bus.close()
