"""An offer on the agent desktop says what the contact is: the MOMENT OF TRUTH tag shows for a
moment of truth and never for a routine contact (the tag's CSS once overrode ``hidden``)."""

from __future__ import annotations

import pytest
from tests.web.browser import CHROMIUM, ingest, signed_in
from tests.web.floor import PASSWORD, chat_events
from tests.web.support import ROUTINE_TEXT

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect


def test_a_routine_offer_carries_no_moment_of_truth_tag(
    browser: Browser,
    server: str,
) -> None:
    desk = signed_in(browser, server, "ava", "/desktop")
    events = chat_events("routine-push", text=ROUTINE_TEXT, queue="claims")
    events[0]["reason"] = "billing"
    ingest(server, events)
    offer = desk.get_by_test_id("offer")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("routine-push")
    expect(desk.get_by_test_id("offer-summary")).to_contain_text("routine")
    expect(offer.get_by_text("MOMENT OF TRUTH")).to_be_hidden()


def test_a_long_unbroken_word_stays_inside_a_1366_px_desktop(
    browser: Browser,
    server: str,
) -> None:
    """A pasted link, a platform's long reason or a long email address breaks inside its card;
    the page never grows sideways (it was 3,883 px wide for one 420-character link)."""
    events = chat_events("long-words")
    events[0]["reason"] = "R" * 150
    events[0]["identities"] = [{"kind": "email", "value": "x" * 60 + "@example.com"}]
    events[-1]["text"] = "My flight was cancelled: https://example.com/" + "a" * 400
    ingest(server, events)
    context = browser.new_context(base_url=server, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/interactions/long-words")
    expect(page.locator("#panel-transcript")).to_contain_text("example.com")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert (
        page.evaluate(
            "() => Array.from(document.querySelectorAll('main .card, main section'))"
            ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.id || e.className)"
        )
        == []
    )
