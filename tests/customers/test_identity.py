"""Identity resolution: one customer however a number is written; conflicts, explicit merges."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import started, utterance

from kairos.customers import service
from kairos.customers.identity import canonical, normalise_phone
from kairos.customers.models import CustomerIdentity, Fact
from kairos.events import Identity
from kairos.interactions.models import Interaction
from kairos.runtime import Runtime


@pytest.mark.parametrize(
    ("written", "region", "expected"),
    [
        ("+1 415 555 0100", "US", "+14155550100"),
        ("(415) 555-0100", "US", "+14155550100"),
        ("415.555.0100", "us", "+14155550100"),
        ("00 44 20 7946 0958", "GB", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
    ],
)
def test_phone_numbers_become_e164(written: str, region: str, expected: str) -> None:
    assert normalise_phone(written, region) == (expected, True)


def test_invalid_phone_keeps_its_digits_and_is_flagged() -> None:
    assert normalise_phone("12-345", "US") == ("12345", False)
    assert normalise_phone("call me", "US") == ("call me", False)


def test_emails_and_handles_are_lower_cased_plus_tags_kept() -> None:
    email = canonical(Identity(kind="email", value=" Ana.Diaz+Trips@Gmail.com "))
    assert email.key == ("email", "ana.diaz+trips@gmail.com")
    social = canonical(Identity(kind="social", value="Twitter:@AnaDiaz"))
    assert social.key == ("social", "twitter:anadiaz")


def _start(client: TestClient, interaction_id: str, identities: list[dict[str, str]]) -> None:
    event = started(interaction_id, phone=None, identities=identities)
    assert client.post("/v1/events", json=event).status_code == 200


def _customer_of(client: TestClient, interaction_id: str) -> int:
    customer_id: int = client.get(f"/v1/interactions/{interaction_id}").json()["customer_id"]
    return customer_id


def test_one_number_written_four_ways_is_one_customer(client: TestClient) -> None:
    for n, written in enumerate(
        ["+1 415 555 0100", "(415) 555-0100", "4155550100", "+14155550100"]
    ):
        _start(client, f"c{n}", [{"kind": "phone", "value": written}])
    assert {_customer_of(client, f"c{n}") for n in range(4)} == {_customer_of(client, "c0")}
    customers = client.get("/v1/customers").json()
    assert customers["total"] == 1
    assert customers["items"][0]["identities"] == [
        {"kind": "phone", "value": "+14155550100", "valid": True}
    ]
    _start(client, "bad", [{"kind": "phone", "value": "555-01"}])
    found = client.get("/v1/customers", params={"identity": "phone:55501"}).json()
    assert found["items"][0]["identities"] == [{"kind": "phone", "value": "55501", "valid": False}]


def test_region_setting_reads_national_numbers(runtime: Runtime) -> None:
    with runtime.db.session() as session:
        gb = service.resolve(
            session=session,
            identities=[Identity(kind="phone", value="00 44 20 7946 0958")],
            region="GB",
        )
        same = service.get_by_identity(
            session=session, identity=Identity(kind="phone", value="+44 20 7946 0958")
        )
        assert gb is not None and same is gb


def test_identities_of_two_customers_are_a_conflict_not_a_merge(
    client: TestClient, runtime: Runtime
) -> None:
    _start(client, "phone-1", [{"kind": "phone", "value": "+14155550100"}])
    _start(client, "mail-1", [{"kind": "email", "value": "ana@example.com"}])
    both = [
        {"kind": "email", "value": "ANA@example.com"},
        {"kind": "phone", "value": "(415) 555-0100"},
    ]
    _start(client, "chat-1", both)
    _start(client, "chat-2", both)  # the same pair again: still one open conflict
    phone_owner, mail_owner = _customer_of(client, "phone-1"), _customer_of(client, "mail-1")
    assert phone_owner != mail_owner
    assert _customer_of(client, "chat-1") == mail_owner  # the first known identity wins
    conflicts = client.get("/v1/customers/conflicts").json()
    assert conflicts["total"] == 1
    conflict = conflicts["items"][0]
    assert {conflict["customer_id"], conflict["other_customer_id"]} == {phone_owner, mail_owner}
    assert conflict["status"] == "open" and conflict["interaction_id"] == "chat-1"
    assert {i["value"] for i in conflict["identities"]} == {"+14155550100", "ana@example.com"}
    assert client.get("/v1/customers").json()["total"] == 2


def _counts(runtime: Runtime, customer_id: int) -> dict[str, int]:
    with runtime.db.session() as session:

        def count(model: Any) -> int:
            query = select(func.count()).select_from(model).where(model.customer_id == customer_id)
            return session.scalar(query) or 0

        return {
            "identities": count(CustomerIdentity),
            "interactions": count(Interaction),
            "facts": count(Fact),
        }


def _two_customers_in_conflict(client: TestClient) -> tuple[int, int]:
    _start(client, "p", [{"kind": "phone", "value": "+14155550100"}])
    client.post("/v1/events", json=utterance("p", "My service tag is 7XK2ABC"))
    _start(client, "m", [{"kind": "email", "value": "ana@example.com"}])
    client.post("/v1/events", json=utterance("m", "booking reference is QX7T2P"))
    _start(
        client,
        "both",
        [{"kind": "phone", "value": "+14155550100"}, {"kind": "email", "value": "ana@example.com"}],
    )
    return _customer_of(client, "p"), _customer_of(client, "m")


def test_merge_moves_everything_and_records_who(client: TestClient, runtime: Runtime) -> None:
    target, source = _two_customers_in_conflict(client)
    messages: list[dict[str, Any]] = []
    runtime.bus.listen(lambda _topic, message: messages.append(message), "customers")  # type: ignore[attr-defined]
    before = _counts(runtime, target), _counts(runtime, source)
    response = client.post(
        f"/v1/customers/{target}/merge", json={"from_customer_id": source, "merged_by": "sup-7"}
    )
    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["merged_by"] == "sup-7" and merged["moved"] == before[1]
    after = _counts(runtime, target)
    assert after == {k: before[0][k] + before[1][k] for k in after}
    assert _counts(runtime, source) == {"identities": 0, "interactions": 0, "facts": 0}
    assert client.get(f"/v1/customers/{source}").status_code == 404
    detail = client.get(f"/v1/customers/{target}").json()
    assert {f["name"] for f in detail["facts"]} == {"service_tag", "booking_reference"}
    assert client.get("/v1/customers/conflicts").json()["total"] == 0
    closed = client.get("/v1/customers/conflicts", params={"status": "merged"}).json()["items"]
    assert closed[0]["resolved_by"] == "sup-7"
    assert messages and messages[0]["type"] == "customer.merged"


def test_merge_is_atomic(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    target, source = _two_customers_in_conflict(client)
    before = _counts(runtime, target), _counts(runtime, source)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    # Fail after identities, interactions and facts have been moved in the transaction.
    monkeypatch.setattr(service, "CustomerMerge", broken)
    with pytest.raises(RuntimeError):
        client.post(f"/v1/customers/{target}/merge", json={"from_customer_id": source})
    assert (_counts(runtime, target), _counts(runtime, source)) == before
    assert client.get("/v1/customers/conflicts").json()["total"] == 1


def test_merge_refuses_itself_and_unknown_customers(client: TestClient) -> None:
    target, _source = _two_customers_in_conflict(client)
    itself = client.post(f"/v1/customers/{target}/merge", json={"from_customer_id": target})
    assert itself.status_code == 400 and "itself" in itself.json()["message"]
    unknown = client.post(f"/v1/customers/{target}/merge", json={"from_customer_id": 999})
    assert unknown.status_code == 404 and "999" in unknown.json()["message"]
    missing = client.post("/v1/customers/998/merge", json={"from_customer_id": target})
    assert missing.status_code == 404
    bad = client.post(f"/v1/customers/{target}/merge", json={"from": target})
    assert bad.status_code == 422
