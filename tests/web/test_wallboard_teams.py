"""A north-team supervisor's wallboard, in Chromium against a real server: a moment of truth
waits (ROUTE, every supervisor sees the waiting contacts); routing gives it to agent-ben of the
south team; the ROUTE line goes at once, with no reload. Before, the page heard nothing of a
decision for another team's agent and kept "ROUTE waiting for an agent"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.web.browser import CHROMIUM, serving, signed_in
from tests.web.floor import MOT_TEXT, chat_events

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with serving(tmp_path) as base:
        yield base


def test_a_contact_taken_by_another_team_leaves_the_wallboard(
    server: str,
    browser: Browser,
) -> None:
    started = httpx.post(f"{server}/v1/events", json=chat_events("w-1", MOT_TEXT), timeout=30)
    assert started.status_code == 200, started.text
    board = signed_in(browser, server, "sue", "/wallboard")
    route = board.locator('[data-testid="alerts"] li[data-interaction="w-1"]')
    expect(route).to_contain_text("ROUTE")
    taken = httpx.post(f"{server}/v1/agents/agent-ben/next", timeout=30)
    assert taken.status_code == 200, taken.text
    assert taken.json()["decision"]["interaction_id"] == "w-1"
    expect(route).to_have_count(0, timeout=5_000)
    assert "agent-ben" not in board.content()  # another team's agent: not named to her
