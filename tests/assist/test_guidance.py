"""The desktop's guidance in one call: playbook, matching key messages, coaching so far."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from tests.factories import started, utterance

from kairos.assist import service
from kairos.runtime import Runtime

RECITAL = (
    "My flight just got cancelled and I have to be at my daughter's recital by 7 tonight, "
    "this is a disaster, please help me"
)


def _agent(interaction_id: str, text: str) -> dict[str, Any]:
    return {**utterance(interaction_id, text, speaker="agent"), "agent_id": "agent-1"}


def _message(client: TestClient, **targets: Any) -> dict[str, Any]:
    body = {
        "title": "Storm",
        "body": "All evening departures are cancelled.",
        "severity": "critical",
        "expires_at": (datetime.now(UTC) + timedelta(hours=3)).isoformat(),
        **targets,
    }
    response = client.post("/v1/messages", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_guidance_for_a_moment_of_truth(client: TestClient) -> None:
    events = [
        started("mot-1", queue="travel", phone="+442079460001"),
        utterance("mot-1", RECITAL),
        _agent("mot-1", "That's not my department, you'll have to call the airport."),
        _agent("mot-1", "I'm sorry, that was our fault. Leave it with me."),
        _agent("mot-1", "You should have checked the app. I'm going to close this chat now."),
    ]
    assert client.post("/v1/events", json=events).status_code == 200
    storm = _message(client, queues=["travel"])
    _message(client, queues=["billing"])
    response = client.get("/v1/interactions/mot-1/guidance")
    assert response.status_code == 200, response.text
    guidance = response.json()
    assert guidance["interaction_id"] == "mot-1"
    assert "travel_disruption" in guidance["situation"]["stakes"]
    assert guidance["situation"]["cube"]
    playbook = guidance["playbook"]
    assert playbook["key"].startswith("travel_disruption")
    assert "stakes: travel_disruption" in playbook["matched_on"]
    assert [m["id"] for m in guidance["key_messages"]] == [storm["id"]]
    assert [entry["event_id"] for entry in guidance["nudges"]] == [
        events[2]["event_id"],
        events[4]["event_id"],
    ]
    kinds = [[n["kind"] for n in entry["nudges"]] for entry in guidance["nudges"]]
    assert kinds == [["deflect", "deflect"], ["blame", "premature_close"]]
    assert guidance["nudges"][0]["agent_id"] == "agent-1"
    assert guidance["nudge_counts"] == {"blame": 1, "deflect": 2, "premature_close": 1}


def test_guidance_for_a_routine_contact_is_empty(client: TestClient) -> None:
    events = [
        started("plain-1", phone="+14155550177"),
        utterance("plain-1", "Hi, what time is it?"),
    ]
    assert client.post("/v1/events", json=events).status_code == 200
    guidance = client.get("/v1/interactions/plain-1/guidance").json()
    assert guidance["playbook"] is None
    assert guidance["key_messages"] == [] and guidance["nudges"] == []
    assert guidance["nudge_counts"] == {"blame": 0, "deflect": 0, "premature_close": 0}


def test_a_matching_key_message_brings_the_outage_playbook(client: TestClient) -> None:
    events = [started("net-1", queue="broadband", phone="+14155550178"), utterance("net-1", "Hi")]
    assert client.post("/v1/events", json=events).status_code == 200
    assert client.get("/v1/interactions/net-1/guidance").json()["playbook"] is None
    _message(client, queues=["broadband"], title="Fibre cut in Leeds")
    guidance = client.get("/v1/interactions/net-1/guidance").json()
    assert guidance["situation"]["stakes"] == ["outage"]
    assert guidance["playbook"]["key"] == "outage"


def test_repeat_contact_comes_from_the_journey(client: TestClient, runtime: Runtime) -> None:
    phone = "+14155550179"
    for n in (1, 2):
        events = [
            started(f"rep-{n}", phone=phone, reason="Router keeps dropping"),
            utterance(f"rep-{n}", "My router keeps dropping the connection"),
        ]
        assert client.post("/v1/events", json=events).status_code == 200
    with runtime.db.session() as session:
        first = service.guidance(session=session, interaction_id="rep-1")
        second = service.guidance(session=session, interaction_id="rep-2")
    assert "repeat_contact" not in first.situation.stakes
    assert "repeat_contact" in second.situation.stakes
    assert second.playbook is not None and second.playbook.key == "repeat_contact"


def test_unknown_interaction_is_404(client: TestClient) -> None:
    response = client.get("/v1/interactions/nobody/guidance")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_coaching_reads_an_edited_message_once_with_its_last_words(client: TestClient) -> None:
    first = _agent("ed-1", "That's not my department, you'll have to call the airport.")
    edit = {**_agent("ed-1", "You should have checked the app."), "edit_of": first["event_id"]}
    events = [started("ed-1", queue="travel", phone=None), utterance("ed-1", RECITAL), first, edit]
    assert client.post("/v1/events", json=events).status_code == 200
    guidance = client.get("/v1/interactions/ed-1/guidance").json()
    assert [entry["event_id"] for entry in guidance["nudges"]] == [edit["event_id"]]
    assert guidance["nudge_counts"] == {"blame": 1, "deflect": 0, "premature_close": 0}
