"""Events that arrive after ``interaction.ended``: stored, but they do not rewrite how it ended."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.factories import at, ended, started, utterance


def _transfer(interaction_id: str, event_id: str, seconds: float) -> dict[str, object]:
    return {
        "type": "transfer",
        "event_id": event_id,
        "interaction_id": interaction_id,
        "occurred_at": at(seconds),
        "to_queue": "retention",
        "to_agent": "a-late",
    }


def test_a_second_end_keeps_the_first_end_time_and_outcome(client: TestClient) -> None:
    client.post("/v1/events", json=[started("e1"), ended("e1", resolved=True)])
    first = client.get("/v1/interactions/e1").json()
    again = {
        **ended("e1", resolved=False),
        "event_id": "e1-end-again",
        "occurred_at": at(3600),
        "outcome": {"resolved": False, "disposition": "callback"},
    }
    answer = client.post("/v1/events", json=again)
    assert answer.status_code == 200, answer.text
    assert answer.json()["events"][0]["status"] == "applied"
    detail = client.get("/v1/interactions/e1").json()
    assert detail["ended_at"] == first["ended_at"]
    assert detail["state"] == "ended"
    # The first end's fields stand; the second fills only what the first left out.
    assert detail["outcome"]["resolved"] is True
    assert detail["outcome"]["disposition"] == "callback"
    assert "e1-end-again" in {e["event_id"] for e in detail["timeline"]}


def test_a_transfer_after_the_end_is_stored_but_moves_nothing(client: TestClient) -> None:
    client.post("/v1/events", json=[started("e2", queue="billing"), ended("e2")])
    answer = client.post("/v1/events", json=_transfer("e2", "e2-late-transfer", 900))
    assert answer.status_code == 200, answer.text
    detail = client.get("/v1/interactions/e2").json()
    assert (detail["queue"], detail["agent_id"], detail["state"]) == ("billing", None, "ended")
    assert "e2-late-transfer" in {e["event_id"] for e in detail["timeline"]}


def test_a_late_transcript_segment_is_still_applied(client: TestClient) -> None:
    client.post("/v1/events", json=[started("e3"), ended("e3")])
    late = utterance("e3", "my policy number is PN-55120", seconds=620)
    assert client.post("/v1/events", json=late).status_code == 200
    detail = client.get("/v1/interactions/e3").json()
    assert detail["state"] == "ended"
    assert any(e["event_id"] == late["event_id"] for e in detail["timeline"])


def test_a_transfer_that_happened_before_the_end_but_arrived_after_it_applies(
    client: TestClient,
) -> None:
    client.post("/v1/events", json=[started("e4", queue="billing"), ended("e4")])
    assert client.post("/v1/events", json=_transfer("e4", "e4-transfer", 300)).status_code == 200
    detail = client.get("/v1/interactions/e4").json()
    assert (detail["queue"], detail["agent_id"], detail["state"]) == (
        "retention",
        "a-late",
        "ended",
    )
