"""A new contact waits a moment for its first assessment (``KAIROS_ROUTING_ASSESSMENT_WAIT_S``):
before, an idle agent's ``next`` (or an offer) took it the moment it was queued, on no assessment,
as routine work, and a moment of truth went to whoever asked first instead of a certified agent.
Held within the bound, given at once when assessed, given anyway once the bound has passed; on
the live board (in the process on SQLite, under the lease on PostgreSQL) and the database path."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.routing.offer_floor import MOT_TEXT, offer_book, wait_for

from kairos.bus import BusMessage
from kairos.config import Settings
from kairos.db import utcnow
from kairos.routing.first_assessment import FirstAssessments
from kairos.runtime import Runtime

#: Long enough that a loaded machine answers inside it; the bound's own test sets a short one.
WAIT_S = 6.0


@pytest.fixture
def settings(live_or_database: Settings, request: pytest.FixtureRequest) -> Settings:
    wait_s = getattr(request, "param", WAIT_S)
    return live_or_database.model_copy(update={"routing_assessment_wait_s": wait_s})


def _now(seconds: float = 0) -> str:
    return (utcnow() + timedelta(seconds=seconds)).isoformat()


def _post(client: TestClient, *events: dict[str, Any]) -> None:
    response = client.post("/v1/events", json=list(events))
    assert response.status_code == 200, response.text


def _floor(client: TestClient) -> None:
    """A moments queue; Bo (not certified) and Ana (certified), both free."""
    body = {"name": "cards", "channel": "call", "required_skills": [], "policy": "moments"}
    assert client.post("/v1/queues", json=body).status_code == 201
    for name, certified in (("bo", False), ("ana", True)):
        agent = {"external_id": name, "name": name.title(), "channels": ["call"],
                 "state": "available", "mot_certified": certified, "empathy": 0.9}  # fmt: skip
        assert client.post("/v1/agents", json=agent).status_code == 201


def _arrives(client: TestClient, contact: str, queue: str = "cards", channel: str = "call") -> None:
    """A call queued now, before anyone has said anything (no assessment yet)."""
    _post(client, {"type": "interaction.started", "event_id": f"{contact}-start",
                   "interaction_id": contact, "occurred_at": _now(), "channel": channel,
                   "queue": queue})  # fmt: skip


def _says(client: TestClient, contact: str, text: str) -> None:
    _post(client, {"type": "utterance", "event_id": f"{contact}-u1", "interaction_id": contact,
                   "occurred_at": _now(0.1), "speaker": "customer", "text": text})  # fmt: skip


def _next(client: TestClient, agent: str) -> dict[str, Any]:
    response = client.post(f"/v1/agents/{agent}/next")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_new_contact_is_held_until_assessed_then_goes_to_the_certified_agent(
    client: TestClient,
) -> None:
    _floor(client)
    began = time.monotonic()
    _arrives(client, "stolen")
    held = _next(client, "bo")
    assert held["decision"] is None
    assert "1 new contact waits for its first assessment (at most 6 s)" in held["message"]
    _says(client, "stolen", MOT_TEXT)
    # Assessed: a moment of truth, kept for the certified agent who is free, given at once.
    assert _next(client, "bo")["decision"] is None
    decided = _next(client, "ana")["decision"]
    assert time.monotonic() - began < WAIT_S  # the assessment gave it, not the bound
    assert decided["interaction_id"] == "stolen" and decided["agent_id"] == "ana"
    assert decided["moment_of_truth"] is True and decided["model_version"] is not None


def test_next_counts_only_the_held_contacts_this_agent_could_take(client: TestClient) -> None:
    """Before, the live board's ``next`` counted every contact held on the site ("3 new contacts
    wait"), those of queues Bo never takes (another skill, another channel) too, while the
    database path counted only the contacts of his queues: both now say the same."""
    _floor(client)
    for name, channel, skills in (("loans", "call", ["loans"]), ("chats", "chat", [])):
        body = {"name": name, "channel": channel, "required_skills": skills, "policy": "moments"}
        assert client.post("/v1/queues", json=body).status_code == 201
    cleo = {"external_id": "cleo", "name": "Cleo", "channels": ["call", "chat"],
            "skills": {"loans": 3}, "state": "available"}  # fmt: skip
    assert client.post("/v1/agents", json=cleo).status_code == 201
    _arrives(client, "mine")
    _arrives(client, "skilled", queue="loans")
    _arrives(client, "chatty", queue="chats", channel="chat")
    bo = _next(client, "bo")
    assert bo["decision"] is None
    assert "; 1 new contact waits for its first assessment" in bo["message"], bo["message"]
    cleo_next = _next(client, "cleo")
    assert cleo_next["decision"] is None
    said = cleo_next["message"]
    assert "; 3 new contacts wait for their first assessment" in said, said


@pytest.mark.parametrize("settings", [1.0], indirect=True)
def test_a_contact_never_assessed_is_given_once_the_bound_has_passed(client: TestClient) -> None:
    _floor(client)
    began = time.monotonic()
    _arrives(client, "silent")
    assert _next(client, "bo")["decision"] is None
    assert time.monotonic() - began < 1.0  # asked within the bound
    time.sleep(max(0.0, began + 1.05 - time.monotonic()))
    decided = _next(client, "bo")["decision"]
    assert decided["interaction_id"] == "silent" and decided["agent_id"] == "bo"
    assert decided["moment_of_truth"] is False and decided["model_version"] is None


@pytest.mark.parametrize("settings", [0.0], indirect=True)
def test_a_wait_of_zero_routes_a_new_contact_at_once(client: TestClient) -> None:
    _floor(client)
    _arrives(client, "plain")
    decided = _next(client, "bo")
    assert decided["message"] == "assigned" and decided["decision"]["interaction_id"] == "plain"


def test_a_contact_back_in_a_queue_keeps_its_assessment_and_is_not_held(
    client: TestClient,
) -> None:
    _floor(client)
    _arrives(client, "back")
    _says(client, "back", "I would like to check my card's limit, please")
    assert _next(client, "bo")["decision"]["interaction_id"] == "back"
    _post(client, {"type": "transfer", "event_id": "back-t1", "interaction_id": "back",
                   "occurred_at": _now(0.2), "to_queue": "cards"})  # fmt: skip
    # Ana is free and Bo let it go: she gets it at once, on the assessment it keeps.
    decided = _next(client, "ana")
    assert decided["message"] == "assigned", decided
    assert decided["decision"]["model_version"] is not None


def test_an_offer_waits_for_the_assessment_then_goes_to_the_certified_agent(
    client: TestClient, runtime: Runtime, seen: list[BusMessage], live_or_database: Settings
) -> None:
    if live_or_database.routing_board == "database":
        pytest.skip("offers are made on the live board only")
    _floor(client)
    book = offer_book(runtime)
    book.attach("bo")
    book.attach("ana")
    began = time.monotonic()
    _arrives(client, "stolen")
    time.sleep(0.5)  # the board's pass runs every 0.25 s: two passes, no offer
    assert [m for m in seen if m["type"] == "routing.offered"] == []
    _says(client, "stolen", MOT_TEXT)
    offer = wait_for(seen, "routing.offered")[0]
    assert time.monotonic() - began < WAIT_S
    assert (offer["interaction_id"], offer["agent_id"]) == ("stolen", "ana")


def test_the_board_keeps_only_unassessed_contacts_and_forgets_them_past_the_bound() -> None:
    first = FirstAssessments(wait_s=1.0)
    now = utcnow()
    first.arrived("new", now, assessed=False)
    first.arrived("scored", now, assessed=True)
    first.arrived("history", now - timedelta(days=3), assessed=False)  # dated long ago
    first.arrived("ahead", now + timedelta(hours=1), assessed=False)  # a clock ahead
    assert first.held(now) == {"new", "ahead"}
    first.arrived("new", now + timedelta(seconds=0.9), assessed=False)  # read again: same bound
    assert first.held(now + timedelta(seconds=1.1)) == frozenset()
    assert first._until == {}  # nothing left to read per decision


def test_a_contact_that_starts_with_its_reason_is_assessed_from_its_start(
    client: TestClient,
) -> None:
    """Its reason is known from its first event: its assessment is stored with the start, so it
    is not held the whole bound while nobody speaks (before, only an escalated call's or a
    follow-up's start was)."""
    _floor(client)
    began = time.monotonic()
    _post(client, {"type": "interaction.started", "event_id": "card-start",
                   "interaction_id": "card", "occurred_at": _now(), "channel": "call",
                   "queue": "cards", "reason": "my card was stolen"})  # fmt: skip
    stored = client.get("/v1/interactions/card").json()
    assert stored["assessment"] is not None and stored["assessment"]["stakes"]
    decided = _next(client, "ana")["decision"]
    assert time.monotonic() - began < WAIT_S  # its assessment gave it, not the bound
    assert decided["interaction_id"] == "card" and decided["model_version"] is not None
