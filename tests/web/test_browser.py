"""End to end in headless Chromium (Debian's, driven by Playwright) against a real server.

A uvicorn server runs ``kairos serve`` on a free port over a temporary SQLite database; pages are
opened in Chromium and events go in through the JSON API, as a contact-center platform sends them.
Screenshots of both pages go to ``tests/artifacts/``.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from tests.web.browser import CHROMIUM, ingest, signed_in
from tests.web.floor import chat_events
from tests.web.live_ready import live_ready

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect


def test_a_moment_of_truth_reaches_the_wallboard_and_the_agents_desktop(
    server: str, browser: Browser
) -> None:
    wallboard = signed_in(browser, server, "sue", "/wallboard")
    desk = signed_in(browser, server, "ava", "/desktop")

    started = time.monotonic()
    ingest(server, chat_events("chat-mot"))
    acknowledged = time.monotonic()
    row = wallboard.locator('[data-testid="moments"] tr[data-interaction="chat-mot"]')
    row.wait_for(timeout=1_000)
    shown = time.monotonic()
    assert shown - acknowledged < 1.0
    print(
        f"wallboard: {1000 * (shown - started):.0f} ms from ingest, "
        f"{1000 * (shown - acknowledged):.0f} ms after the API answered"
    )
    expect(row).to_contain_text("WAITING")
    expect(row).to_contain_text("family event")

    desk.get_by_role("button", name="Take the next interaction").click()
    expect(desk).to_have_url(f"{server}/interactions/chat-mot")
    banner = desk.locator("#panel-banner")
    expect(banner).to_contain_text("MOMENT OF TRUTH")
    expect(banner.get_by_test_id("reasons")).to_contain_text("recital")
    expect(banner.get_by_test_id("stakes")).to_contain_text("travel disruption")
    expect(desk.get_by_test_id("facts")).to_contain_text("account number: AC-7731902")
    expect(desk.get_by_test_id("facts")).to_contain_text("from IVR")
    expect(desk.get_by_test_id("playbook")).to_contain_text("without asking")
    # The wallboard follows the routing decision live: the moment now has its agent.
    expect(row).to_contain_text("agent-ava")

    # The thread goes on: the customer's next words and a re-ask nudge arrive without a reload.
    ingest(
        server,
        [
            {
                "type": "utterance",
                "event_id": "chat-mot-u2",
                "interaction_id": "chat-mot",
                "occurred_at": "2026-11-22T14:00:05+00:00",
                "speaker": "customer",
                "text": "Is there any other flight tonight?",
            }
        ],
    )
    expect(desk.locator("#panel-transcript")).to_contain_text("any other flight tonight")
    desk.get_by_label("Your reply").fill("Could you give me your account number please?")
    desk.get_by_role("button", name="Send reply").click()
    expect(desk.locator("#nudges")).to_contain_text("DO NOT ASK AGAIN — already known")
    expect(desk.locator("#panel-facts")).to_contain_text("Re-asked")
    # Blaming words bring a coaching nudge with better wording, live.
    desk.get_by_label("Your reply").fill("It's your fault for booking so late.")
    desk.get_by_role("button", name="Send reply").click()
    expect(desk.locator("#nudges")).to_contain_text("COACHING (blame)")
    expect(desk.get_by_test_id("coaching")).to_contain_text("BLAME")

    ARTIFACTS.mkdir(exist_ok=True)
    desk.screenshot(path=str(ARTIFACTS / "desktop.png"), full_page=True)
    wallboard.screenshot(path=str(ARTIFACTS / "wallboard.png"), full_page=True)


def test_a_key_message_reaches_the_matching_interaction(server: str, browser: Browser) -> None:
    ingest(server, chat_events("chat-km"))
    desk = signed_in(browser, server, "ava", "/desktop")
    desk.get_by_role("button", name="Take the next interaction").click()
    expect(desk).to_have_url(f"{server}/interactions/chat-km")
    expect(desk.get_by_test_id("key-messages")).to_contain_text("None for this interaction")

    wallboard = signed_in(browser, server, "sue", "/wallboard")
    wallboard.get_by_text("Post a key message").click()  # the form folds away on the wallboard
    wallboard.get_by_label("Title").fill("Denver airport closed")
    wallboard.get_by_label("What agents should say").fill("Snowstorm: rebook via Colorado Springs.")
    wallboard.get_by_label("Expected fix").fill("Runways reopen 18:00")
    wallboard.get_by_label("Severity").select_option("critical")
    wallboard.get_by_label("Queues (comma-separated; blank: all)").fill("travel")
    wallboard.get_by_role("button", name="Post key message").click()
    expect(wallboard.get_by_test_id("active-key-messages")).to_contain_text("Denver airport closed")

    # Live on the agent's page: the panel and an announced nudge, no reload.
    expect(desk.get_by_test_id("key-messages")).to_contain_text("CRITICAL: Denver airport closed")
    expect(desk.get_by_test_id("key-messages")).to_contain_text("Runways reopen 18:00")
    expect(desk.locator("#nudges")).to_contain_text("KEY MESSAGE (CRITICAL)")


def test_an_agent_cannot_open_another_agents_interaction(server: str, browser: Browser) -> None:
    ingest(server, chat_events("chat-mine"))
    ava = signed_in(browser, server, "ava", "/desktop")
    ava.get_by_role("button", name="Take the next interaction").click()
    expect(ava).to_have_url(f"{server}/interactions/chat-mine")

    ben = signed_in(browser, server, "ben", "/desktop")
    response = ben.goto("/interactions/chat-mine")
    assert response is not None and response.status == 403
    expect(ben.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(ben.locator("main")).not_to_contain_text("recital")
    # Nor does his live stream carry her interaction's events.
    ingest(
        server,
        [
            {
                "type": "utterance",
                "event_id": "chat-mine-secret",
                "interaction_id": "chat-mine",
                "occurred_at": "2026-11-22T14:00:09+00:00",
                "speaker": "customer",
                "text": "my secret words",
            }
        ],
    )
    expect(ava.locator("#panel-transcript")).to_contain_text("my secret words")
    ben.goto("/desktop")
    live_ready(ben)
    expect(ben.locator("main")).not_to_contain_text("chat-mine")


def test_wrap_up_records_the_outcome(server: str, browser: Browser) -> None:
    ingest(server, chat_events("chat-wrap"))
    desk = signed_in(browser, server, "ava", "/desktop")
    # By keyboard alone: tab to the button and press Enter.
    for _ in range(30):
        desk.keyboard.press("Tab")
        if desk.evaluate("document.activeElement.id") == "take-next":
            break
    else:
        pytest.fail("the keyboard never reached 'Take the next interaction'")
    desk.keyboard.press("Enter")
    expect(desk).to_have_url(f"{server}/interactions/chat-wrap")
    desk.get_by_label("Resolved", exact=True).check()
    desk.get_by_label("The customer confirmed the resolution").check()
    desk.get_by_label("Wrap-up note").fill("rebooked on the 17:40 via Colorado Springs")
    desk.get_by_role("button", name="Wrap up").click()
    expect(desk.locator("#notices")).to_contain_text("Wrapped up chat-wrap: resolved")
    expect(desk.get_by_test_id("outcome")).to_contain_text("RESOLVED")

    stored = httpx.get(f"{server}/v1/interactions/chat-wrap").json()
    assert stored["state"] == "ended"
    assert stored["outcome"]["resolved"] is True
    assert stored["outcome"]["customer_confirmed"] is True


def test_routing_pushes_an_offer_to_the_open_desktop(server: str, browser: Browser) -> None:
    desk = signed_in(browser, server, "ava", "/desktop")
    offer = desk.get_by_test_id("offer")
    expect(offer).to_be_hidden()
    ingest(server, chat_events("chat-push"))
    # Offered at once, live, with the reasons in plain words: no click to ask for work.
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("chat-push")
    expect(offer).to_contain_text("MOMENT OF TRUTH")
    expect(desk.get_by_test_id("offer-summary")).to_contain_text("moment of truth: ")
    expect(desk.get_by_test_id("offer-summary")).to_contain_text("; you: certified")
    expect(offer).to_contain_text("Expires in")
    offer.get_by_role("button", name="Accept").click()
    expect(desk).to_have_url(f"{server}/interactions/chat-push")
    expect(desk.get_by_test_id("decision-summary")).to_contain_text("moment of truth")
    # A second contact: declined, the offer goes away (to the next agent, none here).
    desk.goto("/desktop")
    ingest(server, chat_events("chat-push-2"))
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("chat-push-2")
    offer.get_by_role("button", name="Decline").click()
    expect(desk.locator("body")).to_contain_text("Declined: it goes to the next agent.")
    expect(desk.get_by_test_id("offer")).to_be_hidden()


def test_an_edited_message_shows_its_new_words_in_place_marked_edited(
    server: str, browser: Browser
) -> None:
    pressure = "I need the refund by 5pm today or I lose my booking!!"
    ingest(server, chat_events("chat-edit", text=pressure))
    desk = signed_in(browser, server, "ava", "/desktop")
    desk.get_by_role("button", name="Take the next interaction").click()
    expect(desk).to_have_url(f"{server}/interactions/chat-edit")
    transcript = desk.locator("#panel-transcript")
    expect(transcript).to_contain_text("by 5pm today")
    lines = transcript.locator("li").count()
    # The visitor edits the message: the desktop follows live, without a reload.
    ingest(
        server,
        [
            {
                "type": "utterance",
                "event_id": "chat-edit-u1-e",
                "interaction_id": "chat-edit",
                "occurred_at": "2026-11-22T14:01:00+00:00",
                "speaker": "customer",
                "text": "no rush, next week is fine",
                "edit_of": "chat-edit-u1",
            }
        ],
    )
    expect(transcript).to_contain_text("no rush, next week is fine")
    expect(transcript).not_to_contain_text("by 5pm today")
    expect(transcript.locator(".edited")).to_contain_text("(edited 06:01 customer · 14:01 centre)")
    assert transcript.locator("li").count() == lines  # in its place, not a line of its own
    expect(desk.locator("#panel-banner")).not_to_contain_text("5pm")
