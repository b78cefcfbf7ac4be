"""A contact an agent transfers back to a queue is not routed straight back to them: pull and
push both give it to someone else first; after ``return_after_pass_s`` it may go to them again,
so a contact nobody else can take does not wait for ever. The same holds for a declined offer."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import at, started, utterance
from tests.routing.chat_floor import next_for
from tests.routing.offer_floor import MOT_TEXT, certified_agents, offer_book, wait_for

from kairos.bus import BusMessage, MemoryBus
from kairos.config import Settings
from kairos.routing.offers import OfferBook, offers_of
from kairos.runtime import Runtime


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    """What ``auto`` picks: the board in the process on SQLite, the leased board on PostgreSQL."""
    return Settings(database_url=migrated_url, offer_timeout_s=30.0, return_after_pass_s=60.0)


def _setup(client: TestClient, *agents: str) -> None:
    for name in ("travel", "billing"):
        body = {"name": name, "channel": "chat", "required_skills": [], "policy": "moments"}
        assert client.post("/v1/queues", json=body).status_code == 201
    certified_agents(client, *agents)


def _arrive(client: TestClient, interaction_id: str, seconds: float = 0) -> None:
    phone = f"+1415555{abs(hash(interaction_id)) % 10000:04d}"
    events = [started(interaction_id, channel="chat", queue="travel", phone=phone,
                      occurred_at=at(seconds)),
              utterance(interaction_id, MOT_TEXT, seconds=seconds + 1)]  # fmt: skip
    assert client.post("/v1/events", json=events).status_code == 200


def _transfer(client: TestClient, interaction_id: str, queue: str = "billing") -> None:
    event = {
        "type": "transfer",
        "event_id": f"{interaction_id}-tr",
        "interaction_id": interaction_id,
        "occurred_at": at(30),
        "to_queue": queue,
        "reason": "billing issue",
    }
    assert client.post("/v1/events", json=[event]).status_code == 200


def _offers(seen: list[BusMessage], n: int = 1, timeout_s: float = 5) -> list[Any]:
    return wait_for(seen, "routing.offered", n, timeout_s)


def _offered_to_ana(
    client: TestClient,
    runtime: Runtime,
    seen: list[BusMessage],
    *others: str,
    return_after_s: float | None = None,
) -> tuple[OfferBook, Any]:
    """Ana (and ``others``, not yet present) on the floor, Ana present: chat-1 arrives and is
    offered to her. The offer book and that offer."""
    _setup(client, "ana", *others)
    book = offer_book(runtime, return_after_s)
    book.attach("ana")
    _arrive(client, "chat-1")
    offer = _offers(seen)[0]
    assert (offer["interaction_id"], offer["agent_id"]) == ("chat-1", "ana")
    return book, offer


def _settle(runtime: Runtime, seconds: float = 0.4) -> None:
    time.sleep(seconds)
    board = runtime.routing_board
    assert board is not None
    board.drain()  # type: ignore[attr-defined]


def test_pull_does_not_hand_a_transferred_contact_back_to_its_agent(
    client: TestClient, runtime: Runtime
) -> None:
    _setup(client, "ana", "bo")
    _arrive(client, "chat-1", 0)
    assert next_for(client, "ana") == "chat-1"
    _transfer(client, "chat-1")  # waits in billing again, the oldest moment of truth
    _settle(runtime)
    nothing = client.post("/v1/agents/ana/next").json()
    assert nothing["decision"] is None
    assert "chat-1, which this agent transferred, goes to another agent first" in nothing["message"]
    _arrive(client, "chat-2", 5)
    _settle(runtime)
    assert next_for(client, "ana") == "chat-2"  # not chat-1 again
    assert next_for(client, "bo") == "chat-1"


def test_an_offer_of_a_transferred_contact_goes_to_another_agent(
    client: TestClient, runtime: Runtime, seen: list[BusMessage]
) -> None:
    book, offer = _offered_to_ana(client, runtime, seen, "bo")
    book.accept(offer["offer_id"], "ana")
    _transfer(client, "chat-1")
    _settle(runtime, 0.6)
    assert len(_offers(seen)) == 1  # ana alone is present: not offered back to her at once
    book.attach("bo")
    second = _offers(seen, 2)[1]
    assert (second["interaction_id"], second["agent_id"]) == ("chat-1", "bo")


def test_a_transferred_contact_nobody_else_takes_goes_back_after_a_while(
    client: TestClient, runtime: Runtime, seen: list[BusMessage]
) -> None:
    book, offer = _offered_to_ana(client, runtime, seen, return_after_s=1.5)
    book.accept(offer["offer_id"], "ana")
    transferred = time.monotonic()
    _transfer(client, "chat-1")
    again = _offers(seen, 2, timeout_s=6)[1]
    assert (again["interaction_id"], again["agent_id"]) == ("chat-1", "ana")
    assert time.monotonic() - transferred >= 1.4  # the wait, not at once


def test_declining_one_contact_does_not_keep_the_others_from_the_agent(
    client: TestClient, runtime: Runtime, seen: list[BusMessage]
) -> None:
    book, first = _offered_to_ana(client, runtime, seen, return_after_s=1.5)
    _arrive(client, "chat-2", 5)
    book.decline(first["offer_id"], "ana")
    second = _offers(seen, 2)[1]
    assert (second["interaction_id"], second["agent_id"]) == ("chat-2", "ana")
    book.decline(second["offer_id"], "ana")
    # Nobody else: the first contact comes back to her once the wait is over, not never.
    third = _offers(seen, 3, timeout_s=6)[2]
    assert third["agent_id"] == "ana" and third["interaction_id"] in ("chat-1", "chat-2")


def test_an_offer_to_an_agent_who_goes_away_moves_on_at_once(
    client: TestClient, runtime: Runtime, seen: list[BusMessage]
) -> None:
    """An agent who signs out (away) with an offer showing: the offer is withdrawn and the
    contact offered to the next agent now, not after the offer's 30 s run out."""
    _setup(client, "ana", "bo")
    book = offer_book(runtime)
    book.attach("ana")
    book.attach("bo")
    _arrive(client, "chat-1")
    first = _offers(seen)[0]
    gone = first["agent_id"]
    left = time.monotonic()
    answer = client.post(f"/v1/agents/{gone}/state", json={"state": "away"})
    assert answer.status_code == 200, answer.text
    second = _offers(seen, 2, timeout_s=3)[1]
    assert time.monotonic() - left < 3
    assert second["interaction_id"] == "chat-1" and second["agent_id"] != gone
    ends = [m for m in seen if m["type"] == "routing.offer_ended"]
    assert [(e["agent_id"], e["outcome"]) for e in ends] == [(gone, "withdrawn")]


