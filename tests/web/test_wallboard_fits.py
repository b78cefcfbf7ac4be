"""The wallboard on one 1920x1080 screen, with its trend charts over the day, the contacts no
queue holds explained, and the announcement strip in step with the alert list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from tests.web.browser import CHROMIUM
from tests.web.figures import FIGURES
from tests.web.floor import MOT_TEXT, PASSWORD
from tests.web.live_ready import live_ready

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect

ROUTINE_TEXT = "Hi, could you tell me when my next bill is due?"
ANGRY_TEXT = (
    "This is the third time I call, I am furious, my flight is cancelled and my daughter's "
    "recital is at 7 tonight, I will cancel everything if you do not fix it now"
)


def _when(minutes_ago: float) -> str:
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(midnight + timedelta(seconds=1), now - timedelta(minutes=minutes_ago)).isoformat()


def _contact(
    interaction_id: str, text: str, *, queue: str | None, minutes_ago: float, end: bool = False
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {
            "type": "interaction.started", "event_id": f"{interaction_id}-s",
            "interaction_id": interaction_id, "occurred_at": _when(minutes_ago), "channel": "chat",
            "queue": queue, "reason": "flight cancelled",
        },
        {
            "type": "utterance", "event_id": f"{interaction_id}-u",
            "interaction_id": interaction_id, "occurred_at": _when(minutes_ago - 0.1),
            "speaker": "customer", "text": text,
        },
    ]  # fmt: skip
    if end:
        events.append(
            {
                "type": "interaction.ended", "event_id": f"{interaction_id}-e",
                "interaction_id": interaction_id, "occurred_at": _when(minutes_ago - 0.5),
                "outcome": {"resolved": True, "customer_confirmed": True},
            }
        )  # fmt: skip
    return events


def _post(base: str, path: str, body: Any = None) -> httpx.Response:
    response = httpx.post(f"{base}{path}", json=body, timeout=30)
    assert response.status_code in (200, 201), response.text
    return response


def _a_day(base: str) -> None:
    """Today so far: routine contacts and moments, some ended, some taken, one with no queue."""
    events: list[dict[str, Any]] = []
    for k in range(14):
        text = MOT_TEXT if k % 3 == 0 else ROUTINE_TEXT
        events += _contact(f"day-{k}", text, queue="claims", minutes_ago=12 + 9 * k, end=True)
    for k in range(6):
        events += _contact(f"wait-{k}", MOT_TEXT if k < 2 else ROUTINE_TEXT, queue="travel",
                           minutes_ago=2 + k)  # fmt: skip
    events += _contact("lost-in-ivr", MOT_TEXT, queue=None, minutes_ago=3)
    _post(base, "/v1/events", events)
    _post(base, "/v1/agents/agent-ava/next")  # one waiting moment taken by an agent


def _wallboard(chromium: Browser, base: str) -> Page:
    context = chromium.new_context(base_url=base, viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/wallboard")
    live_ready(page)
    return page


def test_the_wallboard_fits_one_screen_with_its_trends_and_unqueued_reasons(
    browser: Browser,
    server: str,
) -> None:
    _a_day(server)
    page = _wallboard(browser, server)
    for chart in ("chart-arrivals", "chart-service", "chart-outcomes"):
        expect(page.locator(f"#{chart} .main-svg").first).to_be_visible(timeout=15_000)
    size = page.evaluate(
        "() => ({h: document.documentElement.scrollHeight, "
        "w: document.documentElement.scrollWidth})"
    )
    assert size["h"] <= 1080 and size["w"] <= 1920, size
    for panel in ("#panel-moments", "#panel-alerts", "#panel-queues", "#panel-agents"):
        box = page.locator(panel).bounding_box()
        assert box is not None and box["y"] + box["height"] <= 1080, (panel, box)
    # The trend data: today's contacts arrived, moments among them, reviews came in.
    traces = page.evaluate(
        "() => ['chart-arrivals', 'chart-outcomes'].map(id => "
        "document.getElementById(id).data.map(t => t.y.reduce((a, b) => a + (b || 0), 0)))"
    )
    arrivals, outcomes = traces
    assert arrivals[0] >= 21 and arrivals[1] >= 5  # all contacts; moments of truth
    assert sum(outcomes) >= 1  # won, lost or missed moments reviewed today
    service = page.evaluate("() => document.getElementById('chart-service').data.length")
    assert service == 2  # moments against routine
    # The contact no queue holds says why.
    row = page.locator('[data-testid="moments"] tr[data-interaction="lost-in-ivr"]')
    expect(row).to_contain_text("NOT QUEUED")
    expect(row).to_contain_text("the platform has named no queue yet")
    unqueued = page.get_by_test_id("unqueued")
    expect(unqueued).to_contain_text("lost-in-ivr")
    expect(unqueued).to_contain_text("with the bot or self-service")
    FIGURES.mkdir(exist_ok=True)
    page.screenshot(path=str(FIGURES / "wallboard.png"))


def test_the_announcement_strip_drops_an_alert_the_list_has_cleared(
    browser: Browser,
    server: str,
) -> None:
    page = _wallboard(browser, server)
    _post(server, "/v1/events", _contact("hot-1", MOT_TEXT, queue="travel", minutes_ago=1))
    _post(server, "/v1/agents/agent-ava/next")
    _post(server, "/v1/events", [{
        "type": "utterance", "event_id": "hot-1-u2", "interaction_id": "hot-1",
        "occurred_at": _when(0.5), "speaker": "customer", "text": ANGRY_TEXT,
    }])  # fmt: skip
    strip = page.locator('#live-alerts li[data-interaction="hot-1"]')
    expect(strip).to_have_count(1, timeout=10_000)
    expect(page.locator('#panel-alerts li[data-interaction="hot-1"]').first).to_be_visible()
    _post(server, "/v1/events", [{
        "type": "interaction.ended", "event_id": "hot-1-e", "interaction_id": "hot-1",
        "occurred_at": _when(0.2), "outcome": {"resolved": True},
    }])  # fmt: skip
    expect(page.locator('#panel-alerts li[data-interaction="hot-1"]')).to_have_count(0)
    expect(strip).to_have_count(0)
