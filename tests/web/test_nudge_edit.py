"""A coaching nudge is withdrawn when the agent edits the words it was about (Chromium against a
real server): the desktop's live nudges kept advice on words no longer in the transcript."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.factories import at
from tests.web.browser import CHROMIUM, signed_in
from tests.web.floor import chat_events
from tests.web.live_ready import live_ready

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect


def ingest(base: str, events: list[dict[str, Any]]) -> None:
    response = httpx.post(f"{base}/v1/events", json=events, timeout=30)
    assert response.status_code == 200, response.text


def _agent_says(event_id: str, text: str, edit_of: str | None = None) -> dict[str, Any]:
    return {"type": "utterance", "event_id": event_id, "interaction_id": "edit-nudge",
            "occurred_at": at(5), "speaker": "agent", "agent_id": "agent-ava", "text": text,
            **({"edit_of": edit_of} if edit_of else {})}  # fmt: skip


def test_an_edited_message_takes_its_nudge_away(
    server: str,
    browser: Browser,
) -> None:
    ingest(server, chat_events("edit-nudge"))
    desk = signed_in(browser, server, "ava", "/desktop")
    desk.get_by_role("button", name="Take the next interaction").click()
    expect(desk).to_have_url(f"{server}/interactions/edit-nudge")
    live_ready(desk)
    live = desk.locator("#nudges li", has_text="COACHING")
    panel = desk.get_by_test_id("coaching")

    ingest(server, [_agent_says("edit-nudge-a1", "It's your fault for booking so late.")])
    expect(live).to_have_count(1)
    expect(live).to_contain_text("your fault")
    expect(panel).to_contain_text("BLAME")

    # The agent edits the message in the chat: the advice on the old words goes, live.
    kind = "I'm sorry, let me find you another flight."
    ingest(server, [_agent_says("edit-nudge-a1-e", kind, edit_of="edit-nudge-a1")])
    expect(desk.locator("#panel-transcript")).to_contain_text("another flight")
    expect(live).to_have_count(0)
    expect(panel).to_contain_text("Nothing to coach so far.")

    # Edited again, into words that deflect: one nudge, on the words now there.
    deflect = "You'll have to call the airport about that."
    ingest(server, [_agent_says("edit-nudge-a1-e2", deflect, edit_of="edit-nudge-a1-e")])
    expect(live).to_have_count(1)
    expect(live).to_contain_text("COACHING (deflect)")
    expect(live).not_to_contain_text("your fault")
