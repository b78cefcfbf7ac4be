"""Every applied utterance updates the interaction's assessment: stored, published, rebuildable."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import started, utterance

from kairos.bus import MemoryBus
from kairos.interactions.models import AssessmentRecord
from kairos.runtime import Runtime

pytest.importorskip("kairos.detection.detector")

RECITAL = "My flight just got cancelled and I have to be at my daughter's recital by 7 tonight"


def _call(interaction_id: str, phone: str | None = None) -> dict[str, Any]:
    # 14:00 UTC is 09:00 in New York: "by 7 tonight" is 19:00 New York time.
    return started(interaction_id, phone=phone, timezone="America/New_York")


def test_an_utterance_updates_the_assessment_with_reasons(
    client: TestClient, runtime: Runtime
) -> None:
    assert isinstance(runtime.bus, MemoryBus)
    published: list[dict[str, Any]] = []
    runtime.bus.listen(lambda topic, message: published.append(message), "assessments")
    response = client.post(
        "/v1/events", json=[_call("r1"), utterance("r1", RECITAL, event_id="r1-u")]
    )
    assert response.status_code == 200
    detail = client.get("/v1/interactions/r1").json()
    assessment = detail["assessment"]
    assert assessment["mot_score"] > 0.7
    assert detail["mot_score"] == assessment["mot_score"]
    assert {"travel_disruption", "family_event"} <= set(assessment["stakes"])
    assert assessment["deadline"].startswith("2026-11-22T19:00:00")
    assert assessment["deadline"].endswith("-05:00")
    assert assessment["cube"].startswith("emotion:high urgency:high")
    assert any(r["kind"] == "urgency" and r["text"] for r in assessment["reasons"])
    assert [m["type"] for m in published] == ["assessment.updated"]
    assert published[0]["interaction_id"] == "r1"
    assert published[0]["event_id"] == "r1-u"
    with runtime.db.session() as session:
        rows = session.scalars(select(AssessmentRecord)).all()
        assert [(r.event_id, round(r.mot_score, 6)) for r in rows] == [
            ("r1-u", round(assessment["mot_score"], 6))
        ]
        assert rows[0].model_version == assessment["model_version"]


def test_a_routine_request_scores_low(client: TestClient) -> None:
    client.post("/v1/events", json=[_call("b1"), utterance("b1", "Hi, what's my balance please?")])
    assessment = client.get("/v1/interactions/b1").json()["assessment"]
    assert assessment["mot_score"] < 0.2
    assert assessment["cube"] == "emotion:low urgency:low complexity:low"


def test_a_repeated_utterance_adds_no_second_assessment(
    client: TestClient, runtime: Runtime
) -> None:
    client.post("/v1/events", json=[_call("d1"), utterance("d1", RECITAL, event_id="d1-u")])
    client.post("/v1/events", json=utterance("d1", RECITAL, event_id="d1-u"))
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(AssessmentRecord)) == 1


def test_a_detector_rebuilt_from_the_log_agrees_with_a_live_one(
    client: TestClient, runtime: Runtime
) -> None:
    turns = [
        ("customer", "Hi, I booked a flight to Denver for tomorrow morning"),
        ("agent", "Thanks, let me look at that booking for you"),
        ("customer", RECITAL),
        ("agent", "That's not our problem, the weather is outside our control"),
        ("customer", "I ALREADY told you, I need to be there! This is the third time I call!!"),
    ]
    for name in ("live", "rebuilt"):
        client.post("/v1/events", json=_call(name))
    for i, (speaker, text) in enumerate(turns):
        for name in ("live", "rebuilt"):
            if name == "rebuilt":
                runtime.detectors.forget("rebuilt")  # as if another process took over
            event = utterance(name, text, speaker=speaker, event_id=f"{name}-{i}", seconds=10 * i)
            assert client.post("/v1/events", json=event).status_code == 200
    live = client.get("/v1/interactions/live").json()["assessment"]
    rebuilt = client.get("/v1/interactions/rebuilt").json()["assessment"]
    for field in (
        "mot_score",
        "emotion",
        "urgency",
        "complexity",
        "churn_risk",
        "stakes",
        "deadline",
        "cube",
    ):
        assert live[field] == rebuilt[field], field
    assert [(r["label"], r["text"]) for r in live["reasons"]] == [
        (r["label"], r["text"]) for r in rebuilt["reasons"]
    ]


def test_a_repeat_contact_is_known_to_the_detector(client: TestClient) -> None:
    text = "My internet is down again and I work from home"
    client.post(
        "/v1/events",
        json=[_call("first", phone="+14155550111"), utterance("first", text, event_id="first-u")],
    )
    client.post(
        "/v1/events",
        json=[
            _call("again", phone="+1 415 555 0111"),
            utterance("again", text, event_id="again-u"),
        ],
    )
    first = client.get("/v1/interactions/first").json()["assessment"]
    again = client.get("/v1/interactions/again").json()["assessment"]
    assert not any(r["kind"] == "journey" for r in first["reasons"])
    assert any(r["kind"] == "journey" for r in again["reasons"])
    assert again["mot_score"] > first["mot_score"]
    assert again["complexity"] >= first["complexity"]
