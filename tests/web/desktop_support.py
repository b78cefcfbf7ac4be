"""What the agent desktop tests share: an agent, a call and a posted message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tests.web.browser import CHROMIUM, signed_in
from tests.web.live_ready import live_ready

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page

DEADLINE_TEXT = (
    "My flight just got cancelled and my daughter's recital starts in 3 hours, I need to be there"
)


def _at(seconds_ago: float = 0.0) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).isoformat()


def _post(base: str, path: str, body: Any = None) -> None:
    response = httpx.post(f"{base}{path}", json=body, timeout=30)
    assert response.status_code in (200, 201), response.text


def _call(interaction_id: str) -> list[dict[str, Any]]:
    return [
        {"type": "interaction.started", "event_id": f"{interaction_id}-s",
         "interaction_id": interaction_id, "occurred_at": _at(30), "channel": "chat",
         "queue": "travel", "reason": "flight cancelled", "timezone": "America/New_York"},
        {"type": "utterance", "event_id": f"{interaction_id}-u", "interaction_id": interaction_id,
         "occurred_at": _at(20), "speaker": "customer", "text": DEADLINE_TEXT},
    ]  # fmt: skip


def _agent(chromium: Browser, base: str, start: str = "/desktop") -> Page:
    page = signed_in(chromium, base, "ava", "/desktop")
    if start != "/desktop":
        page.goto(start)
        live_ready(page)
    return page
