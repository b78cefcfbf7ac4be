"""The missed-moments page draws its charts (won, lost, missed per day and by reason) with the
wallboard's vendored Plotly, in a real browser, from real reviews."""

from __future__ import annotations

import httpx
import pytest
from tests.web.browser import CHROMIUM
from tests.web.support import _a_day, _lost_moment, _wallboard

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect


def test_the_missed_moments_page_charts_won_lost_missed_by_day_and_reason(
    browser: Browser,
    server: str,
) -> None:
    _a_day(server)
    for n in range(2):
        response = httpx.post(f"{server}/v1/events", json=_lost_moment(f"chart-lost-{n}", "ava"),
                              timeout=30)  # fmt: skip
        assert response.status_code == 200, response.text
    page = _wallboard(browser, server)
    page.goto("/wallboard/missed?days=7")
    for chart in ("chart-missed-days", "chart-missed-reasons"):
        expect(page.locator(f"#{chart} .main-svg").first).to_be_visible(timeout=15_000)
    figures = page.evaluate(
        "() => ['chart-missed-days', 'chart-missed-reasons'].map(id => "
        "document.getElementById(id).data.map(t => [t.name, "
        "(t.orientation === 'h' ? t.x : t.y).reduce((a, b) => a + b, 0)]))"
    )
    days, reasons = (dict(f) for f in figures)
    assert set(days) == {"won", "lost", "missed"}
    assert days["lost"] + days["missed"] >= 2  # the two lost moments, at least
    assert days == reasons  # the same reviews, counted by day and by reason
    labels = page.evaluate("() => document.getElementById('chart-missed-reasons').data[0].y")
    assert "flight cancelled" in labels
    # Won is green, never the red of a loss.
    colours = page.evaluate(
        "() => document.getElementById('chart-missed-days').data.map(t => t.marker.color)"
    )
    assert len(set(colours)) == 3
