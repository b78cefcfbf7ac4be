"""The security tests' floor (agents, a supervisor, an admin, their tokens) and two customers:
one who asks to be erased, with something of them in every table a contact fills, and one who
does not. The Redis bus, for a module marked ``redis_bus``, and readers of its streams."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import JSON, String, Text, inspect, select, text
from tests.security.conftest import app_client, bearer, runtime, secured, tokens  # noqa: F401
from tests.web.floor import chat_events

from kairos.bus import EventBus, MemoryBus, RedisBus
from kairos.customers.models import Customer
from kairos.db import Database
from kairos.runtime import Runtime

#: What only the erased customer said or is: none of it may be left anywhere after the erasure.
ERASED = {
    "interaction": "chat-zq-4471",
    "phone": "+14155550177",
    "email": "ada.quixote@example.org",
    "name": "Ada Quixote",
    "words": "my parrot Marmaduke Fizzwhistle missed the flight to Ouagadougou",
    "account": "ZQ-99004417",
    "note": "promised Fizzwhistle a refund",
    "survey": "Fizzwhistle-grade service, Marmaduke approves",
}
#: The customer who stays: their contact must be whole after the other's erasure.
KEPT = {"interaction": "chat-kept-1", "phone": "+14155550188", "words": "my suitcase is lost"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "redis_bus: the runtime's bus is Redis (a real redis-server)"
    )


@pytest.fixture
def bus(request: pytest.FixtureRequest) -> Iterator[EventBus]:
    """The runtime's bus: in-process, or Redis as a deployment with Redis runs it for a test
    marked ``redis_bus``."""
    if request.node.get_closest_marker("redis_bus") is None:
        yield MemoryBus()
        return
    made = RedisBus(request.getfixturevalue("redis_url"))
    yield made
    made.close()


@contextmanager
def redis_client(url: str) -> Iterator[redis.Redis]:
    """A client of the Redis at ``url`` that reads text, closed after."""
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        yield client
    finally:
        client.close()


def stream_entries(url: str, key: str) -> list[dict[str, Any]]:
    """The fields of every entry of the stream ``key``, oldest first."""
    with redis_client(url) as client:
        return [fields for _, fields in client.xrange(key)]


def stream_texts(url: str) -> list[str]:
    """Every message held in the bus's streams (live and dead letters)."""
    out = []
    with redis_client(url) as client:
        for key in client.scan_iter(match="kairos:*"):
            if client.type(key) == "stream":
                out += [fields.get("m", "") for _, fields in client.xrange(key)]
    return out


def contact(client: TestClient, tokens: dict[str, str], who: dict[str, str]) -> None:  # noqa: F811
    """A chat from ``who`` routed to Ava, ended, wrapped up, surveyed and given a verdict."""
    iid = who["interaction"]
    events = chat_events(iid, text=who["words"])
    identities = [{"kind": "phone", "value": who["phone"]}]
    if "email" in who:
        identities.append({"kind": "email", "value": who["email"]})
    events[0] |= {"identities": identities, "subject": f"About {who['words']}"}
    events[1]["value"] = who.get("account", "KP-1")
    pbx, ava, sue = (bearer(tokens[n]) for n in ("pbx", "ava", "sue"))
    assert client.post("/v1/events", json=events, headers=pbx).status_code == 200
    assert client.post("/v1/agents/agent-ava/next", headers=ava).status_code == 200
    end = {
        "type": "interaction.ended",
        "event_id": f"{iid}-end",
        "interaction_id": iid,
        "occurred_at": events[-1]["occurred_at"],
        "outcome": {"resolved": False},
    }
    assert client.post("/v1/events", json=[end], headers=pbx).status_code == 200
    calls: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        (
            f"/v1/interactions/{iid}/wrap-up",
            {"resolved": False, "confirmed_by_customer": False, "note": who.get("note", "ok")},
            sue,
        ),
        (f"/v1/interactions/{iid}/survey", {"csat": 1, "text": who.get("survey", "meh")}, pbx),
        (f"/v1/interactions/{iid}/verdicts", {"verdict": "moment", "note": who["words"]}, sue),
    ]
    for path, body, headers in calls:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code in (200, 201), (path, response.text)
    assert client.get(f"/v1/interactions/{iid}", headers=sue).status_code == 200


def customer_of(db: Database, phone: str) -> int:
    """The customer a phone number belongs to."""
    with db.session() as session:
        found = session.execute(
            text("SELECT customer_id FROM customer_identities WHERE value = :v"), {"v": phone}
        ).scalar_one()
        return int(found)


@pytest.fixture
def two_customers(secured: TestClient, tokens: dict[str, str], runtime: Runtime) -> int:  # noqa: F811
    """Both customers' contacts; the erased one named, opted out and read by a supervisor.
    Their customer id."""
    contact(secured, tokens, ERASED)
    contact(secured, tokens, KEPT)
    erased = customer_of(runtime.db, ERASED["phone"])
    with runtime.db.session() as session:
        customer = session.get(Customer, erased)
        assert customer is not None
        customer.display_name = ERASED["name"]
        session.commit()
    sue = bearer(tokens["sue"])
    response = secured.put(
        f"/v1/customers/{erased}/contact-preference", json={"proactive": False}, headers=sue
    )
    assert response.status_code == 200, response.text
    assert secured.get(f"/v1/customers/{erased}", headers=sue).status_code == 200
    return erased


def every_text(db: Database) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text and JSON value in every table of the database, as
    the database has them (a table added later is read too)."""
    found = []
    inspector = inspect(db.engine)
    with db.engine.connect() as connection:
        for table in inspector.get_table_names():
            columns = [
                c["name"]
                for c in inspector.get_columns(table)
                if isinstance(c["type"], String | Text | JSON)
            ]
            for name in columns:
                query = select(text(f'"{name}"')).select_from(text(f'"{table}"'))
                for (value,) in connection.execute(query):
                    if value is not None:
                        shown = value if isinstance(value, str) else json.dumps(value)
                        found.append((table, name, shown))
    return found


def needles(who: dict[str, str]) -> list[str]:
    """The strings that would betray ``who``: each value, the phone's digits, distinctive words."""
    out = [v for v in who.values() if len(v) > 5]
    out += [who["phone"].lstrip("+"), who["phone"][-7:]]
    out += [w for w in who.get("words", "").split() if len(w) > 8]
    return out
