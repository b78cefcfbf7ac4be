"""The agent desktop tells the truth live: its state menu, "In my hands", the countdown and the
forms follow the interaction from offer to end without a reload; voice stress is a line over the
call, not rows of the transcript; a survey shows its scores."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.web.browser import CHROMIUM
from tests.web.desktop_support import DEADLINE_TEXT, _agent, _at, _call, _post
from tests.web.figures import FIGURES
from tests.web.floor import PASSWORD
from tests.web.live_ready import live_ready

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect


def _state_is(page: Page, state: str) -> None:
    expect(page.locator("#agent-state")).to_have_attribute("data-state", state)
    expect(page.locator("#state")).to_have_value(state)


def test_the_desktop_follows_an_interaction_from_offer_to_end(
    browser: Browser,
    server: str,
) -> None:
    page = _agent(browser, server)
    _state_is(page, "available")
    held = page.locator("#held")
    expect(held).to_contain_text("Nothing yet")

    call = _call("offer-1")
    _post(server, "/v1/events", call)
    _post(server, "/v1/agents/agent-ava/next")  # routing gives it to her, outside the page
    expect(held.locator('li[data-interaction="offer-1"]')).to_have_count(1)  # live, no reload
    held.get_by_role("link", name="offer-1").click()
    expect(page).to_have_url(f"{server}/interactions/offer-1")
    expect(page.locator("[data-deadline]")).to_have_count(1)  # the countdown runs
    expect(page.locator("#reply-form")).to_be_visible()
    expect(page.locator('[aria-current="page"]')).to_have_text("offer-1")
    # Times on the customer's clock (the interaction says New York) beside the centre's (UTC).
    said = datetime.fromisoformat(call[1]["occurred_at"])
    new_york = said.astimezone(ZoneInfo("America/New_York"))
    expect(page.locator("#panel-transcript")).to_contain_text(
        f"{new_york:%H:%M} customer · {said.astimezone(UTC):%H:%M} centre"
    )
    expect(page.get_by_test_id("zones")).to_contain_text("America/New_York")
    expect(page.get_by_test_id("zones")).to_contain_text("the interaction's zone")

    # The state changes elsewhere (the platform, a supervisor): the menu follows it.
    _post(server, "/v1/agents/agent-ava/state", {"state": "away"})
    _state_is(page, "away")
    _post(server, "/v1/agents/agent-ava/state", {"state": "available"})
    _state_is(page, "available")
    FIGURES.mkdir(exist_ok=True)
    page.screenshot(path=str(FIGURES / "desktop.png"))

    # The customer hangs up: state, countdown, forms and "In my hands" follow at once.
    _post(server, "/v1/events", [{
        "type": "interaction.ended", "event_id": "offer-1-e", "interaction_id": "offer-1",
        "occurred_at": _at(),
    }])  # fmt: skip
    expect(page.locator("#panel-meta")).to_contain_text("ENDED")
    expect(page.locator("#reply-form")).to_have_count(0)
    expect(page.get_by_test_id("ended-note")).to_contain_text("This contact has ended")
    expect(page.locator("[data-deadline]")).to_have_count(0)
    expect(page.get_by_test_id("deadline")).to_contain_text("countdown stopped")
    expect(held.locator('li[data-interaction="offer-1"]')).to_have_count(0)
    expect(page.get_by_role("button", name="Transfer")).to_have_count(0)
    # At wrap-up, the written summary, each line linked to its turn in the transcript.
    summary = page.get_by_test_id("summary")
    expect(summary).to_contain_text("What the customer needed")
    expect(summary).to_contain_text("recital")
    summary.get_by_role("link", name="see the turn").first.click()
    expect(page).to_have_url(re.compile(r"/interactions/offer-1#event-\d+$"))
    # Wrap-up is still due; once recorded, its form goes too.
    page.get_by_label("Resolved", exact=True).check()
    page.get_by_role("button", name="Wrap up").click()
    expect(page.get_by_test_id("outcome")).to_contain_text("RESOLVED")
    expect(page.locator("#wrapup-form")).to_have_count(0)


def test_voice_stress_is_a_line_over_the_call_and_a_survey_shows_its_scores(
    browser: Browser,
    server: str,
) -> None:
    events: list[dict[str, Any]] = [
        {"type": "interaction.started", "event_id": "v-s", "interaction_id": "voice-1",
         "occurred_at": _at(60), "channel": "call", "queue": "travel"},
    ]  # fmt: skip
    for k, stress in enumerate((0.2, 0.35, 0.6, 0.8)):
        events.append(
            {"type": "audio.segment", "event_id": f"v-a{k}", "interaction_id": "voice-1",
             "occurred_at": _at(50 - k), "start_s": 2.0 * k, "end_s": 2.0 * k + 1.5,
             "stress": stress, "segment_stress": stress}
        )  # fmt: skip
    events += [
        {"type": "utterance", "event_id": "v-u", "interaction_id": "voice-1",
         "occurred_at": _at(40), "speaker": "customer", "text": DEADLINE_TEXT},
        {"type": "interaction.ended", "event_id": "v-e", "interaction_id": "voice-1",
         "occurred_at": _at(30), "outcome": {"resolved": True}},
        {"type": "survey.response", "event_id": "v-q", "interaction_id": "voice-1",
         "occurred_at": _at(10), "csat": 4, "nps": 9, "text": "Quick and kind"},
    ]  # fmt: skip
    _post(server, "/v1/events", events)
    page = browser.new_context(base_url=server).new_page()
    page.goto("/login")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/interactions/voice-1")
    transcript = page.locator("#panel-transcript")
    expect(transcript).to_contain_text("recital")
    expect(transcript).not_to_contain_text("audio segment")
    expect(transcript.locator("li")).to_have_count(4)  # started, the words, ended, the survey
    expect(transcript).to_contain_text("survey: CSAT 4 / 5, NPS 9 / 10: “Quick and kind”")
    line = page.locator("svg.stress-line polyline")
    expect(line).to_have_count(1)
    assert len((line.get_attribute("points") or "").split()) >= 4  # one per assessment
    expect(page.get_by_test_id("stress")).to_contain_text("RISING")


def test_the_desktop_asks_an_agent_to_set_themselves_available_only_when_they_are_not(
    browser: Browser,
    server: str,
) -> None:
    """It said "Set yourself available" to an agent already available; now the hint follows
    the agent's state, live."""
    page = _agent(browser, server)
    hint = page.get_by_test_id("desk-hint")
    try:
        _post(server, "/v1/agents/agent-ava/state", {"state": "available"})
        _state_is(page, "available")
        expect(hint).to_contain_text("You are available")
        expect(hint).not_to_contain_text("Set yourself available")
        _post(server, "/v1/agents/agent-ava/state", {"state": "away"})  # elsewhere: no reload
        _state_is(page, "away")
        expect(hint).to_contain_text("Set yourself available")
        page.reload()
        live_ready(page)
        expect(page.get_by_test_id("desk-hint")).to_contain_text("Set yourself available")
    finally:
        _post(server, "/v1/agents/agent-ava/state", {"state": "available"})
    expect(hint).to_contain_text("You are available")
