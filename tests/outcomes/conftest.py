"""A running app on a migrated database with the in-process bus (so the outcomes worker runs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import T0

from kairos.bus import BusMessage, MemoryBus
from kairos.runtime import Runtime


class Recorder:
    """Notes every message published, in order."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, BusMessage]] = []

    def __call__(self, topic: str, message: BusMessage) -> None:
        self.seen.append((topic, message))

    def of(self, topic: str, kind: str) -> list[BusMessage]:
        return [m for t, m in self.seen if t == topic and m.get("type") == kind]


@pytest.fixture
def recorder(runtime: Runtime) -> Recorder:
    rec = Recorder()
    assert isinstance(runtime.bus, MemoryBus)
    runtime.bus.listen(rec, "*")
    return rec


def enable_rules(client: TestClient) -> None:
    """Turn on the outreach rules the migration ships (off by default)."""
    for rule in client.get("/v1/outreach/rules").json()["items"]:
        response = client.patch(f"/v1/outreach/rules/{rule['id']}", json={"enabled": True})
        assert response.status_code == 200, response.text


def post_events(client: TestClient, events: list[dict[str, Any]]) -> None:
    response = client.post("/v1/events", json=events)
    assert response.status_code == 200, response.text


def recent(
    events: list[dict[str, Any]], *, ago: timedelta = timedelta(minutes=30)
) -> list[dict[str, Any]]:
    """The factories' events moved so the first happened ``ago`` before now (outreach rules act
    only on fresh contacts)."""
    shift = datetime.now(UTC) - ago - T0
    return [
        {**e, "occurred_at": (datetime.fromisoformat(e["occurred_at"]) + shift).isoformat()}
        for e in events
    ]


def day_of(events: list[dict[str, Any]]) -> dict[str, str]:
    """``/v1/outcomes/today``'s ``day`` parameter for the day (UTC, the tests' centre zone) the
    first event happened: "today" alone reads yesterday's contacts as none when a run crosses
    midnight, as CI's did."""
    return {
        "day": datetime.fromisoformat(events[0]["occurred_at"]).astimezone(UTC).date().isoformat()
    }
