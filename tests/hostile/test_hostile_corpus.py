"""A corpus of malformed requests (``corpus/``, one file each) and what each must get back.

``corpus/cases.json`` names every file with the status it must get (or the statuses it may get,
where more than one answer is right), the ``error`` code and a word the answer must contain. The
folder names the endpoint: ``events`` (``POST /v1/events``), ``chat``, ``voice``, ``social``,
``email`` and ``sms`` (the channel webhooks; SMS bodies are signed here unless the case is the
unsigned or badly signed one). Every refusal must be JSON naming the problem, never a 5xx, and
must leave what was stored before it as it was. Issue 18's bodies are among them: a year-9999
``occurred_at``, a lone surrogate in ``event_id``, a 5,000-digit csat, an email of 3,000 nested
multipart parts and one dated 31 Dec 9999 (kept at its arrival time).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from tests.hostile.conftest import TWILIO_TOKEN, Hostile

from kairos.channels.sms import parse_form

CORPUS = Path(__file__).parent / "corpus"
ALL_CASES: list[dict[str, Any]] = json.loads((CORPUS / "cases.json").read_text())
SMS_URL = "http://testserver/v1/channels/sms"
#: The seeded interaction every event in the corpus names; nothing refused may change it.
WITNESS = "hostile-call-0"
ENDPOINTS = {
    "events": ("/v1/events", "application/json"),
    "chat": ("/v1/channels/chat", "application/json"),
    "voice": ("/v1/channels/voice", "application/json"),
    "social": ("/v1/channels/social", "application/json"),
    "email": ("/v1/channels/email", "message/rfc822"),
    "sms": ("/v1/channels/sms", "application/x-www-form-urlencoded"),
}


#: The webhook and event cases (media sessions and recordings are in ``test_hostile_media``).
CASES = [c for c in ALL_CASES if c["file"].split("/")[0] in ENDPOINTS]


def twilio_signature(payload: bytes, token: str = TWILIO_TOKEN) -> str:
    """Twilio's signature of a form body, computed here the way Twilio documents it."""
    params = sorted(parse_form(payload))
    data = SMS_URL + "".join(f"{name}{value}" for name, value in params)
    digest = hmac.new(token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _expected(case: dict[str, Any]) -> set[int]:
    status = case["status"]
    return set(status) if isinstance(status, list) else {status}


def test_every_corpus_file_has_a_case() -> None:
    files = {
        str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file() and p.suffix != ""
    }
    files.discard("cases.json")
    assert files == {c["file"] for c in ALL_CASES}


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_malformed_input_gets_a_clear_answer(hostile: Hostile, case: dict[str, Any]) -> None:
    payload = (CORPUS / case["file"]).read_bytes()
    folder = case["file"].split("/")[0]
    path, content_type = ENDPOINTS[folder]
    headers = {"Content-Type": case.get("content_type", content_type)}
    if folder == "sms" and not case["file"].startswith("sms/unsigned"):
        token = "not-the-token" if "bad-signature" in case["file"] else TWILIO_TOKEN
        try:
            headers["X-Twilio-Signature"] = twilio_signature(payload, token)
        except Exception:  # a form too broken to sign is sent with a signature of nothing
            headers["X-Twilio-Signature"] = twilio_signature(b"", token)
    before = hostile.event_count(WITNESS)

    answer = hostile.client.post(path, content=payload, headers=headers)

    assert answer.status_code < 500, answer.text
    assert answer.status_code in _expected(case), answer.text
    if answer.status_code >= 400:
        assert answer.headers["content-type"].startswith("application/json")
        body = answer.json()
        assert body["error"] and body["message"], body
        if "error" in case:
            assert body["error"] == case["error"], body
        if case.get("mentions"):
            assert case["mentions"].lower() in answer.text.lower(), body
        # Nothing refused was applied; what was stored before is intact.
        assert hostile.event_count(WITNESS) == before


def test_a_refused_batch_applies_none_of_its_good_events(hostile: Hostile) -> None:
    before = hostile.event_count(WITNESS)
    payload = (CORPUS / "events/batch-good-then-bad.json").read_bytes()
    answer = hostile.client.post("/v1/events", content=payload)
    assert answer.status_code == 422
    assert [e["index"] for e in answer.json()["errors"]] == [1]
    timeline = hostile.interaction(WITNESS)
    assert timeline is not None
    assert "corpus-batch-good" not in {e["event_id"] for e in timeline["timeline"]}
    assert hostile.event_count(WITNESS) == before


def test_events_after_a_refusal_still_apply(hostile: Hostile) -> None:
    """A refused request leaves the interaction usable: the next good event is applied."""
    bad = (CORPUS / "events/text-is-a-number.json").read_bytes()
    assert hostile.client.post("/v1/events", content=bad).status_code == 422
    good = {
        "type": "utterance",
        "event_id": "corpus-after-refusal",
        "interaction_id": WITNESS,
        "occurred_at": "2026-11-22T14:06:00Z",
        "speaker": "customer",
        "text": "still there?",
    }
    answer = hostile.client.post("/v1/events", json=good)
    assert answer.status_code == 200, answer.text
    assert answer.json()["applied"] == 1


def test_a_batch_over_the_limit_is_refused_whole(hostile: Hostile) -> None:
    limit = hostile.runtime.settings.max_batch_events
    events = [
        {
            "type": "utterance",
            "event_id": f"corpus-flood-{n}",
            "interaction_id": WITNESS,
            "occurred_at": "2026-11-22T14:07:00Z",
            "speaker": "customer",
            "text": "again",
        }
        for n in range(10_000)
    ]
    assert len(events) > limit
    before = hostile.event_count(WITNESS)
    answer = hostile.client.post("/v1/events", json=events)
    assert answer.status_code == 413
    assert answer.json()["error"] == "too_large"
    assert str(limit) in answer.json()["message"]
    assert hostile.event_count(WITNESS) == before


def test_a_body_over_the_byte_limit_is_refused_before_it_is_read(hostile: Hostile) -> None:
    limit = hostile.runtime.settings.max_request_bytes
    before = hostile.event_count(WITNESS)
    answer = hostile.client.post(
        "/v1/events",
        content=b"[" + b" " * limit + b"]",
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json()["error"] == "too_large"
    assert hostile.event_count(WITNESS) == before


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"]
)
def test_a_form_body_on_the_events_endpoint_is_named_not_json(
    hostile: Hostile, content_type: str
) -> None:
    answer = hostile.client.post(
        "/v1/events", content=b"type=utterance&text=hi", headers={"Content-Type": content_type}
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "malformed_body"
    assert "JSON" in answer.json()["message"]
