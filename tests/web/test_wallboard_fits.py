"""The wallboard on one 1920x1080 screen, with its trend charts over the day, the contacts no
queue holds explained, and the announcement strip in step with the alert list."""

from __future__ import annotations

import pytest
from tests.web.browser import CHROMIUM
from tests.web.figures import FIGURES
from tests.web.floor import MOT_TEXT
from tests.web.support import _a_day, _contact, _post, _wallboard, _when

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect

ANGRY_TEXT = (
    "This is the third time I call, I am furious, my flight is cancelled and my daughter's "
    "recital is at 7 tonight, I will cancel everything if you do not fix it now"
)


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
