"""Supervisor alerts: live on the bus as assessments change, and on demand through the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import ended, started, utterance

from kairos.bus import BusMessage, MemoryBus
from kairos.config import Settings
from kairos.detection.assessment import Assessment
from kairos.main import create_app
from kairos.routing.supervision import Supervisor, alert_for
from kairos.runtime import Runtime

DISTRESS = (
    "My flight just got cancelled and I have to be at my daughter's recital by 7 tonight, "
    "this is a disaster, I am so upset, please help me!!"
)


def assessment(**values: Any) -> Assessment:
    base = {"emotion": 0.1, "mot_score": 0.1, "stakes": [], "minutes_to_deadline": None}
    unused = {"urgency": 0.0, "complexity": 0.0, "churn_risk": 0.0, "confidence": 0.5}
    return Assessment(**unused, cube="", **(base | values))


def updated(interaction_id: str, agent_id: str | None, state: str, **values: Any) -> BusMessage:
    return {
        "type": "assessment.updated",
        "interaction_id": interaction_id,
        "agent_id": agent_id,
        "state": state,
        "assessment": assessment(**values).model_dump(mode="json"),
    }


def test_alert_needs_strain_and_stakes() -> None:
    calm = assessment(emotion=0.3, mot_score=0.9, stakes=["health"])
    angry_no_stakes = assessment(emotion=0.95, mot_score=0.2)
    assert alert_for("i1", "a1", calm) is None
    assert alert_for("i1", "a1", angry_no_stakes) is None
    alert = alert_for("i1", "a1", assessment(emotion=0.8, mot_score=0.9, stakes=["health"]))
    assert alert is not None and alert.action == "assist"
    near = assessment(emotion=0.9, mot_score=0.9, stakes=["health"], minutes_to_deadline=30)
    far = assessment(emotion=0.9, mot_score=0.9, stakes=["health"], minutes_to_deadline=600)
    alert = alert_for("i1", "a1", near)
    assert alert is not None and alert.action == "take_over"
    alert = alert_for("i1", "a1", far)
    assert alert is not None and alert.action == "assist"
    factors = {r.factor for r in alert.reasons}
    assert {"emotion", "mot_score", "stakes", "minutes_to_deadline"} <= factors


def test_supervisor_publishes_on_change_only() -> None:
    bus = MemoryBus()
    seen: list[BusMessage] = []
    bus.listen(lambda topic, message: seen.append(message), "supervision")
    supervisor = Supervisor(bus)
    hot = {"emotion": 0.8, "mot_score": 0.9, "stakes": ["travel_disruption"]}
    supervisor("assessments", updated("i1", None, "open", **hot))  # nobody handles it yet
    assert seen == []
    supervisor("assessments", updated("i1", "a1", "assigned", **hot))
    supervisor("assessments", updated("i1", "a1", "assigned", **hot))  # the same: no repeat
    assert [m["type"] for m in seen] == ["supervisor.alert"]
    assert seen[0]["action"] == "assist" and seen[0]["agent_id"] == "a1"
    hotter = hot | {"emotion": 0.95, "minutes_to_deadline": 20.0}
    supervisor("assessments", updated("i1", "a1", "assigned", **hotter))
    assert seen[-1]["action"] == "take_over"
    supervisor("assessments", updated("i1", "a1", "assigned", emotion=0.2, mot_score=0.9))
    assert seen[-1] == {"type": "supervisor.cleared", "interaction_id": "i1"}
    supervisor("assessments", updated("i1", "a1", "ended", **hot))
    assert len(seen) == 3


@pytest.fixture
def live(migrated_url: str) -> Iterator[tuple[TestClient, list[BusMessage]]]:
    runtime = Runtime.build(Settings(database_url=migrated_url))
    seen: list[BusMessage] = []
    assert isinstance(runtime.bus, MemoryBus)
    runtime.bus.listen(lambda topic, message: seen.append(message), "supervision")
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        yield client, seen
    runtime.close()


def agent_turn(interaction_id: str, text: str, agent_id: str) -> dict[str, Any]:
    return utterance(interaction_id, text, speaker="agent") | {"agent_id": agent_id}


def test_service_raises_alert_for_interaction_in_progress(
    live: tuple[TestClient, list[BusMessage]],
) -> None:
    client, seen = live
    events = [
        started("sup-1", timezone="America/New_York"),
        agent_turn("sup-1", "Thanks for calling, this is Sam.", "a-sam"),
        utterance("sup-1", DISTRESS),
        started("sup-2", phone="+14155550199"),
        agent_turn("sup-2", "Hello, how can I help?", "a-kim"),
        utterance("sup-2", "what is my balance please"),
        started("sup-3", phone="+14155550142"),
        utterance("sup-3", DISTRESS),  # nobody has it yet: routing's job, not a supervisor's
    ]
    assert client.post("/v1/events", json=events).status_code == 200
    body = client.get("/v1/supervision/alerts").json()
    assert [a["interaction_id"] for a in body["items"]] == ["sup-1"]
    alert = body["items"][0]
    assert alert["agent_id"] == "a-sam" and alert["action"] in ("assist", "take_over")
    assert [m["interaction_id"] for m in seen if m["type"] == "supervisor.alert"] == ["sup-1"]

    assert client.post("/v1/events", json=[ended("sup-1")]).status_code == 200
    assert client.get("/v1/supervision/alerts").json()["total"] == 0
    assert client.get("/v1/supervision/alerts", params={"limit": 0}).status_code == 422


def test_the_alerts_count_the_deadline_from_now_not_from_the_last_assessment(
    live: tuple[TestClient, list[BusMessage]],
) -> None:
    client, _ = live
    urgent = (
        "This is outrageous, I am furious! My mother is in hospital and I must fly to her "
        "within 4 hours or I lose the only flight, you ruined everything!!"
    )
    # Said 150 minutes ago: the deadline was 240 minutes off then, 90 now; nothing came since.
    said = datetime.now(UTC) - timedelta(minutes=150)

    def at(event: dict[str, Any], offset_s: float) -> dict[str, Any]:
        return event | {"occurred_at": (said + timedelta(seconds=offset_s)).isoformat()}

    events = [
        at(started("sup-late", phone="+14155550177"), -60),
        at(agent_turn("sup-late", "Thanks for calling, this is Sam.", "a-sam"), -30),
        at(utterance("sup-late", urgent), 0),
    ]
    assert client.post("/v1/events", json=events).status_code == 200
    assessed = client.get("/v1/interactions/sup-late").json()["assessment"]
    assert assessed["minutes_to_deadline"] == pytest.approx(240, abs=1)  # as it was assessed
    [alert] = client.get("/v1/supervision/alerts").json()["items"]
    minutes = next(r["value"] for r in alert["reasons"] if r["factor"] == "minutes_to_deadline")
    assert minutes == pytest.approx(90, abs=1)  # counted from now
    # Within the two-hour horizon now, with a furious customer: take over, not only assist.
    assert alert["action"] == "take_over"
    # The deadline passes while still no event arrives: the count goes below zero, from now.
    later = [at(started("sup-past", phone="+14155550178"), -60 - 120 * 60)]
    later += [at(agent_turn("sup-past", "Hello, Kim here.", "a-kim"), -30 - 120 * 60)]
    later += [at(utterance("sup-past", urgent), -120 * 60)]
    assert client.post("/v1/events", json=later).status_code == 200
    alerts = {a["interaction_id"]: a for a in client.get("/v1/supervision/alerts").json()["items"]}
    passed = next(
        r["value"] for r in alerts["sup-past"]["reasons"] if r["factor"] == "minutes_to_deadline"
    )
    assert passed == pytest.approx(-30, abs=1)


def test_a_deadline_long_passed_no_longer_asks_to_take_over(
    live: tuple[TestClient, list[BusMessage]],
) -> None:
    """A deadline passed within the grace window still presses (the customer has just missed
    it); one passed long ago is history: the alert falls back to the rest of the assessment."""
    client, _ = live
    furious = (
        "This is outrageous, I am furious! My mother is in hospital and I must fly to her "
        "within 4 hours or I lose the only flight, you ruined everything!!"
    )
    now = datetime.now(UTC)

    def said(interaction_id: str, minutes_ago: float, phone: str) -> list[dict[str, Any]]:
        at = now - timedelta(minutes=minutes_ago)
        return [
            started(interaction_id, phone=phone)
            | {"occurred_at": (at - timedelta(seconds=60)).isoformat()},
            agent_turn(interaction_id, "Hello, Kim here.", "a-kim")
            | {"occurred_at": (at - timedelta(seconds=30)).isoformat()},
            utterance(interaction_id, furious) | {"occurred_at": at.isoformat()},
        ]

    # Said 250 min ago: the deadline passed 10 min ago. Said 7 hours ago: passed 3 hours ago.
    events = said("just-missed", 250, "+14155550181") + said("long-missed", 420, "+14155550182")
    assert client.post("/v1/events", json=events).status_code == 200
    alerts = {a["interaction_id"]: a for a in client.get("/v1/supervision/alerts").json()["items"]}
    minutes = {
        i: next(r["value"] for r in a["reasons"] if r["factor"] == "minutes_to_deadline")
        for i, a in alerts.items()
    }
    assert minutes["just-missed"] == pytest.approx(-10, abs=1)
    assert minutes["long-missed"] == pytest.approx(-180, abs=1)  # still told as it is
    assert alerts["just-missed"]["action"] == "take_over"
    assert alerts["long-missed"]["action"] == "assist"  # strain and stakes remain: assist
