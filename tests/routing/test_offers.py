"""Push routing: a free agent with a desktop open is offered the contact at once, with its reasons;
accepting stores the decision, declining or letting it expire offers it to the next agent, a
contact that ends while offered is withdrawn, and pull keeps working beside it."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from tests.factories import at, ended, started, utterance
from tests.routing.offer_floor import MOT_TEXT, certified_agents, offer_book, wait_for

from kairos.bus import BusMessage
from kairos.config import Settings
from kairos.errors import Conflict, NotFound
from kairos.runtime import Runtime


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    """On SQLite the board in the process; on PostgreSQL (``auto``) the board under the site's
    lease, which this lone process holds: offers work the same on both."""
    return Settings(database_url=migrated_url, offer_timeout_s=1.0)


def _setup(client: TestClient, *agents: str) -> None:
    body = {"name": "travel", "channel": "chat", "required_skills": [], "policy": "moments"}
    assert client.post("/v1/queues", json=body).status_code == 201
    certified_agents(client, *agents)


def _arrive(client: TestClient, interaction_id: str, text: str = MOT_TEXT) -> None:
    events = [started(interaction_id, channel="chat", queue="travel", occurred_at=at(0)),
              utterance(interaction_id, text, seconds=1)]  # fmt: skip
    assert client.post("/v1/events", json=events).status_code == 200


def test_a_present_agent_is_offered_the_contact_and_accepts(
    client: TestClient, runtime: Runtime, seen: list[BusMessage]
) -> None:
    _setup(client, "ana")
    book = offer_book(runtime)
    book.attach("ana")
    _arrive(client, "chat-1")
    offer = wait_for(seen, "routing.offered")[0]
    assert (offer["interaction_id"], offer["agent_id"]) == ("chat-1", "ana")
    assert offer["summary"].startswith("moment of truth: travel disruption")
    assert "you: certified, empathy 0.9" in offer["summary"]
    # While offered, nobody pulls it.
    assert client.post("/v1/agents", json={"external_id": "bo", "name": "Bo",
                       "channels": ["chat"], "state": "available"}).status_code == 201  # fmt: skip
    assert client.post("/v1/agents/bo/next").json()["decision"] is None
    with pytest.raises(Conflict):
        book.accept(offer["offer_id"], "bo")
    decision = book.accept(offer["offer_id"], "ana")
    assert (decision.interaction_id, decision.agent_id) == ("chat-1", "ana")
    assert client.get("/v1/interactions/chat-1").json()["agent_id"] == "ana"
    assert [m["outcome"] for m in seen if m["type"] == "routing.offer_ended"] == ["accepted"]
    with pytest.raises(NotFound):
        book.accept(offer["offer_id"], "ana")  # answered already


def test_declined_or_expired_offers_go_to_the_next_agent(
    client: TestClient, runtime: Runtime, seen: list[BusMessage]
) -> None:
    _setup(client, "ana", "bo")
    book = offer_book(runtime)
    book.attach("ana")
    book.attach("bo")
    _arrive(client, "chat-1")
    first = wait_for(seen, "routing.offered")[0]
    book.decline(first["offer_id"], first["agent_id"])
    second = wait_for(seen, "routing.offered", 2)[1]
    assert second["interaction_id"] == "chat-1" and second["agent_id"] != first["agent_id"]
    # Nobody answers: after the timeout it is no longer on offer, back to waiting for a pull.
    ends = wait_for(seen, "routing.offer_ended", 2, timeout_s=5)
    assert [e["outcome"] for e in ends] == ["declined", "expired"]
    assert (
        client.post(f"/v1/agents/{first['agent_id']}/next").json()["decision"]["interaction_id"]
        == "chat-1"
    )  # pull stays


def test_a_contact_that_ends_while_offered_is_withdrawn(
    client: TestClient, runtime: Runtime, seen: list[BusMessage]
) -> None:
    _setup(client, "ana")
    book = offer_book(runtime)
    book.attach("ana")
    _arrive(client, "chat-1")
    offer = wait_for(seen, "routing.offered")[0]
    assert client.post("/v1/events", json=[ended("chat-1")]).status_code == 200
    ends = wait_for(seen, "routing.offer_ended")
    assert ends[0]["outcome"] == "withdrawn"
    with pytest.raises(NotFound):
        book.accept(offer["offer_id"], "ana")


def test_absent_agents_get_no_offers(
    client: TestClient, runtime: Runtime, seen: list[BusMessage]
) -> None:
    _setup(client, "ana")
    _arrive(client, "chat-1")
    time.sleep(0.6)
    assert not [m for m in seen if m["type"] == "routing.offered"]
    assert client.post("/v1/agents/ana/next").json()["decision"]["interaction_id"] == "chat-1"


def test_an_agent_whose_contact_ended_is_offered_the_next_one(
    client: TestClient, runtime: Runtime, seen: list[BusMessage]
) -> None:
    """Routing marks an agent of capacity 1 busy when they accept; once their contact ends the
    next arrival is offered to them (before, the policy saw them busy: no offer ever again)."""
    _setup(client, "ana")
    book = offer_book(runtime)
    book.attach("ana")
    _arrive(client, "chat-1")
    book.accept(wait_for(seen, "routing.offered")[0]["offer_id"], "ana")
    assert client.get("/v1/agents/ana").json()["state"] == "busy"
    assert client.post("/v1/events", json=[ended("chat-1")]).status_code == 200
    _arrive(client, "chat-2")
    offer = wait_for(seen, "routing.offered", 2)[1]
    assert (offer["interaction_id"], offer["agent_id"]) == ("chat-2", "ana")
    book.accept(offer["offer_id"], "ana")
    assert client.get("/v1/interactions/chat-2").json()["agent_id"] == "ana"
    assert client.get("/v1/agents/ana").json()["state"] == "busy"  # full again
