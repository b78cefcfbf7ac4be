"""Every time on the supervisor's wallboard is the centre's, and says so: the alert log's raised
and seen, a key message's expiry, a deadline's centre time, in a real browser, in a centre on
Kolkata's clocks (UTC+05:30: neither the browser's UTC nor a whole hour off it)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from tests.web.browser import CHROMIUM
from tests.web.floor import MOT_TEXT, chat_events
from tests.web.support import ANGRY, _utterance, _wallboard

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect

ZONE = "Asia/Kolkata"


@pytest.fixture(autouse=True)
def centre(monkeypatch: pytest.MonkeyPatch) -> None:
    """A centre on Kolkata's clocks (set before the server starts: autouse fixtures come first)."""
    monkeypatch.setenv("KAIROS_CENTRE_TIMEZONE", ZONE)


def _at_centre(iso: str) -> str:
    return f"{datetime.fromisoformat(iso).astimezone(ZoneInfo(ZONE)):%H:%M} IST"


def test_the_wallboards_times_are_the_centres_and_labelled(
    browser: Browser,
    server: str,
) -> None:
    def post(path: str, body: object) -> httpx.Response:
        response = httpx.post(f"{server}{path}", json=body, timeout=30)
        assert response.status_code in (200, 201), response.text
        return response

    post("/v1/events", chat_events("hot-1", MOT_TEXT))
    assert post("/v1/agents/agent-ava/next", None).json()["decision"]["interaction_id"] == "hot-1"
    post("/v1/events", [_utterance("hot-1-u2", ANGRY, 9)])
    deadline = time.monotonic() + 10
    while not (log := httpx.get(f"{server}/v1/supervision/alerts/log").json()["items"]):
        assert time.monotonic() < deadline, "no alert was stored"
        time.sleep(0.1)
    expires = datetime.now(UTC) + timedelta(hours=2)
    post("/v1/messages", {"title": "Denver storm", "body": "Flights rebook free today",
                              "expires_at": expires.isoformat()})  # fmt: skip
    page = _wallboard(browser, server)
    line = page.get_by_test_id("alert-log").first
    expect(line).to_contain_text(f"raised {_at_centre(log[0]['raised_at'])}")
    raised = line.locator("time").first
    assert raised.get_attribute("title") == f"centre time: {ZONE}"
    page.get_by_role("button", name=re.compile(r"^Seen: alert on hot-1")).first.click()
    expect(page.get_by_test_id("alert-log").first).to_contain_text(
        re.compile(r"seen by root \d\d:\d\d IST")
    )
    seen = httpx.get(f"{server}/v1/supervision/alerts/log").json()["items"][0]
    expect(page.get_by_test_id("alert-log").first).to_contain_text(
        f"seen by root {_at_centre(seen['seen_at'])}"
    )
    expect(page.locator("#panel-keymessages")).to_contain_text(
        f"until {_at_centre(expires.isoformat())}"
    )
    # No bare clock time anywhere on the board: each says its zone.
    times = page.locator("main time.clock").all_inner_texts()
    assert times and all(re.fullmatch(r"\d\d:\d\d IST", t) for t in times), times
