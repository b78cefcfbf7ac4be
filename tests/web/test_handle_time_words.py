"""Handle times, the missed page's period and its pager, as a supervisor reads them in a real
browser. Until 2026-12-07 a handle time read in tenths of a minute ("0.1 min", "0.0 min" for a
contact of two seconds) where every other wait on the pages reads "4 min 10 s"; the period said
"since Mon 07 Dec 00:00 UTC, UTC"; and a page number past what the database's offset holds
(``page=10**21``, a mistyped link) was an internal error (500) instead of the list's last page,
and an address a page cannot take (``?days=abc``) answered the browser with the API's JSON."""

from __future__ import annotations

import re

import httpx
import pytest
from tests.web.browser import CHROMIUM, ingest
from tests.web.support import _lost_moment, _wallboard

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect

#: How the pages say a span of time (``kairos.routing.explain.duration``).
SPAN = re.compile(r"^(\d+ h( \d+ min)?|\d+ min( \d+ s)?|\d+ s)$")


def _handled(base: str, interaction_id: str, agent: str) -> None:
    """A moment of truth an agent took and that ended two minutes after it started."""
    events = _lost_moment(interaction_id, agent)
    ingest(base, events[:2])
    taken = httpx.post(f"{base}/v1/agents/{agent}/next", timeout=30).json()
    assert taken["decision"]["interaction_id"] == interaction_id, taken
    for event in events[2:]:
        if event.get("speaker") == "agent":
            event["agent_id"] = agent
    ingest(base, events[2:])


def test_handle_times_read_in_minutes_and_seconds_and_the_period_names_its_zone_once(
    browser: Browser,
    server: str,
) -> None:
    _handled(server, "handled-1", "agent-ava")  # two minutes: "2 min", not "2.0 min"
    page = _wallboard(browser, server)
    handle = page.get_by_test_id("handle-time").locator("dd").inner_text().strip()
    said = re.fullmatch(r"routine (.+) · moments (.+)", handle)
    assert said is not None, handle
    assert said[1] == "–" and SPAN.match(said[2]), handle  # no routine contact handled yet
    page.goto("/wallboard/missed?days=7")
    cards = page.locator("#cards-title + p + table tbody tr")
    expect(cards.first).to_be_visible()
    handle = cards.evaluate_all("rows => rows.map(r => [...r.children].slice(-2)"
                                ".map(c => c.textContent.trim()))")  # fmt: skip
    spans = [t for pair in handle for t in pair if t != "–"]
    assert spans and all(SPAN.match(t) for t in spans), handle
    period = page.get_by_test_id("period").inner_text()
    assert "UTC" in period and "UTC, UTC" not in period, period


def test_a_page_past_any_list_is_the_lists_last_page_not_an_error(
    browser: Browser,
    server: str,
) -> None:
    page = _wallboard(browser, server)
    response = page.goto(f"/wallboard/missed?days=7&page={10**21}")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", name="To review")).to_be_visible()


def test_a_page_address_it_cannot_take_reads_as_a_page_not_json(
    browser: Browser,
    server: str,
) -> None:
    page = _wallboard(browser, server)
    response = page.goto("/wallboard/missed?days=abc")
    assert response is not None and response.status == 422
    assert "text/html" in response.headers["content-type"]
    expect(page.get_by_role("heading", name="Not a page address")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("days")
    # The API keeps its JSON answer.
    api = page.request.get("/v1/outcomes/calibration?days=abc")
    assert api.status == 422 and api.json()["error"] == "invalid_request"
