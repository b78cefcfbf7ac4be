"""Helpers the web page tests share."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
from tests.web.browser import CHROMIUM
from tests.web.floor import MOT_TEXT, PASSWORD
from tests.web.live_ready import live_ready

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect

ANGRY = (
    "This is the third time I call, I am furious, my flight is cancelled and my daughter's "
    "recital is at 7 tonight, I will cancel everything if you do not fix it now"
)


def _utterance(event_id: str, text: str, seconds: int) -> dict[str, Any]:
    return {
        "type": "utterance",
        "event_id": event_id,
        "interaction_id": "hot-1",
        "occurred_at": f"2026-11-22T14:00:{seconds:02d}+00:00",
        "speaker": "customer",
        "text": text,
    }


def _lost_moment(interaction_id: str, agent: str) -> list[dict[str, Any]]:
    # Half an hour ago, but today (UTC, the pages' day here): a run just after midnight put
    # the moment on yesterday's page, and today's showed none.
    now = datetime.now(UTC)
    span = min(timedelta(minutes=30), 0.9 * (now - datetime.combine(now.date(), time(0), UTC)))
    start, step = now - span, min(timedelta(seconds=30), span / 5)

    def event(kind: str, n: int, **body: Any) -> dict[str, Any]:
        return {
            "type": kind,
            "event_id": f"{interaction_id}-{n}",
            "interaction_id": interaction_id,
            "occurred_at": (start + step * n).isoformat(),
            **body,
        }

    return [
        event("interaction.started", 0, channel="chat", queue="travel", reason="flight cancelled"),
        event(
            "utterance",
            1,
            speaker="customer",
            text="My flight was cancelled and my daughter's recital is at 7 tonight, "
            "I am desperate, please help me",
        ),
        event(
            "utterance",
            2,
            speaker="agent",
            text="That's not my department, you'll have to call the airline.",
        ),
        event("utterance", 3, speaker="customer", text="This is useless. I'm done with you."),
        event("interaction.ended", 4, outcome={"resolved": False}),
    ]


def _moment_at(interaction_id: str, start: datetime) -> list[dict[str, object]]:
    events = _lost_moment(interaction_id, "agent-ava")
    shift = start - datetime.fromisoformat(str(events[0]["occurred_at"]))
    for event in events:
        event["occurred_at"] = (
            datetime.fromisoformat(str(event["occurred_at"])) + shift
        ).isoformat()
    return events


ROUTINE_TEXT = "Hi, could you tell me when my next bill is due?"


def _when(minutes_ago: float) -> str:
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(midnight + timedelta(seconds=1), now - timedelta(minutes=minutes_ago)).isoformat()


def _contact(
    interaction_id: str, text: str, *, queue: str | None, minutes_ago: float, end: bool = False
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {
            "type": "interaction.started", "event_id": f"{interaction_id}-s",
            "interaction_id": interaction_id, "occurred_at": _when(minutes_ago), "channel": "chat",
            "queue": queue, "reason": "flight cancelled",
        },
        {
            "type": "utterance", "event_id": f"{interaction_id}-u",
            "interaction_id": interaction_id, "occurred_at": _when(minutes_ago - 0.1),
            "speaker": "customer", "text": text,
        },
    ]  # fmt: skip
    if end:
        events.append(
            {
                "type": "interaction.ended", "event_id": f"{interaction_id}-e",
                "interaction_id": interaction_id, "occurred_at": _when(minutes_ago - 0.5),
                "outcome": {"resolved": True, "customer_confirmed": True},
            }
        )  # fmt: skip
    return events


def _post(base: str, path: str, body: Any = None) -> httpx.Response:
    response = httpx.post(f"{base}{path}", json=body, timeout=30)
    assert response.status_code in (200, 201), response.text
    return response


def _a_day(base: str) -> None:
    """Today so far: routine contacts and moments, some ended, some taken, one with no queue."""
    events: list[dict[str, Any]] = []
    for k in range(14):
        text = MOT_TEXT if k % 3 == 0 else ROUTINE_TEXT
        events += _contact(f"day-{k}", text, queue="claims", minutes_ago=12 + 9 * k, end=True)
    for k in range(6):
        events += _contact(f"wait-{k}", MOT_TEXT if k < 2 else ROUTINE_TEXT, queue="travel",
                           minutes_ago=2 + k)  # fmt: skip
    events += _contact("lost-in-ivr", MOT_TEXT, queue=None, minutes_ago=3)
    _post(base, "/v1/events", events)
    _post(base, "/v1/agents/agent-ava/next")  # one waiting moment taken by an agent


def _wallboard(chromium: Browser, base: str) -> Page:
    context = chromium.new_context(base_url=base, viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/wallboard")
    live_ready(page)
    return page


def _board(chromium: Browser, base: str, width: int, height: int) -> Page:
    context = chromium.new_context(base_url=base, viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Username").fill("sue")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    live_ready(page)
    return page
