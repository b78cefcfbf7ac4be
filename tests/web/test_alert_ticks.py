"""An alert's deadline on the wallboard counts with the page's clock, like the moments' countdowns:
it was text from the last time the alerts panel was fetched, so on a quiet board it read "passed
2 min ago" twenty minutes later (Chromium against a real server, nothing said, no reload)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.web.browser import CHROMIUM, signed_in
from tests.web.floor import login

from kairos.web.alert_words import alert_parts

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed"
)

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect

SOON = "I am furious, this is the third time I call, my flight leaves in 20 minutes, fix it now"


def _post(base: str, path: str, body: object) -> httpx.Response:
    response = httpx.post(f"{base}{path}", json=body, timeout=30)
    assert response.status_code in (200, 201), response.text
    return response


def _seconds(text: str) -> int:
    found = re.search(r"passed (?:(\d+) min )?(\d+) s ago", text)
    assert found is not None, text
    return 60 * int(found.group(1) or 0) + int(found.group(2))


@needs_chromium
def test_a_quiet_alerts_deadline_counts_without_a_refresh(
    server: str,
    browser: Browser,
) -> None:
    said = datetime.now(UTC) - timedelta(minutes=20, seconds=5)  # the deadline passed 5 s ago
    _post(server, "/v1/events", [
        {"type": "interaction.started", "event_id": "tick-1-s", "interaction_id": "tick-1",
         "occurred_at": (said - timedelta(minutes=1)).isoformat(), "channel": "chat",
         "queue": "travel", "reason": "flight cancelled"},
    ])  # fmt: skip
    assert _post(server, "/v1/agents/agent-ava/next", None).json()["decision"]["interaction_id"]
    _post(server, "/v1/events", [
        {"type": "utterance", "event_id": "tick-1-u", "interaction_id": "tick-1",
         "occurred_at": said.isoformat(), "speaker": "customer", "text": SOON},
    ])  # fmt: skip
    board = signed_in(browser, server, "sue", "/wallboard")
    when = board.locator('[data-testid="alerts"] li[data-interaction="tick-1"]')
    expect(when).to_contain_text(re.compile(r"passed .*ago"), timeout=10_000)
    board.wait_for_timeout(1_000)  # the last live update of the contact has come in
    fetched = board.locator("body").get_attribute("data-updated")
    first = _seconds(when.inner_text())
    board.wait_for_timeout(4_000)  # a quiet board: no message, no fetch
    assert board.locator("body").get_attribute("data-updated") == fetched
    assert _seconds(when.inner_text()) >= first + 3


def test_the_parts_put_the_deadline_apart_for_the_page_to_count() -> None:
    from kairos.bus.messages import AlertReason

    now = datetime(2026, 12, 6, 8, 30, tzinfo=UTC)
    deadline = now - timedelta(minutes=2)
    reasons = [AlertReason(factor="emotion", value=0.97),
               AlertReason(factor="minutes_to_deadline", value=18.0)]  # fmt: skip
    parts = alert_parts(reasons, deadline, now, "UTC")
    assert parts[0] == "emotion 97%"
    assert parts[1].lead == "deadline 08:28 UTC,"
    assert parts[1].at == deadline
    assert parts[1].when == "passed 2 min ago"


def test_a_near_deadlines_alert_counts_on_the_page_too(client: TestClient) -> None:
    """The wallboard's own "deadline under 30 minutes" alert reads its minutes from the page's
    clock as well ("passes in 20 min" stood still on a quiet board), and joins the contact's
    alert: a waiting contact had two, ROUTE and an ASSIST with no one to assist."""
    now = datetime.now(UTC)
    events = [
        {"type": "interaction.started", "event_id": "near-1-s", "interaction_id": "near-1",
         "occurred_at": (now - timedelta(seconds=30)).isoformat(), "channel": "chat",
         "queue": "travel", "reason": "flight cancelled"},
        {"type": "utterance", "event_id": "near-1-u", "interaction_id": "near-1",
         "occurred_at": now.isoformat(), "speaker": "customer", "text": SOON},
    ]  # fmt: skip
    assert client.post("/v1/events", json=events).status_code == 200
    login(client, "root")
    page = client.get("/wallboard").text
    near = re.search(
        r"the customer&#39;s deadline: <span data-since-deadline=\"([^\"]+)\">"
        r"in (?:1\d|20) min",
        page,
    )
    assert near is not None, page[page.find('data-testid="alerts"') :][:1500]
    assert datetime.fromisoformat(near.group(1)) > now
    shown = re.findall(r'<li data-interaction="near-1"><strong>([A-Z ]+)</strong>', page)
    assert shown == ["ROUTE"]
    assert "waiting for an agent, the customer&#39;s deadline:" in page
