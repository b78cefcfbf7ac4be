"""The wallboard in a real browser as a supervisor reads it: the customer's deadline stays on
the board while its countdown ticks, and a 1024-px screen shows every column."""

from __future__ import annotations

import pytest
from tests.web.browser import CHROMIUM, ingest
from tests.web.floor import chat_events
from tests.web.support import _a_day, _board

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect


def test_the_deadline_keeps_the_customers_time_beside_its_countdown(
    browser: Browser,
    server: str,
) -> None:
    ingest(server, chat_events("chat-deadline"))  # "the recital is at 7 tonight"
    page = _board(browser, server, 1920, 1080)
    row = page.locator('[data-testid="moments"] tr[data-interaction="chat-deadline"]')
    cell = row.locator("td").nth(3)
    # The countdown ticks in the browser (PASSED ... ago: the test's day is in the past) ...
    expect(cell.locator("[data-deadline]")).to_contain_text("PASSED")
    # ... and the time the customer said stays, with the centre's beside it.
    expect(cell).to_contain_text("19:00")
    expect(cell).to_contain_text("customer")
    expect(cell).to_contain_text("centre")


@pytest.mark.parametrize("width, height", [(1024, 768), (1366, 768), (1440, 900), (1920, 1080)])
def test_every_wallboard_screen_shows_every_column_of_every_card(
    browser: Browser,
    server: str,
    width: int,
    height: int,
) -> None:
    _a_day(server)
    page = _board(browser, server, width, height)
    expect(page.locator("#chart-outcomes .main-svg").first).to_be_visible(timeout=15_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # No card hides columns behind a horizontal scroll bar of its own.
    clipped = page.evaluate(
        "() => Array.from(document.querySelectorAll('main section, main .card'))"
        ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.id || e.className)"
    )
    assert clipped == [], clipped
    # The three charts' titles do not run into each other.
    titles = page.evaluate(
        "() => ['chart-arrivals', 'chart-service', 'chart-outcomes'].map(id => {"
        "const t = document.querySelector('#' + id + ' .gtitle').getBoundingClientRect();"
        "const c = document.getElementById(id).getBoundingClientRect();"
        "return t.left >= c.left - 1 && t.right <= c.right + 1; })"
    )
    assert titles == [True, True, True]
    # Every moment's deadline and agent can be read: the table is whole inside its card.
    card = page.locator("#panel-moments").bounding_box()
    last = page.locator('[data-testid="moments"] thead th').last.bounding_box()
    assert card is not None and last is not None
    assert last["x"] + last["width"] <= card["x"] + card["width"] + 1