def test_a_decline_is_known_to_the_process_that_routes_next(
    settings: Settings, client: TestClient, runtime: Runtime, seen: list[BusMessage]
) -> None:
    """The process that offered stops (on PostgreSQL it gives the lease up): the one that
    routes next does not offer the contact straight back to the agent who declined it."""
    book, first = _offered_to_ana(client, runtime, seen, "bo")
    book.decline(first["offer_id"], "ana")
    book.detach("ana")
    owner = getattr(runtime, "routing_owner", None)
    if owner is not None:
        owner.close()  # another process takes the lease over at once
    other = Runtime.build(settings, bus=MemoryBus())
    try:
        later: list[BusMessage] = []
        other.bus.listen(lambda topic, m: later.append(m), "routing")
        again = offers_of(other)
        assert again is not None
        deadline = time.monotonic() + 10
        while not (again.deciding() and again.board.built):
            assert time.monotonic() < deadline, "the other process did not take the site over"
            time.sleep(0.05)
        again.attach("ana")
        time.sleep(0.8)
        assert [m for m in later if m["type"] == "routing.offered"] == []
        again.attach("bo")
        offer = _offers(later)[0]
        assert (offer["interaction_id"], offer["agent_id"]) == ("chat-1", "bo")
    finally:
        other.close()


def test_a_transfer_that_fills_an_agent_withdraws_their_offer(
    client: TestClient, runtime: Runtime, seen: list[BusMessage]
) -> None:
    """Bo (room for one) is offered a chat; a call is then transferred straight to him: he is
    full, so the offer is withdrawn and he cannot take the chat on top (he held two before)."""
    _setup(client, "bo")
    book = offer_book(runtime)
    book.attach("bo")
    _arrive(client, "chat-1")
    offer = _offers(seen)[0]
    assert (offer["interaction_id"], offer["agent_id"]) == ("chat-1", "bo")
    call = started("call-9", channel="call", phone="+14155550999", occurred_at=at(20))
    to_bo = {"type": "transfer", "event_id": "call-9-to-bo", "interaction_id": "call-9",
             "occurred_at": at(21), "to_agent": "bo"}  # fmt: skip
    assert client.post("/v1/events", json=[call, to_bo]).status_code == 200
    deadline = time.monotonic() + 5
    while not [m for m in seen if m["type"] == "routing.offer_ended"]:
        assert time.monotonic() < deadline, "the offer was not withdrawn"
        time.sleep(0.02)
    ends = [m for m in seen if m["type"] == "routing.offer_ended"]
    assert [(e["interaction_id"], e["outcome"]) for e in ends] == [("chat-1", "withdrawn")]
    assert client.post("/v1/agents/bo/next").status_code == 409
    assert client.get("/v1/agents/bo").json()["load"] == 1
