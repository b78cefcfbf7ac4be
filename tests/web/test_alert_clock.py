"""The wallboard ages with the clock, in Chromium against a real server: a quiet contact's alert
turns from "take over" to "assist" as its deadline passes the grace window, and its countdown
from red to grey, with no new event and no reload; a transfer back to a queue clears the alert
(the board shows a moment of truth waiting instead), and the agent routing gives it next gets
it again (here the agent who let it go: the server gives a contact back after a second)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.web.browser import CHROMIUM, serving, signed_in

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect

FURIOUS = (
    "This is the third time I call, I am furious, my flight leaves in 20 minutes and I will "
    "cancel everything if you do not fix it now"
)
#: Seconds until the deadline said below leaves the policy's 30-minute grace window.
LEFT_IN_GRACE = 25


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A server that reads its alerts again against the clock every second."""
    # An agent who lets a contact go may be given it again after a second (120 s by default).
    env = {"KAIROS_ALERT_RECHECK_S": "1", "KAIROS_RETURN_AFTER_PASS_S": "1"}
    with serving(tmp_path, env=env) as base:
        yield base


def _event(kind: str, event_id: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "event_id": event_id, "interaction_id": "late-1",
            "occurred_at": at.isoformat(), **fields}  # fmt: skip


def _post(base: str, path: str, body: object) -> httpx.Response:
    response = httpx.post(f"{base}{path}", json=body, timeout=30)
    assert response.status_code in (200, 201), response.text
    return response


def _log(base: str) -> list[dict[str, Any]]:
    items = httpx.get(f"{base}/v1/supervision/alerts/log?interaction_id=late-1").json()["items"]
    return list(items)


def test_a_quiet_contacts_alert_and_countdown_age_with_the_clock(
    server: str,
    browser: Browser,
) -> None:
    # "In 20 minutes" said 50 minutes ago less LEFT_IN_GRACE s: nearly 30 min past the deadline.
    said = datetime.now(UTC) - timedelta(minutes=50) + timedelta(seconds=LEFT_IN_GRACE)
    start = _event("interaction.started", "late-1-start", said - timedelta(minutes=1),
                   channel="chat", queue="travel", reason="flight cancelled")  # fmt: skip
    _post(server, "/v1/events", [start])
    assert _post(server, "/v1/agents/agent-ava/next", None).json()["decision"]["interaction_id"]
    _post(server, "/v1/events", [_event("utterance", "late-1-u1", said, speaker="customer",
                                        text=FURIOUS)])  # fmt: skip
    board = signed_in(browser, server, "sue", "/wallboard")
    alert = board.locator('[data-testid="alerts"] li[data-interaction="late-1"]')
    expect(alert).to_contain_text("TAKE OVER")
    expect(alert).to_contain_text(re.compile(r"passed 29 min( \d+ s)? ago"))
    row = board.locator('[data-testid="moments"] tr[data-interaction="late-1"]')
    countdown = row.locator("[data-deadline]")
    expect(countdown).to_have_class(re.compile(r"\blevel-high\b"))

    # Nothing happens on the contact; the deadline leaves the grace window.
    expect(alert).to_contain_text("ASSIST", timeout=(LEFT_IN_GRACE + 10) * 1000)
    expect(countdown).to_have_class(re.compile(r"\blevel-low\b"))
    expect(countdown).not_to_have_class(re.compile(r"\blevel-high\b"))
    expect(countdown).to_have_attribute("data-level", "low")
    assert [e["action"] for e in _log(server)][:2] == ["assist", "take_over"]
    api = httpx.get(f"{server}/v1/supervision/alerts").json()["items"]
    assert [(a["interaction_id"], a["action"]) for a in api] == [("late-1", "assist")]

    # Back to the queue with no agent and nothing said: no one to assist; the alert clears.
    transfer = _event("transfer", "late-1-back", datetime.now(UTC), to_queue="travel",
                      reason="wrong desk")  # fmt: skip
    _post(server, "/v1/events", [transfer])
    # What the supervisor sees instead: a moment of truth waiting for an agent.
    expect(alert).to_contain_text("ROUTE", timeout=5_000)
    expect(alert).to_contain_text("a moment of truth is waiting for an agent")
    expect(alert).to_have_count(1)
    deadline = time.monotonic() + 5
    while any(e["cleared_at"] is None for e in _log(server)):
        assert time.monotonic() < deadline, "the alert stayed open after the transfer"
        time.sleep(0.1)
    assert httpx.get(f"{server}/v1/supervision/alerts").json()["items"] == []
    # Routing gives it to the next agent (the one who let it go, once its second has passed):
    # the alert follows them, with no word said.
    deadline = time.monotonic() + 10
    while _post(server, "/v1/agents/agent-ava/next", None).json()["decision"] is None:
        assert time.monotonic() < deadline, "routing did not give the contact back"
        time.sleep(0.2)
    expect(alert).to_contain_text("ASSIST", timeout=10_000)
    expect(alert).to_contain_text("(agent-ava)")
