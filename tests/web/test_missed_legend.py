"""The missed-moments page's by-reason chart, in a real browser: its legend reads in the order its
bars stack, left to right (won, lost, missed), not Plotly's reversed order for stacked bars."""

from __future__ import annotations

import httpx
import pytest
from tests.web.browser import CHROMIUM
from tests.web.support import _a_day, _lost_moment, _wallboard

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect

#: For each status with a bar in the row of ``reason``, the left edge of its bar (screen px).
BARS = """reason => {
  const el = document.getElementById('chart-missed-reasons');
  const row = el.data[0].y.indexOf(reason);
  const traces = el.querySelectorAll('.barlayer .trace');
  return el.data.map((t, k) => [t.name, t.x[row],
    traces[k].querySelectorAll('.point')[row].getBoundingClientRect().left])
    .filter(([, n]) => n > 0).map(([name, , left]) => [name, left]);
}"""
#: Each legend entry's text with its left edge (screen px).
LEGEND = """() => Array.from(document.querySelectorAll('#chart-missed-reasons .legend .traces'))
  .map(e => [e.querySelector('.legendtext').textContent, e.getBoundingClientRect().left])"""


def _left_to_right(pairs: list[list[object]]) -> list[str]:
    return [str(name) for name, _ in sorted(pairs, key=lambda pair: float(str(pair[1])))]


def test_the_by_reason_legend_reads_in_the_order_the_bars_stack(
    browser: Browser,
    server: str,
) -> None:
    _a_day(server)  # moments won, for "flight cancelled"
    for n in range(2):  # and lost or missed, for the same reason
        response = httpx.post(f"{server}/v1/events", json=_lost_moment(f"legend-{n}", "ava"),
                              timeout=30)  # fmt: skip
        assert response.status_code == 200, response.text
    page = _wallboard(browser, server)
    page.goto("/wallboard/missed?days=7")
    expect(page.locator("#chart-missed-reasons .legend .traces").first).to_be_visible(
        timeout=15_000
    )
    bars = _left_to_right(page.evaluate(BARS, "flight cancelled"))
    assert bars[0] == "won" and len(bars) >= 2, bars  # won and lost or missed, in one row
    legend = _left_to_right(page.evaluate(LEGEND))
    assert legend == ["won", "lost", "missed"], legend
    # The statuses the row shows come in the legend's order (it said missed, lost, won).
    assert [name for name in legend if name in bars] == bars
