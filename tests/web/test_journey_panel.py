"""The journey panel counts as "prior" only the contacts that came before: a customer's chat
listed the call they made while it was still open among its "Prior moments of truth"."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from tests.factories import T0
from tests.web.floor import chat_events, login


def _prior(page: str) -> str | None:
    found = re.search(r"Prior moments of truth: (\d+)", page)
    return found.group(1) if found else None


def test_only_earlier_moments_are_prior(client: TestClient) -> None:
    chat = chat_events("across-chat")
    call = [
        {**event, "event_id": event["event_id"].replace("across-chat", "across-call"),
         "interaction_id": "across-call",
         "occurred_at": (T0 + timedelta(minutes=10, seconds=n)).isoformat()}
        for n, event in enumerate(chat_events("across-chat"))
    ]  # fmt: skip
    call[0]["channel"] = "call"
    assert client.post("/v1/events", json=chat + call).status_code == 200
    login(client, "root")
    later = client.get("/interactions/across-call").text
    earlier = client.get("/interactions/across-chat").text
    assert "across-chat" in later and "across-call" in earlier  # both journeys list both
    assert _prior(later) == "1"
    assert _prior(earlier) is None  # it read "Prior moments of truth: 1", the later call
    assert "after this one" in earlier and "after this one" not in later
