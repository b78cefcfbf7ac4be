"""A voice transcript revised under the same utterance id replaces the earlier words (the
assessment reads the final ones); the exact words sent again are still a repeat. The bodies are
a voice platform's webhook (``POST /v1/channels/voice``) and Contact Lens' real-time records."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.channels.lens_support import event, transcript

CALL = "CA-revised-1"
IID = f"call:{CALL}"
CALM = "no rush, next week is fine"
URGENT = "I need the refund by 5pm today or I lose my booking"


def _post(client: TestClient, *items: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/channels/voice", json={"call_id": CALL, "events": list(items)})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _said(text: str, at: str = "2026-12-06T09:00:10Z") -> dict[str, Any]:
    return {"type": "transcript", "segment_id": "seg-1", "speaker": "customer", "text": text,
            "at": at}  # fmt: skip


def _utterances(client: TestClient, iid: str = IID) -> list[dict[str, Any]]:
    timeline = client.get(f"/v1/interactions/{iid}").json()["timeline"]
    return [e for e in timeline if e["type"] == "utterance"]


STARTED = {"type": "call.started", "id": "start", "at": "2026-12-06T09:00:00Z",
           "from": "+14155550123"}  # fmt: skip


def test_a_revised_transcript_replaces_the_words_the_assessment_read(client: TestClient) -> None:
    assert _post(client, STARTED, _said(CALM))["applied"] == 2
    assert client.get(f"/v1/interactions/{IID}").json()["assessment"]["deadline"] is None
    answer = _post(client, _said(URGENT, at="2026-12-06T09:00:11Z"))
    assert answer["applied"] == 1, answer  # a revision, not a repeat
    original, revision = _utterances(client)
    assert revision["body"]["text"] == URGENT
    assert revision["body"]["edit_of"] == original["event_id"]
    after = client.get(f"/v1/interactions/{IID}").json()["assessment"]
    assert after["deadline"] is not None and after["utterances"] == 1
    # The exact words again, the revision's or the first, are redeliveries.
    assert _post(client, _said(URGENT, at="2026-12-06T09:00:11Z"))["applied"] == 0
    assert _post(client, _said(CALM))["applied"] == 0
    assert len(_utterances(client)) == 2


def test_a_partial_and_its_final_in_one_body(client: TestClient) -> None:
    answer = _post(client, STARTED, _said("I need the refund"), _said(URGENT))
    assert answer["applied"] == 3, answer
    partial, final = _utterances(client)
    assert final["body"]["edit_of"] == partial["event_id"] and final["body"]["text"] == URGENT
    desktop_reads = client.get(f"/v1/interactions/{IID}").json()["assessment"]
    assert desktop_reads["utterances"] == 1 and desktop_reads["deadline"] is not None


def test_a_contact_lens_transcript_revised_under_its_id(client: TestClient) -> None:
    contact = "7a3c1f52-0f4e-4d35-9b0e-52c6a1d2e0ff"
    iid = f"connect:{contact}"

    def push(*records: dict[str, Any]) -> dict[str, Any]:
        response = client.post("/v1/channels/contact-lens", json=list(records))
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    push(event("STARTED", contact=contact))
    push(event("SEGMENTS", transcript("t-1", "CUSTOMER", CALM, 0), contact=contact))
    revised = event("SEGMENTS", transcript("t-1", "CUSTOMER", URGENT, 0), contact=contact)
    assert push(revised)["applied"] == 1
    assert push(revised)["applied"] == 0  # Kinesis redelivers: a repeat
    original, edit = _utterances(client, iid)
    assert edit["body"]["edit_of"] == original["event_id"] and edit["body"]["text"] == URGENT
    # Read in the first words' place (records carry no time of their own: "5pm today" may be
    # past when this runs, so the evidence is checked, not the deadline).
    after = client.get(f"/v1/interactions/{iid}").json()["assessment"]
    assert after["utterances"] == 1
    assert all(r["event_id"] != original["event_id"] for r in after["reasons"])
    assert any(r["event_id"] == edit["event_id"] for r in after["reasons"])
