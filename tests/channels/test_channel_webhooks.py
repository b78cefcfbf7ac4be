"""Channel webhooks over HTTP: real formats in, interactions out; bad input stores nothing."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from tests.channels.webhook_support import (
    interactions,
    post_email,
    post_sms,
    sign,
    timeline,
    twilio_form,
)

from kairos.channels.email import interaction_id_for


def test_sms_signed_webhook_threads_and_dedupes(client: TestClient) -> None:
    first = twilio_form("SM" + "a" * 32, "My card was stolen & I'm abroad, flight at 6pm!")
    response = post_sms(client, first, sign(first))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert "<Response/>" in response.text
    [interaction] = interactions(client)
    assert interaction["channel"] == "sms" and interaction["customer_id"] is not None
    # Twilio retries the same message; then the customer writes again: same interaction.
    assert post_sms(client, first, sign(first)).status_code == 200
    second = twilio_form("SM" + "b" * 32, "Are you there?")
    assert post_sms(client, second, sign(second)).status_code == 200
    [interaction] = interactions(client)
    entries = timeline(client, interaction["id"])
    assert [e["type"] for e in entries] == ["interaction.started", "utterance", "utterance"]
    assert entries[2]["body"]["text"] == "Are you there?"
    # Another sender is another conversation.
    other = twilio_form("SM" + "c" * 32, "hello", sender="+14155550111")
    assert post_sms(client, other, sign(other)).status_code == 200
    assert len(interactions(client)) == 2


def test_mms_media_is_a_marker_in_the_timeline(client: TestClient) -> None:
    """A photo-only MMS is a line the agent sees ("[photo]"), not nothing; with text, the text
    then what came with it. The media's URLs are not kept (they reach the customer's photos)."""
    photo = {
        **twilio_form("MM" + "a" * 32, ""),
        "NumMedia": "1",
        "MediaContentType0": "image/jpeg",
        "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM/Media/ME1",
    }
    assert post_sms(client, photo, sign(photo)).status_code == 200
    both = {
        **twilio_form("MM" + "b" * 32, "the damage"),
        "NumMedia": "3",
        "MediaContentType0": "image/png",
        "MediaContentType1": "image/jpeg",
        "MediaContentType2": "video/mp4",
    }
    assert post_sms(client, both, sign(both)).status_code == 200
    odd = {**twilio_form("MM" + "c" * 32, ""), "NumMedia": "1", "MediaContentType0": "text/vcard"}
    assert post_sms(client, odd, sign(odd)).status_code == 200
    empty = {**twilio_form("MM" + "d" * 32, "  "), "NumMedia": "x"}
    assert post_sms(client, empty, sign(empty)).status_code == 200
    [interaction] = interactions(client)
    texts = [e["body"]["text"] for e in timeline(client, interaction["id"])[1:]]
    assert texts == ["[photo]", "the damage [2 photos, video]", "[attachment]"]
    assert "api.twilio.com" not in str(timeline(client, interaction["id"]))


def test_sms_bad_or_missing_signature_is_403_and_stores_nothing(client: TestClient) -> None:
    params = twilio_form("SM" + "d" * 32, "hello")
    wrong = sign(params, token="not-the-token")
    for signature in (wrong, None, sign({**params, "Body": "tampered"})):
        response = post_sms(client, params, signature)
        assert response.status_code == 403, response.text
        assert response.json()["error"] == "bad_signature"
    assert interactions(client) == []


def test_sms_missing_fields_are_named(client: TestClient) -> None:
    params = {"Body": "hello", "AccountSid": "AC1"}
    response = post_sms(client, params, sign(params))
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"MessageSid", "From", "To"}
    assert interactions(client) == []


ROOT = (
    b"Return-Path: <jane@example.com>\r\n"
    b"From: Jane Doe <Jane@Example.com>\r\n"
    b"To: Acme Insurance <claims@acme.example>\r\n"
    b"Subject: First claim - car towed from the highway\r\n"
    b"Date: Sun, 22 Nov 2026 14:00:00 +0100\r\n"
    b"Message-ID: <CAF-root-001@mail.example.com>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Hello,\r\nmy car was towed after an accident and I need a rental today.\r\n"
    b"Policy PX-99812.\r\n\r\nJane\r\n"
)

REPLY = (
    b"From: Jane Doe <jane@example.com>\r\n"
    b"To: claims@acme.example\r\n"
    b"Subject: Re: First claim - car towed from the highway\r\n"
    b"Date: Mon, 23 Nov 2026 09:30:00 +0100\r\n"
    b"Message-ID: <CAF-reply-002@mail.example.com>\r\n"
    b"In-Reply-To: <CAF-agent-1@acme.example>\r\n"
    b"References: <CAF-root-001@mail.example.com> <CAF-agent-1@acme.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Nobody has called me back. This is the third time I write.\r\n"
    b"\r\n"
    b"On Sun, 22 Nov 2026 at 15:10, Acme Claims <claims@acme.example> wrote:\r\n"
    b"> Thank you for your message, we will be in touch.\r\n"
    b">\r\n"
    b"> On Sun, 22 Nov 2026 Jane Doe wrote:\r\n"
    b">> Hello, my car was towed\r\n"
)

ALTERNATIVE = (
    b"From: Bob <bob@example.org>\r\n"
    b"To: help@acme.example\r\n"
    b"Subject: Laptop locked\r\n"
    b"Date: Tue, 24 Nov 2026 08:00:00 -0500\r\n"
    b"Message-ID: <alt-1@example.org>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="b1"\r\n'
    b"\r\n"
    b"--b1\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"My PC is locked and my client deadline is at 11 =E2=80=93 please help.\r\n"
    b"--b1\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"\r\n"
    b"<p>HTML version</p>\r\n"
    b"--b1--\r\n"
)

HTML_ONLY = (
    b"From: carol@example.net\r\n"
    b"Subject: Fee\r\n"
    b"Message-ID: <html-1@example.net>\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"\r\n"
    b"<html><body><p>Why was I charged a &pound;40 fee?</p>"
    b"<blockquote>old thread</blockquote></body></html>\r\n"
)


def test_email_reply_threads_into_the_same_interaction(client: TestClient) -> None:
    assert post_email(client, ROOT).json()["applied"] == 2
    reply = post_email(client, REPLY, "text/plain")
    assert reply.status_code == 200 and reply.json()["applied"] == 1
    [interaction] = interactions(client)
    assert interaction["id"] == interaction_id_for("CAF-root-001@mail.example.com")
    detail = client.get(f"/v1/interactions/{interaction['id']}").json()
    assert detail["subject"] == "First claim - car towed from the highway"
    texts = [e["body"]["text"] for e in detail["timeline"] if e["type"] == "utterance"]
    assert texts[1] == "Nobody has called me back. This is the third time I write."
    started = detail["timeline"][0]["body"]
    assert started["identities"] == [{"kind": "email", "value": "jane@example.com"}]
    # Redelivered by the gateway: acknowledged, not applied.
    again = post_email(client, REPLY)
    assert again.json() == {
        "applied": 0,
        "duplicates": 1,
        "parked": 0,
        "released": 0,
        "events": [{"event_id": "email:CAF-reply-002@mail.example.com", "status": "duplicate"}],
    }


def test_reply_before_root_uses_the_first_reference(client: TestClient) -> None:
    assert post_email(client, REPLY).json()["applied"] == 2
    assert post_email(client, ROOT).json()["applied"] == 1
    [interaction] = interactions(client)
    assert interaction["event_count"] == 3


def test_multipart_prefers_plain_text_and_html_is_stripped(client: TestClient) -> None:
    assert post_email(client, ALTERNATIVE).status_code == 200
    assert post_email(client, HTML_ONLY).status_code == 200
    texts = {
        i["id"]: [e["body"]["text"] for e in timeline(client, i["id"]) if e["type"] == "utterance"]
        for i in interactions(client)
    }
    assert texts[interaction_id_for("alt-1@example.org")] == [
        "My PC is locked and my client deadline is at 11 – please help."
    ]
    assert texts[interaction_id_for("html-1@example.net")] == ["Why was I charged a £40 fee?"]


def test_bad_email_is_refused(client: TestClient) -> None:
    response = post_email(client, b"Subject: hi\r\n\r\nno sender\r\n")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "From"
    assert post_email(client, b"   ").status_code == 400
    assert post_email(client, ROOT, "application/json").status_code == 415
    assert interactions(client) == []


def test_chat_conversation_and_follow_up(client: TestClient) -> None:
    first = {
        "conversation_id": "conv-5521",
        "started_at": "2026-11-22T14:00:00Z",
        "visitor": {"id": "v-88", "email": "jane@example.com", "name": "Jane"},
        "queue": "travel",
        "topic": "Flight cancelled",
        "messages": [
            {"id": "sys", "role": "system", "text": "Jane joined"},
            {
                "id": "m1",
                "role": "visitor",
                "text": "My flight was cancelled and my daughter's recital is tonight",
                "sent_at": "2026-11-22T14:00:05Z",
            },
        ],
    }
    response = client.post("/v1/channels/chat", json=first)
    assert response.status_code == 200 and response.json()["applied"] == 2
    follow_up = {
        "conversation_id": "conv-5521",
        "messages": [
            {"id": "m2", "role": "agent", "agent_id": "a-3", "text": "I'll rebook you now."}
        ],
        "ended": {"at": "2026-11-22T14:09:00Z", "resolved": True, "disposition": "rebooked"},
    }
    assert client.post("/v1/channels/chat", json=follow_up).json()["applied"] == 2
    assert client.post("/v1/channels/chat", json=follow_up).json()["duplicates"] == 2
    detail = client.get("/v1/interactions/chat:conv-5521").json()
    assert detail["state"] == "ended" and detail["agent_id"] == "a-3"
    assert detail["subject"] == "Flight cancelled"
    assert [e["type"] for e in detail["timeline"]] == [
        "interaction.started",
        "utterance",
        "utterance",
        "interaction.ended",
    ]


def test_social_post_and_reply(client: TestClient) -> None:
    post = {
        "platform": "x",
        "kind": "public",
        "post_id": "1789000",
        "handle": "@Jane_Doe",
        "text": "@AcmeAir cancelled AGAIN. Third time this month. Done with you.",
        "posted_at": "2026-11-22T14:00:00Z",
    }
    reply = {
        "platform": "x",
        "post_id": "1789050",
        "in_reply_to": "1789000",
        "handle": "@AcmeAir",
        "author_role": "agent",
        "agent_id": "a-9",
        "text": "We're so sorry, Jane. Please DM us your booking reference.",
    }
    assert client.post("/v1/channels/social", json=post).json()["applied"] == 2
    assert client.post("/v1/channels/social", json=reply).json()["applied"] == 1
    # The post and the handle it gave again (a customer.identified that tells nothing new).
    assert client.post("/v1/channels/social", json=post).json() | {"events": []} == {
        "applied": 0,
        "duplicates": 2,
        "parked": 0,
        "released": 0,
        "events": [],
    }
    [interaction] = interactions(client)
    assert interaction["id"] == "social:x:1789000" and interaction["channel"] == "social"
    started = timeline(client, interaction["id"])[0]["body"]
    assert started["identities"] == [{"kind": "social", "value": "x:Jane_Doe"}]
    bad = {**post, "kind": "story", "text": ""}
    response = client.post("/v1/channels/social", json=bad)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"kind", "text"}


def test_voice_call_with_ivr_and_transcript(client: TestClient) -> None:
    call = {
        "call_id": "CA-7731",
        "events": [
            {
                "id": "1",
                "type": "call.started",
                "at": "2026-11-22T14:00:00Z",
                "from": "+14155550100",
                "to": "+18005550199",
                "queue": "claims",
                "timezone": "America/Chicago",
            },
            {"id": "2", "type": "ivr.selection", "menu": "main", "option": "1", "label": "claims"},
            {"id": "3", "type": "ivr.input", "name": "policy_number", "value": "PX-99812"},
            {"id": "4", "type": "ivr.input", "name": "date_of_birth", "value": "1984-03-02"},
            {
                "type": "transcript",
                "segment_id": "seg-1",
                "at": "2026-11-22T14:01:00Z",
                "speaker": "customer",
                "text": "I was in an accident on the highway and my car was towed",
            },
        ],
    }
    response = client.post("/v1/channels/voice", json=call)
    assert response.status_code == 200, response.text
    assert response.json()["applied"] == 5
    assert client.post("/v1/channels/voice", json=call).json()["duplicates"] == 5  # the start too
    later = {
        "call_id": "CA-7731",
        "events": [
            {"id": "5", "type": "transfer", "to_queue": "claims-tier2", "to_agent": "a-17"},
            {"id": "6", "type": "transcript", "speaker": "agent", "text": "I have your policy."},
            {"id": "7", "type": "call.ended", "resolved": True, "disposition": "claim opened"},
        ],
    }
    assert client.post("/v1/channels/voice", json=later).json()["applied"] == 3
    detail = client.get("/v1/interactions/call:CA-7731").json()
    assert detail["reason"] == "claim" and detail["queue"] == "claims-tier2"
    assert detail["state"] == "ended" and detail["event_count"] == 8
    assert detail["outcome"]["disposition"] == "claim opened"


def test_voice_bad_items_store_nothing(client: TestClient) -> None:
    call = {
        "call_id": "CA-9",
        "events": [
            {"id": "1", "type": "call.started", "from": "+14155550100"},
            {"id": "2", "type": "transcript", "speaker": "customer", "text": "hi"},
            {"id": "3", "type": "ivr.input", "name": "account"},
            {"id": "4", "type": "hold"},
        ],
    }
    response = client.post("/v1/channels/voice", json=call)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"events.2.value", "events.3"}  # the path in the body, not the item type
    assert client.post("/v1/channels/voice", content=b"{oops").status_code == 400
    # Events for a call not started yet: they wait for its start, nothing applied now.
    orphan = {
        "call_id": "CA-10",
        "events": [{"id": "1", "type": "transcript", "speaker": "agent", "text": "x"}],
    }
    early = client.post("/v1/channels/voice", json=orphan)
    assert early.status_code == 202 and early.json()["parked"] == 1
    assert interactions(client) == []
    start = {"call_id": "CA-10", "events": [{"id": "0", "type": "call.started"}]}
    assert client.post("/v1/channels/voice", json=start).json()["released"] == 1
    [call] = interactions(client)
    assert [e["type"] for e in timeline(client, call["id"])] == [
        "interaction.started",
        "utterance",
    ]


def test_chat_and_voice_refuse_an_unknown_time_zone(client: TestClient) -> None:
    chat = {
        "conversation_id": "conv-tz",
        "timezone": "Europe/Lodnon",
        "messages": [{"id": "m1", "role": "visitor", "text": "hello"}],
    }
    response = client.post("/v1/channels/chat", json=chat)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["timezone"]
    call = {
        "call_id": "CA-tz",
        "events": [
            {"id": "1", "type": "call.started", "from": "+14155550100", "timezone": "CST"},
        ],
    }
    response = client.post("/v1/channels/voice", json=call)
    assert response.status_code == 422
    assert "timezone" in response.json()["errors"][0]["field"]
    assert interactions(client) == []


def test_a_value_that_names_nobody_joins_no_customer(client: TestClient) -> None:
    """What a pre-chat form's visitor types ("n/a") and a withheld caller ID are kept in the
    contact's timeline but join no customer: joined on, every such visitor would be one."""
    for n in (1, 2):
        chat = {
            "conversation_id": f"junk-{n}",
            "visitor": {"id": f"v-{n}", "phone": "n/a", "email": "none"},
            "messages": [{"id": "m1", "role": "visitor", "text": "hello"}],
        }
        assert client.post("/v1/channels/chat", json=chat).status_code == 200
        call = {
            "call_id": f"anon-{n}",
            "events": [{"id": "1", "type": "call.started", "from": "Anonymous"}],
        }
        assert client.post("/v1/channels/voice", json=call).status_code == 200
    owners = {i["id"]: i["customer_id"] for i in interactions(client)}
    assert owners["call:anon-1"] is None and owners["call:anon-2"] is None
    assert owners["chat:junk-1"] != owners["chat:junk-2"]  # each visitor by their chat id only
    detail = client.get(f"/v1/customers/{owners['chat:junk-1']}").json()
    assert [(i["kind"], i["value"]) for i in detail["identities"]] == [("chat", "v-1")]
    assert timeline(client, "chat:junk-1")[0]["body"]["identities"][1:] == [
        {"kind": "email", "value": "none"},
        {"kind": "phone", "value": "n/a"},
    ]


