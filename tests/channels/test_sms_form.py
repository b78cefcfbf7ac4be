"""The SMS webhook reads Twilio's form once, and its signature check stays exact."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from tests.channels.webhook_support import (
    interactions,
    post_sms,
    sign,
    timeline,
    twilio_form,
)

from kairos.channels import sms


def test_the_form_is_parsed_once_per_request(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bytes] = []
    real = sms.parse_form

    def counting(payload: bytes) -> list[tuple[str, str]]:
        calls.append(payload)
        return real(payload)

    monkeypatch.setattr(sms, "parse_form", counting)
    form = twilio_form("SMonce01", "Parsed once, signed and threaded")
    assert post_sms(client, form, sign(form)).status_code == 200
    assert len(calls) == 1  # the signature, the thread lock and the events read one parse
    [interaction] = interactions(client)
    entries = timeline(client, interaction["id"])
    assert [e["body"]["text"] for e in entries if e["type"] == "utterance"] == [
        "Parsed once, signed and threaded"
    ]


def test_the_signature_covers_blank_and_non_ascii_fields_exactly(client: TestClient) -> None:
    form = {**twilio_form("SMexact01", "Çà et là — 5 € ✓"), "FromZip": "", "ToZip": ""}
    signature = sign(form)
    assert post_sms(client, form, signature).status_code == 200
    # The same signature over a body that differs by one blank field is refused.
    tampered = {**twilio_form("SMexact02", "Çà et là — 5 € ✓"), "FromZip": "", "ToZip": "9"}
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign({**tampered, "ToZip": ""}),
    }
    response = client.post("/v1/channels/sms", content=urlencode(tampered), headers=headers)
    assert response.status_code == 403


def test_a_json_or_multipart_body_is_415_naming_what_to_send(client: TestClient) -> None:
    form = twilio_form("SMjson01", "sent as JSON by mistake")
    signed = {"X-Twilio-Signature": sign(form)}
    as_json = client.post("/v1/channels/sms", json=form, headers=signed)
    as_multipart = client.post("/v1/channels/sms", data=form, files={"MediaUrl0": b"x"},
                               headers=signed)  # fmt: skip
    for response in (as_json, as_multipart):
        assert response.status_code == 415, response.text
        refused = response.json()
        assert refused["error"] == "unsupported_media_type"
        assert "application/x-www-form-urlencoded" in refused["message"]
    assert interactions(client) == []


def test_a_form_with_a_charset_is_taken(client: TestClient) -> None:
    form = twilio_form("SMcharset01", "a form that names its charset")
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
               "X-Twilio-Signature": sign(form)}  # fmt: skip
    response = client.post("/v1/channels/sms", content=urlencode(form), headers=headers)
    assert response.status_code == 200, response.text
