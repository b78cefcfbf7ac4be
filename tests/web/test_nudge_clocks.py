"""Coaching nudges on the desktop say when, on the customer's clock beside the centre's, as the
transcript does: live in the nudges list and in the coaching panel."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from tests.web.browser import CHROMIUM
from tests.web.desktop_support import _agent, _call, _post
from tests.web.live_ready import live_ready

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect

CLOCKS = re.compile(r"(\d\d):(\d\d) customer · (\d\d):(\d\d) centre")


def _new_york_beside_utc(shown: str) -> None:
    found = CLOCKS.search(shown)
    assert found, shown
    ny_h, ny_m, utc_h, utc_m = (int(g) for g in found.groups())
    offset = datetime.now(UTC).astimezone(ZoneInfo("America/New_York")).utcoffset()
    assert offset is not None
    minutes = round(offset.total_seconds() / 60)
    assert (ny_h * 60 + ny_m - (utc_h * 60 + utc_m) - minutes) % 1440 == 0, shown


def test_a_coaching_nudge_shows_the_customers_time_beside_the_centres(
    browser: Browser,
    server: str,
) -> None:
    page = _agent(browser, server)
    _post(server, "/v1/events", _call("nudge-1"))  # the customer is in New York; the centre UTC
    _post(server, "/v1/agents/agent-ava/next")
    page.goto("/interactions/nudge-1")
    live_ready(page)
    page.get_by_label("Your reply").fill("It's your fault for booking so late.")
    page.get_by_role("button", name="Send reply").click()
    live = page.locator("#nudges li", has_text="COACHING (blame)").first
    expect(live).to_contain_text(" customer · ", timeout=15_000)
    _new_york_beside_utc(live.inner_text())
    panel = page.get_by_test_id("coaching").locator("li", has_text="BLAME").first
    expect(panel).to_contain_text(" customer · ", timeout=15_000)
    _new_york_beside_utc(panel.inner_text())
