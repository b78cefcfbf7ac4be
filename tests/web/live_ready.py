"""Waiting for a page's live stream: on a busy machine it may take far longer than the 5 s a
Playwright expectation waits by default."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

# Generous: a slow start is waited for, a stream that never comes still fails the test.
LIVE_READY_MS = 60_000


def live_ready(page: Page) -> None:
    """Wait until the page's stream says it is subscribed (``live.connected``: the page sees
    everything published from then on)."""
    from playwright.sync_api import expect

    expect(page.locator("body")).to_have_attribute("data-live", "connected", timeout=LIVE_READY_MS)
