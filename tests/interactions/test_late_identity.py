"""An identity that arrives after the start (``customer.identified``): it attaches the customer
to an interaction that started without one, resolving them as a start would, is checked as a
start's identities are on ``POST /v1/events``, and is idempotent. The social and chat webhooks
send it when the customer's handle or the visitor's details come after the first payload."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import at, started, utterance

from kairos.customers.models import CustomerIdentity, Fact, IdentityConflict
from kairos.interactions.models import EventRecord, Interaction
from kairos.runtime import Runtime
from kairos.web.desktop import transcript


def _identified(iid: str, *identities: tuple[str, str], event_id: str = "") -> dict[str, Any]:
    return {
        "type": "customer.identified",
        "event_id": event_id or f"{iid}-id",
        "interaction_id": iid,
        "occurred_at": at(30),
        "identities": [{"kind": k, "value": v} for k, v in identities],
    }


def _customer(client: TestClient, iid: str) -> int | None:
    detail = client.get(f"/v1/interactions/{iid}")
    assert detail.status_code == 200, detail.text
    customer: int | None = detail.json()["customer_id"]
    return customer


def _count(runtime: Runtime, what: Any) -> int:
    with runtime.db.session() as session:
        return session.scalar(select(func.count()).select_from(what)) or 0


def test_a_later_identity_attaches_the_customer_and_their_facts(
    client: TestClient, runtime: Runtime
) -> None:
    answer = client.post(
        "/v1/events",
        json=[
            started("c1", channel="chat", phone=None),
            utterance("c1", "my booking reference is ABC123", seconds=5),
        ],
    )
    assert answer.status_code == 200, answer.text
    assert _customer(client, "c1") is None
    answer = client.post("/v1/events", json=[_identified("c1", ("email", "Jane <jane@ex.com>"))])
    assert answer.status_code == 200 and answer.json()["applied"] == 1, answer.text
    customer = _customer(client, "c1")
    assert customer is not None
    with runtime.db.session() as session:
        held = session.scalars(select(CustomerIdentity)).all()
        assert [(i.kind, i.value, i.customer_id) for i in held] == [
            ("email", "jane@ex.com", customer)
        ]
        facts = session.scalars(select(Fact)).all()
        assert facts and {f.customer_id for f in facts} == {customer}
        row = session.scalar(select(Interaction).where(Interaction.external_id == "c1"))
        assert row is not None
        lines = [(line.who, line.text) for line in transcript(session, row)]
        assert lines[-1] == ("system", "customer identified by email")
    # The same event again, and one naming only what the customer has: nothing new is stored.
    again = client.post(
        "/v1/events",
        json=[
            _identified("c1", ("email", "Jane <jane@ex.com>")),
            _identified("c1", ("email", "jane@ex.com"), event_id="c1-id-2"),
        ],
    )
    assert again.status_code == 200
    assert [e["status"] for e in again.json()["events"]] == ["duplicate", "duplicate"]
    assert _count(runtime, CustomerIdentity) == 1 and _count(runtime, EventRecord) == 3


def test_a_later_identity_joins_the_known_customer_and_a_clash_is_recorded(
    client: TestClient, runtime: Runtime
) -> None:
    other = started("c0", phone="+14155550100")
    bare = started("c1", channel="social", phone=None)
    assert client.post("/v1/events", json=[other, bare]).status_code == 200
    known = _customer(client, "c0")
    answer = client.post("/v1/events", json=[_identified("c1", ("phone", "(415) 555-0100"))])
    assert answer.status_code == 200, answer.text
    assert _customer(client, "c1") == known
    # A second customer's identity on a contact that has one: a conflict, never a silent move.
    assert client.post("/v1/events", json=[started("c2", phone="+14155550199")]).status_code == 200
    answer = client.post(
        "/v1/events", json=[_identified("c2", ("phone", "+14155550100"), event_id="c2-id")]
    )
    assert answer.status_code == 200, answer.text
    assert _customer(client, "c2") != known
    assert _count(runtime, IdentityConflict) == 1


def test_a_later_identity_is_checked_as_a_start_is(client: TestClient, runtime: Runtime) -> None:
    assert client.post("/v1/events", json=[started("c1", phone=None)]).status_code == 200
    answer = client.post(
        "/v1/events",
        json=[_identified("c1", ("chat", "v-1"), ("phone", "not a phone"))],
    )
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert error["field"] == "identities.1.value" and error["event_id"] == "c1-id"
    empty = client.post("/v1/events", json=[_identified("c1")])
    assert empty.status_code == 422
    assert _count(runtime, CustomerIdentity) == 0 and _count(runtime, EventRecord) == 1


def test_social_brand_reply_first_then_the_customer_post(client: TestClient) -> None:
    reply = {
        "platform": "x",
        "post_id": "1789050",
        "in_reply_to": "1789000",
        "handle": "@AcmeAir",
        "author_role": "agent",
        "text": "We're so sorry, Jane. Please DM us your booking reference.",
    }
    post = {
        "platform": "x",
        "post_id": "1789000",
        "handle": "@Jane_Doe",
        "text": "@AcmeAir cancelled AGAIN.",
        "posted_at": "2026-11-22T14:00:00Z",
    }
    assert client.post("/v1/channels/social", json=reply).json()["applied"] == 2
    assert _customer(client, "social:x:1789000") is None
    assert client.post("/v1/channels/social", json=post).json()["applied"] == 2
    customer = _customer(client, "social:x:1789000")
    assert customer is not None
    held = client.get(f"/v1/customers/{customer}").json()["identities"]
    assert [(i["kind"], i["value"]) for i in held] == [("social", "x:jane_doe")]
    again = client.post("/v1/channels/social", json=post).json()
    assert again["applied"] == 0 and again["duplicates"] == 2
    # Someone else replying in the public thread is not made the thread's customer.
    stranger = {**post, "post_id": "1789099", "in_reply_to": "1789000", "handle": "@bob"}
    assert client.post("/v1/channels/social", json=stranger).json()["applied"] == 1
    assert client.get(f"/v1/customers/{customer}").json()["identities"] == held


def test_chat_visitor_details_after_the_first_payload(client: TestClient) -> None:
    first = {
        "conversation_id": "conv-9",
        "messages": [{"id": "m1", "role": "visitor", "text": "hello"}],
    }
    assert client.post("/v1/channels/chat", json=first).json()["applied"] == 2
    assert _customer(client, "chat:conv-9") is None
    later = {
        "conversation_id": "conv-9",
        "visitor": {"id": "v-9", "email": "jane@example.com"},
        "messages": [{"id": "m2", "role": "visitor", "text": "I'm Jane"}],
    }
    assert client.post("/v1/channels/chat", json=later).json()["applied"] == 2
    customer = _customer(client, "chat:conv-9")
    assert customer is not None
    held = client.get(f"/v1/customers/{customer}").json()["identities"]
    assert {(i["kind"], i["value"]) for i in held} == {
        ("chat", "v-9"),
        ("email", "jane@example.com"),
    }
    # A platform that sends the visitor with every payload adds nothing to the timeline.
    third = {**later, "messages": [{"id": "m3", "role": "visitor", "text": "thanks"}]}
    answer = client.post("/v1/channels/chat", json=third).json()
    assert answer["applied"] == 1 and answer["duplicates"] == 1
