"""Secrets never in clear: card numbers, security codes, PINs and passwords, through every adapter.

After ingest, every column of every table is read back and searched for the clear values; the
bus messages are searched too. Only the masks remain: ``[card ••••1111]``, ``[cvv ••••]``, ...
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.channels.webhook_support import database_text, post_sms, sign, twilio_form

from kairos.bus import MemoryBus
from kairos.redaction import mask_value, redact_secrets
from kairos.runtime import Runtime

CARD = "4111 1111 1111 1111"  # Luhn-valid: redacted wherever it appears
TYPO_CARD = "4242 4242 4242 4241"  # fails Luhn: redacted because it follows "card number"
CVV = "8264"
PIN = "482915"
PASSWORD = "Tr0ub4dor&3"
SSN = "536-22-1907"  # a US Social Security number in the SSA's ranges
NINO = "JG 10 37 59 A"  # a UK National Insurance number
IBAN = "GB82 WEST 1234 5698 7654 32"  # mod-97 valid
SIN = "046 454 286"  # a Luhn-valid Canadian Social Insurance number
PASSPORT = "K8372615"

# A secret must not appear as a token of its own (hex ids and timestamps may hold its digits).
_CLEAR = [
    re.compile(r"4111[ -]?1111[ -]?1111[ -]?1111"),
    re.compile(r"4242[ -]?4242[ -]?4242[ -]?4241"),
    re.compile(rf"(?<![0-9a-fA-F.:]){CVV}(?![0-9a-fA-F])"),
    re.compile(rf"(?<![0-9a-fA-F.:]){PIN}(?![0-9a-fA-F])"),
    re.compile(re.escape(PASSWORD)),
    re.compile(r"(?<![0-9a-fA-F])536[ -]?22[ -]?1907(?![0-9a-fA-F])"),
    re.compile(r"JG ?10 ?37 ?59 ?A", re.IGNORECASE),
    re.compile(r"WEST ?1234 ?5698 ?7654", re.IGNORECASE),
    re.compile(r"(?<![0-9a-fA-F])046[ -]?454[ -]?286(?![0-9a-fA-F])"),
    re.compile(PASSPORT, re.IGNORECASE),
]


def assert_no_clear_secret(blob: str) -> None:
    found = [p.pattern for p in _CLEAR if p.search(blob)]
    assert not found, f"secrets stored in clear: {found}"


def test_redaction_masks_each_kind() -> None:
    said = f"card {CARD}, cvv {CVV}, my PIN is {PIN} and password: {PASSWORD}."
    redacted = redact_secrets(said)
    assert redacted == (
        "card [card ••••1111], cvv [cvv ••••], my PIN is [pin ••••] and password: [password ••••]."
    )
    assert redact_secrets(f"card number {TYPO_CARD}") == "card number [card ••••4241]"
    # Words about a password, a PIN without digits, ordinary numbers: left alone.
    for plain in (
        "I need a password reset link",
        "my password is wrong",
        "order 12345678901234 shipped",
        "flight BA2490, booking ref QX7T2P, pin the blame on nobody",
    ):
        assert redact_secrets(plain) == plain
    assert mask_value("card_number", "4111111111111111") == ("••••1111", True)
    assert mask_value("pin", "123456") == ("••••", True)
    assert mask_value("cvv2", "1234") == ("••••", True)
    assert mask_value("new-password", "hunter2") == ("••••", True)
    assert mask_value("service_tag", "7XK2ABC") == ("7XK2ABC", False)
    assert mask_value("reference", CARD) == ("[card ••••1111]", True)


def _email(body: str) -> bytes:
    return (
        "From: Jane Doe <jane@example.com>\r\n"
        "To: support@acme.example\r\n"
        f"Subject: Card {CARD.replace(' ', '')} charged twice\r\n"
        "Message-ID: <secret-1@example.com>\r\n"
        "Date: Sun, 22 Nov 2026 14:00:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def test_no_secret_is_stored_in_clear_through_any_adapter(
    client: TestClient, runtime: Runtime, database_url: str
) -> None:
    assert isinstance(runtime.bus, MemoryBus)
    published: list[dict[str, Any]] = []
    runtime.bus.listen(lambda topic, message: published.append(message))

    chat = {
        "conversation_id": "sec-chat",
        "visitor": {"id": "v-1", "email": "jane@example.com"},
        "messages": [
            {"id": "m1", "role": "visitor",
             "text": f"My card is {CARD}, cvv {CVV}, and my PIN is {PIN}."},
            {"id": "m2", "role": "visitor",
             "text": f"SSN {SSN.replace('-', '')}, NI number {NINO}, refund to {IBAN} please"},
        ],
    }  # fmt: skip
    assert client.post("/v1/channels/chat", json=chat).status_code == 200

    form = twilio_form("SM" + "c" * 32, f"card number {TYPO_CARD} exp 12/28, security code {CVV}")
    assert post_sms(client, form, sign(form)).status_code == 200

    raw = _email(
        f"Hello,\r\nmy password is {PASSWORD} and the card {CARD.replace(' ', '-')}.\r\n"
        f"My social security number is {SSN}; IBAN {IBAN.replace(' ', '')}; passport no. "
        f"{PASSPORT}."
    )
    response = client.post(
        "/v1/channels/email", content=raw, headers={"Content-Type": "message/rfc822"}
    )
    assert response.status_code == 200, response.text

    social = {
        "platform": "x", "kind": "direct", "post_id": "dm-1", "thread_id": "dm-thread-1",
        "handle": "@jane_doe",
        "text": f"here you go: pin {PIN}, cvc {CVV}, card {CARD}, my SIN is {SIN}, {SSN}",
    }  # fmt: skip
    assert client.post("/v1/channels/social", json=social).status_code == 200

    call = {
        "call_id": "sec-call",
        "events": [
            {"id": "1", "type": "call.started", "from": "+14155550100"},
            {"id": "2", "type": "ivr.input", "name": "card_number", "value": CARD},
            {"id": "3", "type": "ivr.input", "name": "pin", "value": PIN},
            {"id": "4", "type": "ivr.input", "name": "account_password", "value": PASSWORD},
            {"id": "5", "type": "ivr.input", "name": "reference", "value": CARD},
            {"id": "5a", "type": "ivr.input", "name": "ssn", "value": SSN.replace("-", "")},
            {"id": "5b", "type": "ivr.input", "name": "national_insurance", "value": NINO},
            {"id": "5c", "type": "ivr.input", "name": "iban", "value": IBAN},
            {"id": "6", "type": "transcript", "speaker": "caller",
             "text": f"the card is {CARD} and the CVV {CVV}"},
            {"id": "6a", "type": "transcript", "speaker": "caller",
             "text": f"social insurance number {SIN}, passport number {PASSPORT}"},
            {"id": "7", "type": "call.ended",
             "note": f"caller read out PIN {PIN} and NI {NINO.replace(' ', '')}"},
        ],
    }  # fmt: skip
    response = client.post("/v1/channels/voice", json=call)
    assert response.status_code == 200, response.text

    stored = database_text(database_url)
    assert_no_clear_secret(stored)
    assert_no_clear_secret(repr(published))
    # What was given is still known, masked.
    shown = " ".join(
        str(client.get(f"/v1/interactions/{i['id']}").json()["timeline"])
        for i in client.get("/v1/interactions").json()["items"]
    )
    assert "[card ••••1111]" in shown and "[card ••••4241]" in shown
    assert "[cvv ••••]" in shown and "[pin ••••]" in shown and "[password ••••]" in shown
    assert "[ssn ••••1907]" in shown and "[nino ••••]" in shown and "[iban ••••5432]" in shown
    assert "[sin ••••]" in shown and "[passport ••••]" in shown
    call_facts = {
        f["name"]: f for f in client.get("/v1/interactions/call:sec-call").json()["facts"]
    }
    assert call_facts["card_number"]["value"] == "••••1111"
    assert call_facts["pin"]["value"] == "••••" and call_facts["pin"]["redacted"] is True
    assert call_facts["account_password"]["value"] == "••••"
    assert call_facts["ssn"]["value"] == "••••1907"
    assert call_facts["national_insurance"]["value"] == "••••"
    assert call_facts["iban"]["value"] == "••••5432"
    chat_facts = {
        f["name"]: f for f in client.get("/v1/interactions/chat:sec-chat").json()["facts"]
    }
    assert chat_facts["cvv"]["value"] == "••••" and chat_facts["pin"]["value"] == "••••"


@pytest.mark.parametrize(
    "text",
    [
        f"my cvv is {CVV}",
        f"PIN: {PIN}",
        f"password = {PASSWORD}",
        f"card {CARD}",
        f"ssn {SSN}",
        f"NINO {NINO}",
        f"IBAN: {IBAN}",
        f"SIN {SIN}",
        f"passport # {PASSPORT}",
    ],
)
def test_the_events_api_redacts_too(client: TestClient, database_url: str, text: str) -> None:
    events = [
        {"type": "interaction.started", "event_id": "s1", "interaction_id": "i1",
         "occurred_at": "2026-11-22T14:00:00Z", "channel": "chat", "subject": text},
        {"type": "utterance", "event_id": "u1", "interaction_id": "i1",
         "occurred_at": "2026-11-22T14:00:05Z", "speaker": "customer", "text": text},
        {"type": "survey.response", "event_id": "v1", "interaction_id": "i1",
         "occurred_at": "2026-11-22T14:30:00Z", "csat": 2, "text": text},
    ]  # fmt: skip
    assert client.post("/v1/events", json=events).status_code == 200
    assert_no_clear_secret(database_text(database_url))
