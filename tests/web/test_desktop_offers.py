"""An offer on the agent desktop says what the contact is: the MOMENT OF TRUTH tag shows for a
moment of truth and never for a routine contact (the tag's CSS once overrode ``hidden``)."""

from __future__ import annotations

import pytest
from tests.web.floor import chat_events
from tests.web.test_browser import (  # noqa: F401  (fixtures)
    CHROMIUM,
    _ingest,
    _signed_in,
    browser,
    server,
)
from tests.web.test_wallboard_fits import ROUTINE_TEXT

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect


def test_a_routine_offer_carries_no_moment_of_truth_tag(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    desk = _signed_in(browser, server, "ava", "/desktop")
    events = chat_events("routine-push", text=ROUTINE_TEXT, queue="claims")
    events[0]["reason"] = "billing"
    _ingest(server, events)
    offer = desk.get_by_test_id("offer")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("routine-push")
    expect(desk.get_by_test_id("offer-summary")).to_contain_text("routine")
    expect(offer.get_by_text("MOMENT OF TRUTH")).to_be_hidden()
