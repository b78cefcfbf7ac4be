"""A NUL character (U+0000) in the words a platform sends: PostgreSQL's text cannot store one, so
the whole request was refused there ("unstorable_value", no field named), an email bounced for a
NUL in its subject, while SQLite stored it. In words (a subject, a topic, a message) it is now
U+FFFD on every database, and the contact is kept."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.channels.webhook_support import (
    interactions,
    post_email,
    post_sms,
    sign,
    timeline,
    twilio_form,
)


def test_an_email_with_a_nul_in_its_subject_and_body_is_kept(client: TestClient) -> None:
    raw = (b"From: Ana <ana@example.com>\r\nTo: help@acme.com\r\nSubject: refund\x00 please\r\n"
           b"Message-ID: <nul-1@example.com>\r\n\r\nWhere is my\x00 refund?")  # fmt: skip
    response = post_email(client, raw)
    assert response.status_code == 200, response.text
    [interaction] = interactions(client)
    said = [e for e in timeline(client, interaction["id"]) if e["type"] == "utterance"]
    assert [e["body"]["text"] for e in said] == ["Where is my\ufffd refund?"]
    detail = client.get(f"/v1/interactions/{interaction['id']}").json()
    started = detail["timeline"][0]["body"]
    assert started["subject"] == "refund\ufffd please"


def test_chat_and_sms_words_with_a_nul_are_kept(client: TestClient) -> None:
    chat = {"conversation_id": "nul-chat", "topic": "late\u0000 parcel",
            "visitor": {"id": "v-nul", "name": "Ana\u0000"},
            "messages": [{"id": "m1", "role": "visitor", "text": "where\u0000 is it"}]}  # fmt: skip
    assert client.post("/v1/channels/chat", json=chat).status_code == 200
    said = [e for e in timeline(client, "chat:nul-chat") if e["type"] == "utterance"]
    assert [e["body"]["text"] for e in said] == ["where\ufffd is it"]
    form = twilio_form("SMnul01", "my parcel\x00 is late")
    assert post_sms(client, form, sign(form)).status_code == 200


def test_an_event_subject_with_a_nul_is_kept(client: TestClient) -> None:
    event = {
        "type": "interaction.started",
        "event_id": "e-1",
        "interaction_id": "nul-e",
        "occurred_at": "2026-12-06T18:00:00Z",
        "channel": "chat",
        "subject": "a\u0000b",
    }
    kept = client.post("/v1/events", json=event)
    assert kept.status_code == 200, kept.text
    started = client.get("/v1/interactions/nul-e").json()["timeline"][0]["body"]
    assert started["subject"] == "a\ufffdb"
