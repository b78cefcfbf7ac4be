"""A chat message edited under its id is read again; a true redelivery is still a repeat."""

from __future__ import annotations

from typing import Any

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
