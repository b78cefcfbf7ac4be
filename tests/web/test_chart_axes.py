"""The won/lost/missed charts on a period with nothing judged say so, and never draw a
count axis below zero; a one-day period is one labelled day, its counts whole numbers (in
Chromium, from real reviews)."""

from __future__ import annotations

import httpx
import pytest
from tests.web.browser import CHROMIUM
from tests.web.support import _lost_moment, _wallboard

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect

EMPTY = "No moments judged in this period"


def _axis(page: Page, chart: str) -> dict[str, list[str]]:
    """The tick labels Plotly drew on a chart's axes."""
    return page.evaluate(
        "(id) => Object.fromEntries(['xtick', 'ytick'].map(k => [k, Array.from("
        "document.querySelectorAll(`#${id} .${k} text`)).map(t => t.textContent)]))",
        chart,
    )


def test_an_empty_period_says_no_moments_were_judged_instead_of_an_axis_from_minus_one(
    browser: Browser,
    server: str,
) -> None:
    page = _wallboard(browser, server)
    expect(page.locator("#chart-outcomes .main-svg").first).to_be_visible(timeout=15_000)
    expect(page.locator("#chart-outcomes")).to_contain_text(EMPTY)
    assert not any(t.startswith(("−", "-")) for t in _axis(page, "chart-outcomes")["ytick"])
    page.goto("/wallboard/missed?days=1")
    for chart in ("chart-missed-days", "chart-missed-reasons"):
        expect(page.locator(f"#{chart} .main-svg").first).to_be_visible(timeout=15_000)
        expect(page.locator(f"#{chart}")).to_contain_text(EMPTY)
        ticks = _axis(page, chart)
        assert not any(t.startswith(("−", "-")) for t in ticks["xtick"] + ticks["ytick"]), ticks


def test_a_one_day_period_is_one_labelled_day_with_whole_counts(
    browser: Browser,
    server: str,
) -> None:
    response = httpx.post(f"{server}/v1/events", json=_lost_moment("one-day-lost", "ava"),
                          timeout=30)  # fmt: skip
    assert response.status_code == 200, response.text
    page = _wallboard(browser, server)
    page.goto("/wallboard/missed?days=1")
    expect(page.locator("#chart-missed-days .main-svg").first).to_be_visible(timeout=15_000)
    expect(page.locator("#chart-missed-days")).not_to_contain_text(EMPTY)
    ticks = _axis(page, "chart-missed-days")
    assert len(ticks["xtick"]) == 1, ticks  # the day, not the hours of a date axis
    assert all(t.isdigit() for t in ticks["ytick"]), ticks  # 0 and 1, no 0.2 or -1
    assert ticks["ytick"][0] == "0", ticks


def test_the_missed_pages_charts_say_their_totals_to_a_screen_reader(
    browser: Browser,
    server: str,
) -> None:
    for n in range(2):
        response = httpx.post(f"{server}/v1/events", json=_lost_moment(f"label-lost-{n}", "ava"),
                              timeout=30)  # fmt: skip
        assert response.status_code == 200, response.text
    page = _wallboard(browser, server)
    page.goto("/wallboard/missed?days=7")
    expect(page.locator("#chart-missed-days .main-svg").first).to_be_visible(timeout=15_000)
    totals = page.evaluate(
        "() => document.getElementById('chart-missed-days').data.map(t => "
        "t.name + ' (' + t.y.reduce((a, b) => a + b, 0) + ')')"
    )
    for chart in ("chart-missed-days", "chart-missed-reasons"):
        label = page.locator(f"#{chart}").get_attribute("aria-label") or ""
        for total in totals:  # as the wallboard's charts and docs/pages.md say: totals in words
            assert total in label, (chart, label, totals)
