"""``POST /v1/events`` checks what an integrator sends as identities and language tags: it
refuses what cannot be a phone number, an email address or a BCP 47 tag, naming the field, and
takes the formats platforms really send (national numbers, ``tel:`` and SIP URIs, withheld caller
IDs, ``en_US`` locales)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import started

from kairos.customers.models import CustomerIdentity
from kairos.interactions.models import EventRecord, Interaction
from kairos.runtime import Runtime


def _count(runtime: Runtime, what: Any) -> int:
    with runtime.db.session() as session:
        return session.scalar(select(func.count()).select_from(what)) or 0


def _identities(runtime: Runtime) -> set[tuple[str, str, bool]]:
    with runtime.db.session() as session:
        rows = session.scalars(select(CustomerIdentity)).all()
        return {(r.kind, r.value, r.valid) for r in rows}


def _with(identity: dict[str, str], **extra: Any) -> dict[str, Any]:
    return started("c1", phone=None, identities=[identity], **extra)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("phone", "not a phone"),
        ("phone", "0"),
        ("phone", "abc123"),
        ("phone", "sip:alice@pbx.example.com"),
        ("email", "jane.example.com"),
        ("email", "jane@"),
        ("email", "@example.com"),
        ("email", "jane doe@example.com"),
        ("email", "jane@example"),
    ],
)
def test_a_value_that_cannot_be_the_identity_is_refused_naming_it(
    client: TestClient, runtime: Runtime, kind: str, value: str
) -> None:
    answer = client.post("/v1/events", json=[_with({"kind": kind, "value": value})])
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert error["index"] == 0 and error["event_id"] == "c1-start"
    assert error["field"] == "identities.0.value"
    assert kind in error["message"]
    assert _count(runtime, EventRecord) == 0 and _count(runtime, CustomerIdentity) == 0


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("+1 (415) 555-0100", ("phone", "+14155550100", True)),
        ("(415) 555-0100", ("phone", "+14155550100", True)),
        ("tel:+1-415-555-0100", ("phone", "+14155550100", True)),
        ("sip:+14155550100@carrier.example.com;user=phone", ("phone", "+14155550100", True)),
        ("1-800-FLOWERS", ("phone", "+18003569377", True)),
        ("12345", ("phone", "12345", False)),  # a short code: kept, marked not a valid number
    ],
)
def test_phone_formats_platforms_send_are_taken(
    client: TestClient, runtime: Runtime, value: str, stored: tuple[str, str, bool]
) -> None:
    answer = client.post("/v1/events", json=_with({"kind": "phone", "value": value}))
    assert answer.status_code == 200, answer.text
    assert _identities(runtime) == {stored}


@pytest.mark.parametrize("value", ["anonymous", "Restricted", "UNKNOWN", "private", "withheld"])
def test_a_withheld_caller_id_is_taken_and_identifies_nobody(
    client: TestClient, runtime: Runtime, value: str
) -> None:
    first = client.post("/v1/events", json=_with({"kind": "phone", "value": value}))
    second = client.post(
        "/v1/events",
        json=started("c2", phone=None, identities=[{"kind": "phone", "value": value}]),
    )
    assert first.status_code == 200 and second.status_code == 200, first.text
    # Two withheld callers are not one customer.
    assert _identities(runtime) == set()
    with runtime.db.session() as session:
        owners = session.scalars(select(Interaction.customer_id)).all()
    assert owners == [None, None]


def test_an_email_with_a_display_name_is_stored_as_its_address(
    client: TestClient, runtime: Runtime
) -> None:
    identity = {"kind": "email", "value": "Jane Doe <Jane@Example.com>"}
    assert client.post("/v1/events", json=_with(identity)).status_code == 200
    assert _identities(runtime) == {("email", "jane@example.com", True)}


@pytest.mark.parametrize("tag", ["xx_garbage!!", "english", "e", "en--us", "en-", "12", "en US"])
def test_a_language_that_is_not_a_bcp47_tag_is_refused(
    client: TestClient, runtime: Runtime, tag: str
) -> None:
    answer = client.post("/v1/events", json=started("c1", language=tag))
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert error["field"] == "language" and "BCP 47" in error["message"]
    assert _count(runtime, EventRecord) == 0


@pytest.mark.parametrize(
    ("tag", "stored"),
    [
        ("en", "en"),
        ("en-US", "en-US"),
        ("es-419", "es-419"),
        ("zh-Hant-TW", "zh-Hant-TW"),
        ("pt_BR", "pt-BR"),  # a POSIX or Java locale, as CRMs send it
        ("de-CH-1996", "de-CH-1996"),
        ("x-klingon", "x-klingon"),
    ],
)
def test_language_tags_are_taken(
    client: TestClient, runtime: Runtime, tag: str, stored: str
) -> None:
    assert client.post("/v1/events", json=started("c1", language=tag)).status_code == 200
    with runtime.db.session() as session:
        assert session.scalar(select(Interaction.language)) == stored


def test_each_bad_item_of_a_batch_is_named_and_nothing_applied(
    client: TestClient, runtime: Runtime
) -> None:
    batch = [
        started("ok1"),
        started("bad1", phone="call me maybe"),
        started("bad2", language="??"),
    ]
    answer = client.post("/v1/events", json=batch)
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [
        (1, "identities.0.value"),
        (2, "language"),
    ]
    assert "2 of 3" in answer.json()["message"]
    assert _count(runtime, EventRecord) == 0


def test_an_escalations_callback_number_is_checked_as_a_phone(
    client: TestClient, runtime: Runtime
) -> None:
    escalation = {"source": "chat-1", "phone": "call me maybe"}
    answer = client.post("/v1/events", json=started("c1", escalation=escalation))
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert error["field"] == "escalation.phone" and "phone" in error["message"]
    assert _count(runtime, EventRecord) == 0