def test_two_texts_from_a_new_sender_at_once_are_one_conversation(client: TestClient) -> None:
    """A customer who sends two texts in a second: Twilio posts both webhooks at once. Both
    looked for the sender's open thread before either had started one, and the conversation
    became two contacts (two queue entries for one customer)."""
    for n in range(3):
        sender = f"+1415555040{n}"
        forms = [
            twilio_form(f"SM{n}{c}" + c * 31, text, sender=sender)
            for c, text in (("a", "Hi"), ("b", "my flight got cancelled"))
        ]
        barrier = threading.Barrier(len(forms))
        statuses: list[int] = []

        def send(form: dict[str, str], barrier: threading.Barrier, statuses: list[int]) -> None:
            barrier.wait()
            statuses.append(post_sms(client, form, sign(form)).status_code)

        threads = [threading.Thread(target=send, args=(form, barrier, statuses)) for form in forms]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [200, 200]
    counts = sorted(i["event_count"] for i in interactions(client))
    assert counts == [3, 3, 3]  # three senders, one conversation each: a start and two texts


def test_chat_and_voice_read_a_language_tag_as_the_events_route_does(client: TestClient) -> None:
    """A locale as CRMs write it (``pt_BR``) is stored as its BCP 47 tag, so a queue mapping on
    ``pt`` matches it; what cannot be a tag is a 422 naming the field, as an unknown zone is."""
    chat = {
        "conversation_id": "conv-lang",
        "language": "pt_BR",
        "messages": [{"id": "m1", "role": "visitor", "text": "olá"}],
    }
    assert client.post("/v1/channels/chat", json=chat).status_code == 200
    assert client.get("/v1/interactions/chat:conv-lang").json()["language"] == "pt-BR"
    bad = {**chat, "conversation_id": "conv-lang-2", "language": "xx_garbage!!"}
    response = client.post("/v1/channels/chat", json=bad)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "language" and "BCP 47" in error["message"]
    call = {
        "call_id": "CA-lang",
        "events": [{"id": "1", "type": "call.started", "from": "+14155550100", "language": "??"}],
    }
    response = client.post("/v1/channels/voice", json=call)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].endswith("language")
    assert [i["id"] for i in interactions(client)] == ["chat:conv-lang"]
