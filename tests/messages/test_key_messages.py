"""Key messages: post, target, match, expire; bad input refused with the field; bus messages
published after commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import ended, started, utterance
from tests.messages.conftest import RecordingBus

from kairos.errors import Conflict, NotFound
from kairos.messages import service
from kairos.messages.models import KeyMessage
from kairos.messages.schemas import KeyMessageIn
from kairos.runtime import Runtime

DISRUPTED = "My flight got cancelled and I'm stuck at the airport, I need to get home tonight"
US_PHONE = "+14155550100"
GB_PHONE = "+442079460123"
DE_PHONE = "+4930901820"


def later(hours: float = 4) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def message_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Storm at LHR",
        "body": "Heathrow departures are cancelled after 18:00.",
        "cause": "Storm Bert",
        "expected_fix": "Flights resume at 06:00 tomorrow",
        "severity": "warning",
        "expires_at": later(),
    }
    return body | changes


def open_interaction(
    client: TestClient,
    interaction_id: str,
    *texts: str,
    queue: str | None = None,
    reason: str | None = None,
    phone: str | None = US_PHONE,
) -> None:
    extra: dict[str, Any] = {}
    if queue:
        extra["queue"] = queue
    if reason:
        extra["reason"] = reason
    events = [started(interaction_id, phone=phone, **extra)]
    events += [utterance(interaction_id, text) for text in texts]
    response = client.post("/v1/events", json=events)
    assert response.status_code == 200, response.text


@pytest.fixture
def interactions(client: TestClient) -> None:
    open_interaction(client, "travel-us", DISRUPTED, queue="travel", phone=US_PHONE)
    open_interaction(client, "travel-gb", DISRUPTED, queue="travel", phone=GB_PHONE)
    open_interaction(
        client, "upgrade-gb", "Hello", queue="sales", reason="Seat upgrade request", phone=GB_PHONE
    )
    open_interaction(client, "billing-de", "Hi there", queue="billing", phone=DE_PHONE)
    open_interaction(client, "anon", "Hi", queue="travel", phone=None)
    open_interaction(client, "done-gb", DISRUPTED, queue="travel", phone=GB_PHONE)
    assert client.post("/v1/events", json=[ended("done-gb")]).status_code == 200


def test_post_publishes_the_open_interactions_it_matches_after_commit(
    client: TestClient, runtime: Runtime, bus: RecordingBus, interactions: None
) -> None:
    def stored() -> int:
        with runtime.db.session() as session:
            return session.scalar(select(func.count()).select_from(KeyMessage)) or 0

    bus.probe = stored
    response = client.post(
        "/v1/messages",
        json=message_body(queues=["travel"], regions=["gb"]),
        headers={"X-Kairos-User": "sup-ana"},
    )
    assert response.status_code == 201, response.text
    posted = response.json()
    assert posted["active"] is True and posted["created_by"] == "sup-ana"
    assert posted["regions"] == ["GB"] and posted["queues"] == ["travel"]
    assert posted["cause"] == "Storm Bert" and posted["expected_fix"].startswith("Flights")
    ((topic, message, at_publish),) = bus.of_type("key_message.posted")
    assert topic == "messages"
    assert message["message"]["id"] == posted["id"]
    # GB customers in the travel queue with the interaction still open; not the ended one.
    assert message["interaction_ids"] == ["travel-gb"]
    assert at_publish == 1


TARGETS: list[tuple[dict[str, Any], list[str]]] = [
    ({}, ["anon", "billing-de", "travel-gb", "travel-us", "upgrade-gb"]),
    ({"queues": ["travel"]}, ["anon", "travel-gb", "travel-us"]),
    ({"queues": ["travel", "sales"]}, ["anon", "travel-gb", "travel-us", "upgrade-gb"]),
    # A stakes category the detector found, or the contact reason (a whole-word phrase).
    ({"reasons": ["travel_disruption"]}, ["travel-gb", "travel-us"]),
    ({"reasons": ["Seat Upgrade"]}, ["upgrade-gb"]),
    ({"reasons": ["upgrad"]}, []),
    # The region is the country of the customer's phone; no phone, no region.
    ({"regions": ["GB"]}, ["travel-gb", "upgrade-gb"]),
    ({"regions": ["DE", "US"]}, ["billing-de", "travel-us"]),
    (
        {"queues": ["travel"], "reasons": ["travel_disruption"], "regions": ["US"]},
        ["travel-us"],
    ),
    ({"queues": ["nowhere"]}, []),
]


def test_targets(client: TestClient, bus: RecordingBus, interactions: None) -> None:
    everyone = ("anon", "billing-de", "travel-gb", "travel-us", "upgrade-gb")
    for targets, expected in TARGETS:
        response = client.post("/v1/messages", json=message_body(**targets))
        assert response.status_code == 201, response.text
        message = bus.of_type("key_message.posted")[-1][1]
        # Outreach may open interactions of its own for a posted message; only ours are judged.
        ours = sorted(i for i in message["interaction_ids"] if i in everyone)
        assert ours == expected, targets
        message_id = response.json()["id"]
        for interaction_id in everyone:
            shown = client.get(f"/v1/interactions/{interaction_id}/messages").json()
            assert ([m["id"] for m in shown] == [message_id]) == (interaction_id in expected)
        assert client.post(f"/v1/messages/{message_id}/expire").status_code == 200


def test_matching_orders_by_severity_and_skips_inactive(
    client: TestClient, runtime: Runtime, interactions: None
) -> None:
    info = client.post("/v1/messages", json=message_body(title="info", severity="info")).json()
    critical = client.post(
        "/v1/messages", json=message_body(title="critical", severity="critical")
    ).json()
    soon = client.post(
        "/v1/messages", json=message_body(title="soon", expires_at=later(hours=1))
    ).json()
    shown = client.get("/v1/interactions/travel-us/messages").json()
    assert [m["title"] for m in shown] == ["critical", "soon", "info"]
    with runtime.db.session() as session:
        # Two hours on, the one-hour message has expired by itself.
        in_two_hours = datetime.now(UTC) + timedelta(hours=2)
        titles = [
            m.title
            for m in service.matching(session=session, interaction_id="travel-us", now=in_two_hours)
        ]
        assert titles == ["critical", "info"]
        assert [m.id for m in service.get_active(session=session, now=in_two_hours)] == [
            critical["id"],
            info["id"],
        ]
    assert soon["active"]


def test_expire_by_hand(
    client: TestClient, runtime: Runtime, bus: RecordingBus, interactions: None
) -> None:
    posted = client.post("/v1/messages", json=message_body()).json()
    url = f"/v1/messages/{posted['id']}/expire"
    response = client.post(url, headers={"X-Kairos-User": "sup-bo"})
    assert response.status_code == 200, response.text
    expired = response.json()
    assert expired["active"] is False and expired["expired_by"] == "sup-bo"
    assert expired["expired_at"] is not None
    ((topic, message, _),) = bus.of_type("key_message.expired")
    assert topic == "messages" and message["message"]["id"] == posted["id"]
    assert client.post(url).status_code == 409
    assert client.get("/v1/interactions/travel-us/messages").json() == []
    assert client.get("/v1/messages").json() == {"total": 0, "items": []}
    listed = client.get("/v1/messages", params={"include_expired": True}).json()
    assert listed["total"] == 1 and listed["items"][0]["active"] is False
    assert client.get(f"/v1/messages/{posted['id']}").json()["active"] is False
    with pytest.raises(Conflict):
        service.expire(db=runtime.db, bus=runtime.bus, message_id=posted["id"])
    assert len(bus.of_type("key_message.expired")) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expires_at": "2020-01-01T00:00:00+00:00"}, "body.expires_at"),
        ({"expires_at": "2099-01-01T00:00:00"}, "body.expires_at"),
        ({"expires_at": "tomorrow"}, "body.expires_at"),
        ({"severity": "apocalyptic"}, "body.severity"),
        ({"regions": ["Narnia"]}, "body.regions.0"),
        ({"title": ""}, "body.title"),
        ({"body": "   "}, "body.body"),
        ({"queues": [""]}, "body.queues.0"),
        ({"audience": "all"}, "body.audience"),
    ],
)
def test_bad_input_is_refused_with_the_field(
    client: TestClient, bus: RecordingBus, changes: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/messages", json=message_body(**changes))
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    listed = client.get("/v1/messages", params={"include_expired": True}).json()
    assert listed["total"] == 0
    assert bus.of_type("key_message.posted") == []


def test_missing_expiry_is_refused(client: TestClient) -> None:
    body = message_body()
    del body["expires_at"]
    response = client.post("/v1/messages", json=body)
    assert response.status_code == 422
    assert "body.expires_at" in [e["field"] for e in response.json()["errors"]]


def test_service_refuses_an_expiry_already_past_at_its_clock(runtime: Runtime) -> None:
    message_in = KeyMessageIn.model_validate(message_body(expires_at=later(hours=1)))
    with pytest.raises(service.InvalidMessage) as caught:
        service.create(
            db=runtime.db,
            bus=runtime.bus,
            message_in=message_in,
            now=datetime.now(UTC) + timedelta(hours=2),
        )
    assert caught.value.status_code == 422
    assert caught.value.errors[0]["field"] == "expires_at"
    with runtime.db.session() as session:
        assert service.get_active(session=session) == []


def test_service_functions(runtime: Runtime, client: TestClient, bus: RecordingBus) -> None:
    open_interaction(client, "svc-1", DISRUPTED, queue="travel", phone=GB_PHONE)
    message_in = KeyMessageIn.model_validate(message_body(reasons=["travel_disruption"]))
    out = service.create(db=runtime.db, bus=runtime.bus, message_in=message_in, created_by="x")
    assert out.active and out.created_by == "x" and out.reasons == ["travel_disruption"]
    with runtime.db.session() as session:
        assert [m.id for m in service.matching(session=session, interaction_id="svc-1")] == [out.id]
        assert [m.id for m in service.get_active(session=session)] == [out.id]
        with pytest.raises(NotFound):
            service.matching(session=session, interaction_id="nobody")
    expired = service.expire(db=runtime.db, bus=runtime.bus, message_id=out.id)
    assert not expired.active
    with pytest.raises(NotFound):
        service.expire(db=runtime.db, bus=runtime.bus, message_id=9999)
    posted = bus.of_type("key_message.posted")
    assert posted[0][1]["interaction_ids"] == ["svc-1"]


def test_unknown_things_are_404(client: TestClient) -> None:
    assert client.get("/v1/messages/42").status_code == 404
    assert client.post("/v1/messages/42/expire").status_code == 404
    assert client.get("/v1/interactions/nobody/messages").status_code == 404


def test_region_of_phone() -> None:
    assert service.region_of_phone("+442079460123") == "GB"
    assert service.region_of_phone("+14155550100") == "US"
    assert service.region_of_phone("+16135550123") == "CA"
    assert service.region_of_phone("12345") is None
