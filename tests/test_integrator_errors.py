"""What an integrator gets wrong on the first day, answered so that they can fix it.

Each case is a request copied from what a platform engineer sends when following the docs with
curl or httpx: a time without its zone, an offset's ``+`` left unencoded in a URL, an event
without its ``type``, a voice item with a bad field, a recording sent as a form, a Firehose
delivery whose request id came in its body only. Each answer says what is wrong and what to send,
names the field as the client wrote it, and stores nothing.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import numpy as np
import soundfile
from fastapi.testclient import TestClient
from tests.factories import started, utterance

from kairos.bus import MemoryBus
from kairos.config import Settings
from kairos.main import create_app
from kairos.runtime import Runtime

#: What a refused time is followed by (kairos.errors.TIME_HINT), written out: the test also
#: runs against the code from before, which had no such words.
TIME_HINT = (
    "send ISO 8601 with a time zone, such as 2026-11-22T16:02:00Z or 2026-11-22T16:02:00-05:00"
)


def timeline(client: TestClient, interaction_id: str) -> list[str]:
    body = client.get(f"/v1/interactions/{interaction_id}").json()
    return [item["event_id"] for item in body["timeline"]]


def test_an_event_without_its_type_says_the_type_is_missing_and_lists_the_types(
    client: TestClient,
) -> None:
    # Before: "Unable to extract tag using discriminator 'type'", pydantic's words.
    event = utterance("call-t1", "hello")
    del event["type"]
    answer = client.post("/v1/events", json=[started("call-t1"), event])
    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    assert error["index"] == 1 and error["field"] == "type"
    assert error["message"].startswith("missing: every event needs a type")
    assert "utterance" in error["message"] and "interaction.started" in error["message"]
    assert "discriminator" not in error["message"]
    assert client.get("/v1/interactions/call-t1").status_code == 404  # nothing applied


def test_a_time_without_its_zone_says_what_to_send(client: TestClient) -> None:
    # Before: "Input should have timezone info", and no word of the form that is taken.
    event = started("call-t2", occurred_at="2026-11-22T16:02:00")
    (error,) = client.post("/v1/events", json=event).json()["errors"]
    assert error["field"] == "occurred_at"
    assert error["message"] == f"Input should have timezone info: {TIME_HINT}"
    assert "2026-11-22T16:02:00Z" in error["message"]
    not_a_time = started("call-t2", occurred_at="22/11/2026 16:02")
    (error,) = client.post("/v1/events", json=not_a_time).json()["errors"]
    assert error["message"].endswith(TIME_HINT)
    # The hint's own examples are taken.
    for n, example in enumerate(("2026-11-22T16:02:00Z", "2026-11-22T16:02:00-05:00")):
        ok = client.post("/v1/events", json=started(f"call-t2-{n}", occurred_at=example))
        assert ok.status_code == 200, ok.text


def test_an_unencoded_plus_in_a_query_time_is_named_as_such(client: TestClient) -> None:
    # `curl 'HOST/v1/interactions?since=2026-11-22T16:00:00+05:00'` sends a space for the '+'.
    # Before: "unexpected extra characters at the end of the input", which the value as the
    # client typed it does not have.
    client.post("/v1/events", json=started("call-t3"))
    answer = client.get("/v1/interactions?since=2026-11-22T10:00:00+05:00")
    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    assert error["field"] == "query.since"
    assert "the '+' of the offset arrived as a space" in error["message"]
    assert "%2B" in error["message"]
    # Encoded as the message says, the same instant is taken and finds the interaction.
    fixed = client.get("/v1/interactions?since=2026-11-22T10:00:00%2B05:00")
    assert fixed.status_code == 200
    assert [item["id"] for item in fixed.json()["items"]] == ["call-t3"]
    # A date alone has no zone: said with the form to send.
    (error,) = client.get("/v1/interactions?until=2026-11-22").json()["errors"]
    assert error["field"] == "query.until" and error["message"].endswith(TIME_HINT)


def test_a_voice_items_bad_field_is_named_by_its_path_in_the_body(client: TestClient) -> None:
    # Before: "events.0.call.started.at": the item's type put in the path, as if the body had a
    # field "call" holding "started".
    body: dict[str, Any] = {
        "call_id": "CA-t4",
        "events": [
            {"id": "1", "type": "call.started", "at": "2026-11-22T14:00:00Z",
             "from": "+14155550100"},
            {"id": "2", "type": "transcript", "at": "2026-11-22T14:00:05", "speaker": "customer",
             "text": "My car was towed"},
        ],
    }  # fmt: skip
    answer = client.post("/v1/channels/voice", json=body)
    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    assert error["field"] == "events.1.at"
    assert error["message"].endswith(TIME_HINT)
    assert client.get("/v1/interactions/call:CA-t4").status_code == 404  # nothing applied


def tone_wav(seconds: float = 2.0, rate: int = 8000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    out = io.BytesIO()
    soundfile.write(out, 0.3 * np.sin(2 * np.pi * 180 * t), rate, format="WAV", subtype="PCM_16")
    return out.getvalue()


def test_a_recording_sent_as_a_form_is_refused_saying_how_to_send_it(client: TestClient) -> None:
    # `curl -F file=@call.wav` (or httpx files=) wraps the file in a multipart form. Before: 422
    # "not a sound file that can be read", of a file that is one.
    client.post("/v1/events", json=started("call-t5"))
    before = timeline(client, "call-t5")
    url = "/v1/interactions/call-t5/recordings"
    answer = client.post(url, files={"file": ("call.wav", tone_wav(), "audio/wav")})
    assert answer.status_code == 415
    body = answer.json()
    assert body["error"] == "unsupported_media_type"
    assert "multipart/form-data" in body["message"] and "--data-binary" in body["message"]
    assert body["errors"] == [
        {"field": "content-type", "message": "use audio/wav or application/octet-stream"}
    ]
    assert timeline(client, "call-t5") == before  # nothing stored
    # The same file as the body is read.
    sent = client.post(url, content=tone_wav(), headers={"content-type": "audio/wav"})
    assert sent.status_code == 200, sent.text
    assert sent.json()["analysed"] is True


def test_a_firehose_delivery_without_the_header_echoes_its_body_request_id(
    client: TestClient,
) -> None:
    # The docs show the delivery's body with its requestId; a proxy that drops Firehose's
    # X-Amz-Firehose-Request-Id header (or a test sending the documented body) got back
    # "requestId": "", which Firehose counts as a failed delivery and retries until it gives up.
    record = {"Version": "1.0.0", "Channel": "VOICE", "AccountId": "1", "InstanceId": "i",
              "ContactId": "c0ffee00-t6", "LanguageCode": "en-US",
              "EventType": "STARTED"}  # fmt: skip
    data = base64.b64encode(json.dumps(record).encode()).decode()
    body = {"requestId": "req-t6", "timestamp": 1764876000000, "records": [{"data": data}]}
    path = "/v1/channels/contact-lens/firehose"
    answer = client.post(path, json=body)
    assert answer.status_code == 200
    assert answer.json()["requestId"] == "req-t6"
    assert client.get("/v1/interactions/connect:c0ffee00-t6").status_code == 200
    # A bad delivery's answer echoes it too, and Firehose's header wins where it is sent.
    bad = client.post(path, json={**body, "records": [{"data": "not base64!"}]})
    assert bad.status_code == 422 and bad.json()["requestId"] == "req-t6"
    headed = client.post(path, json=body, headers={"X-Amz-Firehose-Request-Id": "req-header"})
    assert headed.status_code == 200 and headed.json()["requestId"] == "req-header"


def conforms(answer: dict[str, Any], schema: dict[str, Any]) -> None:
    """``answer`` has what ``schema`` (an object schema) requires, and nothing it does not name."""
    assert set(schema["required"]) <= answer.keys(), (answer, schema["required"])
    assert answer.keys() <= schema["properties"].keys(), (answer, schema["properties"])
    for name, value in answer.items():
        kind = schema["properties"][name].get("type")
        if kind == "array":
            for item in value:
                conforms(item, schema["properties"][name]["items"])
        elif kind == "string":
            assert isinstance(value, str), (name, value)


def test_the_schema_documents_refusals_as_they_are_answered(client: TestClient) -> None:
    # Before: every 422 of /openapi.json was FastAPI's {"detail": [{"loc", "msg", "type"}]},
    # which no route answers; a client generated from the schema read nothing of a refusal.
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in json.dumps(schema)
    error_body = schema["components"]["schemas"]["ErrorBody"]
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    paths = schema["paths"]
    for path, method, status in (
        ("/v1/interactions", "get", "422"),
        ("/v1/events", "post", "422"),
        ("/v1/events", "post", "409"),
        ("/v1/interactions/{interaction_id}/recordings", "post", "415"),
    ):
        content = paths[path][method]["responses"][status]["content"]
        assert content["application/json"]["schema"] == ref, (path, status)
    # The answers are what the schema says.
    conforms(client.get("/v1/interactions?limit=0").json(), error_body)
    bad_event = started("call-t7", occurred_at="2026-11-22T16:02:00")
    conforms(client.post("/v1/events", json=bad_event).json(), error_body)
    conforms(client.get("/v1/interactions/nope").json(), error_body)


def email(sender: str, message_id: str, text: str, *, reply_to: str | None = None) -> bytes:
    thread = f"In-Reply-To: <{reply_to}>\r\nReferences: <{reply_to}>\r\n" if reply_to else ""
    return (
        f"From: {sender}\r\nTo: someone@example.org\r\nSubject: Refund\r\n"
        f"Message-ID: <{message_id}>\r\n{thread}Date: Sun, 22 Nov 2026 14:00:00 +0000\r\n\r\n"
        f"{text}\r\n"
    ).encode()


def test_the_centres_email_replies_are_the_agents_words(settings: Settings) -> None:
    # A mail gateway hands Kairos both sides of a thread. Before, the webhook had no way to know
    # the centre's own domain: "We are on it" was stored and assessed as the customer's words,
    # and a thread the centre opened made its own address the customer's identity.
    centre = settings.model_copy(update={"email_agent_domains": ["Acme.com"]})
    runtime = Runtime.build(centre, bus=MemoryBus())
    try:
        with TestClient(create_app(centre, runtime=runtime)) as client:

            def send(raw: bytes) -> dict[str, Any]:
                answer = client.post(
                    "/v1/channels/email", content=raw, headers={"content-type": "message/rfc822"}
                )
                assert answer.status_code == 200, answer.text
                return dict(answer.json())

            send(email("Jane <jane@example.com>", "m1@example.com", "I need my refund by Friday"))
            send(email("help@acme.com", "m2@acme.com", "We are on it", reply_to="m1@example.com"))
            [thread] = client.get("/v1/interactions?channel=email").json()["items"]
            detail = client.get(f"/v1/interactions/{thread['id']}").json()
            said = [(e["body"]["speaker"], e["body"]["text"]) for e in detail["timeline"][1:]]
            assert said == [("customer", "I need my refund by Friday"), ("agent", "We are on it")]
            customer = client.get(f"/v1/customers/{thread['customer_id']}").json()
            assert [i["value"] for i in customer["identities"]] == ["jane@example.com"]
            # A thread the centre opens names no customer after the centre.
            send(email("Help Desk <help@ACME.com>", "m3@acme.com", "Your flight has moved"))
            items = client.get("/v1/interactions?channel=email").json()["items"]
            [new] = [item for item in items if item["id"] != thread["id"]]
            assert new["customer_id"] is None
            new_detail = client.get(f"/v1/interactions/{new['id']}").json()
            assert new_detail["timeline"][0]["body"]["identities"] == []
            assert new_detail["timeline"][1]["body"]["speaker"] == "agent"
            assert client.get("/v1/customers?identity=email:help@acme.com").json()["total"] == 0
    finally:
        runtime.close()
