"""The pages' words say a thing once: a label is not repeated by the text it introduces (in
Chromium, against a real server)."""

from __future__ import annotations

import re

import pytest
from tests.web.browser import CHROMIUM, ingest, signed_in
from tests.web.floor import chat_events

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect


def _said_twice(text: str) -> list[str]:
    """The phrases of two or more words that a line says twice in a row ("already known: ...
    already known", "13 more. 13 more")."""
    words = re.findall(r"[\w']+", text.lower())
    found = []
    for n in (3, 2):
        for i in range(len(words) - n):
            phrase = words[i : i + n]
            if phrase in (words[j : j + n] for j in range(i + n, min(i + n + 4, len(words)))):
                found.append(" ".join(phrase))
    return found


def test_the_re_ask_nudge_says_already_known_once(
    server: str,
    browser: Browser,
) -> None:
    desk = signed_in(browser, server, "ava", "/desktop")
    ingest(server, chat_events("words-reask"))
    desk.get_by_role("button", name="Take the next interaction").click()
    expect(desk).to_have_url(f"{server}/interactions/words-reask")
    desk.get_by_label("Your reply").fill("Could you give me your account number please?")
    desk.get_by_role("button", name="Send reply").click()
    nudge = desk.locator("#nudges li", has_text="do not ask again").first
    expect(nudge).to_contain_text("account number")
    said = nudge.inner_text()
    assert said.lower().count("already known") <= 1 and not _said_twice(said), said


def test_the_not_queued_list_gives_its_reason_once(
    server: str,
    browser: Browser,
) -> None:
    ingest(server, chat_events("words-ivr", queue=None))
    board = signed_in(browser, server, "sue", "/wallboard")
    unqueued = board.get_by_test_id("unqueued")
    expect(unqueued).to_contain_text("words-ivr")
    section = board.locator("#panel-queues").inner_text()
    # The heading does not say what every item below it says again.
    items = unqueued.locator("li[data-interaction]").count()
    assert section.count("routing cannot offer") == items, section
