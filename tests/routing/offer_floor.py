"""What the push-routing tests share: moment-of-truth certified agents, the offer book of the
test's runtime, and a wait for the routing messages it publishes."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from kairos.bus import BusMessage
from kairos.routing.offers import OfferBook, offers_of
from kairos.runtime import Runtime

MOT_TEXT = "My flight was cancelled and I am stranded at the airport, I need to get rebooked now"


def certified_agents(client: TestClient, *agents: str) -> None:
    """Available chat agents, certified for moments of truth, with high empathy."""
    for agent in agents:
        assert client.post("/v1/agents", json={
            "external_id": agent, "name": agent, "channels": ["chat"], "state": "available",
            "mot_certified": True, "empathy": 0.9,
        }).status_code == 201  # fmt: skip


def offer_book(runtime: Runtime, return_after_s: float | None = None) -> OfferBook:
    """The runtime's offer book; with ``return_after_s``, a shorter wait before a contact an
    agent let go (transferred, declined) goes to them again."""
    book = offers_of(runtime)
    assert book is not None
    if return_after_s is not None:
        book.board.passes.return_after_s = book.declined.return_after_s = return_after_s
    return book


def wait_for(seen: list[BusMessage], kind: str, n: int = 1, timeout_s: float = 5) -> list[Any]:
    """The routing messages of ``kind`` seen so far, once there are at least ``n``."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = [m for m in seen if m["type"] == kind]
        if len(found) >= n:
            return found
        assert time.monotonic() < deadline, f"no {kind} ({seen})"
        time.sleep(0.01)
