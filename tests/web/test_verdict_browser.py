"""Verdicts on the MoT flag in headless Chromium against a real server: a supervisor says an
alert's contact was not a moment of truth from the wallboard, an agent marks a missed moment
from the desktop, and both are stored with who, when and the score (the API reads them back)."""

from __future__ import annotations

import httpx
import pytest
from tests.web.browser import CHROMIUM, ingest, signed_in
from tests.web.floor import chat_events

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect

ANGRY = (
    "This is the third time I call, I am furious, my flight is cancelled and my daughter's "
    "recital is at 7 tonight, I will cancel everything if you do not fix it now"
)


def _said(base: str, interaction_id: str) -> list[dict[str, object]]:
    body = httpx.get(f"{base}/v1/interactions/{interaction_id}/verdicts", timeout=10).json()
    return list(body["items"])


def test_a_supervisor_and_an_agent_give_verdicts_that_are_stored(
    server: str,
    browser: Browser,
) -> None:
    ingest(server, chat_events("chat-v"))
    desk = signed_in(browser, server, "ava", "/desktop")
    desk.get_by_role("button", name="Take the next interaction").click()
    expect(desk).to_have_url(f"{server}/interactions/chat-v")
    ingest(server, [{"type": "utterance", "event_id": "chat-v-u2", "interaction_id": "chat-v",
                      "occurred_at": "2026-11-22T14:00:09+00:00", "speaker": "customer",
                      "text": ANGRY}])  # fmt: skip

    wallboard = signed_in(browser, server, "sue", "/wallboard")
    alert = wallboard.locator('[data-testid="alerts"] li[data-interaction="chat-v"]')
    button = alert.get_by_role("button", name="Not a moment of truth: alert on chat-v")
    button.click()
    expect(wallboard.locator("#notices")).to_contain_text(
        "Recorded: chat-v was not a moment of truth (a false flag)"
    )
    # The alert now says so, and offers the button no more.
    expect(alert.get_by_test_id("verdict-said")).to_contain_text("not a moment of truth")
    expect(button).to_have_count(0)
    (stored,) = _said(server, "chat-v")
    assert stored["given_by"] == "sue" and stored["role"] == "supervisor"
    assert stored["reading"] == "false_flag" and stored["alert_id"] is not None
    assert stored["flagged"] and stored["mot_score"] >= 0.5  # type: ignore[operator]

    # The agent's desktop: a contact Kairos did not flag, marked a missed moment of truth.
    ingest(server, chat_events("chat-quiet", "Hi, what time does the lounge open tomorrow?"))
    desk.goto("/desktop")
    desk.get_by_role("button", name="Take the next interaction").click()
    expect(desk).to_have_url(f"{server}/interactions/chat-quiet")
    verdict = desk.locator("#verdict-form")
    expect(verdict).to_contain_text("Kairos does not flag it")
    verdict.get_by_role("button", name="A missed moment of truth").click()
    expect(desk.locator("#notices")).to_contain_text(
        "Recorded: chat-quiet was a missed moment of truth"
    )
    expect(desk.get_by_test_id("verdict-said")).to_contain_text("a moment of truth")
    (mine,) = _said(server, "chat-quiet")
    assert (mine["given_by"], mine["role"], mine["reading"]) == ("ava", "agent", "missed")
