"""A chat message edited under its id is read again; a true redelivery is still a repeat."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

CONVERSATION = "conv-edit-1"
IID = f"chat:{CONVERSATION}"


def _post(client: TestClient, text: str, **message: Any) -> dict[str, Any]:
    body = {
        "conversation_id": CONVERSATION,
        "started_at": "2026-12-06T09:00:00Z",
        "visitor": {"id": "v-1"},
        "messages": [
            {"id": "m1", "role": "visitor", "text": text, "sent_at": "2026-12-06T09:00:05Z"}
            | message
        ],
    }
    response = client.post("/v1/channels/chat", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _utterances(client: TestClient) -> list[dict[str, Any]]:
    timeline = client.get(f"/v1/interactions/{IID}").json()["timeline"]
    return [e for e in timeline if e["type"] == "utterance"]


def test_an_edited_message_supersedes_its_text_and_is_assessed_again(client: TestClient) -> None:
    assert _post(client, "No rush, I can wait for the refund")["applied"] == 2
    before = client.get(f"/v1/interactions/{IID}/assessments").json()["total"]
    assert client.get(f"/v1/interactions/{IID}").json()["assessment"]["deadline"] is None
    edited = "I need the refund by 5pm today or I lose my booking"
    answer = _post(client, edited, edited_at="2026-12-06T09:01:00Z")
    assert answer["applied"] == 1  # the edit (the visitor, sent again, is a repeat)
    original, edit = _utterances(client)
    assert edit["body"]["text"] == edited and edit["body"]["edit_of"] == original["event_id"]
    assert edit["occurred_at"].startswith("2026-12-06T09:01:00")
    # Read again: a new assessment, and the deadline the edit gave.
    assert client.get(f"/v1/interactions/{IID}/assessments").json()["total"] == before + 1
    assert client.get(f"/v1/interactions/{IID}").json()["assessment"]["deadline"] is not None
    # Redeliveries, of the edit or of the first version, are repeats.
    assert _post(client, edited, edited_at="2026-12-06T09:01:00Z")["applied"] == 0
    assert _post(client, "No rush, I can wait for the refund")["applied"] == 0
    assert len(_utterances(client)) == 2


def test_a_redelivered_message_with_a_card_number_is_not_an_edit(client: TestClient) -> None:
    text = "You charged my card 4111 1111 1111 1111 twice"
    assert _post(client, text)["applied"] == 2
    again = _post(client, text)
    assert (again["applied"], again["duplicates"]) == (0, 2)  # the message and the visitor
    [line] = _utterances(client)
    assert "4111 1111 1111 1111" not in line["body"]["text"]  # stored redacted


def test_an_edit_replaces_the_words_the_detector_read(client: TestClient) -> None:
    _post(client, "I need the refund by 5pm today or I lose my booking!!")
    first = client.get(f"/v1/interactions/{IID}").json()["assessment"]
    assert first["deadline"] is not None and first["urgency"] >= 0.5
    edited = "no rush, next week is fine"
    _post(client, edited, edited_at="2026-12-06T09:01:00Z")
    original, edit = _utterances(client)
    after = client.get(f"/v1/interactions/{IID}").json()["assessment"]
    # Only the new words: no deadline, no pressure, and one customer turn, not two.
    assert after["deadline"] is None and after["minutes_to_deadline"] is None
    assert after["urgency"] < 0.5 and after["emotion"] < 0.5
    assert after["mot_score"] < first["mot_score"]
    assert after["utterances"] == 1
    assert all(r["event_id"] != original["event_id"] for r in after["reasons"])
    # Evidence points at the edited text: its spans cut the edit's words.
    spans = [r for r in after["reasons"] if r["start"] is not None]
    assert spans and all(r["event_id"] == edit["event_id"] for r in spans)
    assert all(edited[r["start"] : r["end"]] == r["text"] for r in spans)
    # Read like one message all along: the same as a conversation that only ever said the edit.
    fresh = client.post(
        "/v1/channels/chat",
        json={
            "conversation_id": "conv-never-edited",
            "started_at": "2026-12-06T09:00:00Z",
            "visitor": {"id": "v-2"},  # another customer: no journey to weigh
            "messages": [
                {"id": "m1", "role": "visitor", "text": edited, "sent_at": "2026-12-06T09:01:00Z"}
            ],
        },
    )
    assert fresh.status_code == 200
    plain = client.get("/v1/interactions/chat:conv-never-edited").json()["assessment"]
    for axis in ("emotion", "urgency", "complexity", "churn_risk", "mot_score"):
        assert after[axis] == pytest.approx(plain[axis]), axis


def test_the_review_reads_the_edit_in_place_of_the_original(client: TestClient) -> None:
    _post(client, "I need the refund by 5pm today or I lose my booking!!")
    _post(client, "no rush, next week is fine", edited_at="2026-12-06T09:01:00Z")
    original, _ = _utterances(client)
    body = {"conversation_id": CONVERSATION, "ended": {"at": "2026-12-06T09:05:00Z"}}
    assert client.post("/v1/channels/chat", json=body).status_code == 200
    review = client.get(f"/v1/interactions/{IID}/review")
    assert review.status_code == 200, review.text
    evidence = review.json()["evidence"]
    assert all(e.get("event_id") != original["event_id"] for e in evidence)
    assert all("5pm" not in (e.get("text") or "") for e in evidence)
    assert review.json()["mot_hindsight"] is False
