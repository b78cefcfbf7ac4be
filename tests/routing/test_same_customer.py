"""One customer across channels: an offer names the customer's other contacts (a live chat, an
email of an hour ago) with their channel and state, and so do the wallboard's lines."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import started, utterance

from kairos.auth.schemas import Principal
from kairos.bus import BusMessage
from kairos.config import Settings
from kairos.db import utcnow
from kairos.routing.offers import offers_of
from kairos.runtime import Runtime
from kairos.web import board

MOT_TEXT = "My flight was cancelled and I am stranded at the airport, I need to get rebooked now"
PHONE = "+14155550777"


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    return Settings(database_url=migrated_url)


def _contact(interaction_id: str, channel: str, queue: str, phone: str, ago_s: float) -> list[Any]:
    when = utcnow() - timedelta(seconds=ago_s)
    first = started(interaction_id, channel=channel, queue=queue, phone=phone,
                    occurred_at=when.isoformat())  # fmt: skip
    words = utterance(interaction_id, MOT_TEXT)
    words["occurred_at"] = (when + timedelta(seconds=1)).isoformat()
    return [first, words]


def _setup(client: TestClient) -> None:
    for name, channel in (("chats", "chat"), ("calls", "call"), ("mail", "email")):
        body = {"name": name, "channel": channel, "required_skills": [], "policy": "moments"}
        assert client.post("/v1/queues", json=body).status_code == 201
    for agent in ("ana", "bo"):
        assert client.post("/v1/agents", json={
            "external_id": agent, "name": agent, "channels": ["chat", "call", "email"],
            "state": "available", "mot_certified": True, "max_concurrency": 3,
        }).status_code == 201  # fmt: skip


def test_an_offer_and_the_wallboard_say_it_is_the_same_customer(
    client: TestClient, runtime: Runtime, seen: list[BusMessage]
) -> None:
    _setup(client)
    assert client.post(
        "/v1/events", json=_contact("chat-9", "chat", "chats", PHONE, 600)
    ).is_success
    assert client.post("/v1/agents/bo/next").json()["decision"]["interaction_id"] == "chat-9"
    email = _contact("mail-9", "email", "mail", PHONE, 3600)
    ended = {"type": "interaction.ended", "event_id": "mail-9-end", "interaction_id": "mail-9",
             "occurred_at": (utcnow() - timedelta(minutes=50)).isoformat()}  # fmt: skip
    assert client.post("/v1/events", json=[*email, ended]).is_success
    stranger = _contact("call-2", "call", "calls", "+14155550999", 30)
    assert client.post("/v1/events", json=stranger).is_success
    assert client.post("/v1/agents/bo/next").json()["decision"]["interaction_id"] == "call-2"
    book = offers_of(runtime)
    assert book is not None
    book.attach("ana")
    assert client.post("/v1/events", json=_contact("call-1", "call", "calls", PHONE, 5)).is_success
    deadline = time.monotonic() + 5
    while not [m for m in seen if m["type"] == "routing.offered"]:
        assert time.monotonic() < deadline, seen
        time.sleep(0.01)
    offer = next(m for m in seen if m["type"] == "routing.offered")
    assert (offer["interaction_id"], offer["agent_id"]) == ("call-1", "ana")
    words = [o["words"] for o in offer["same_customer"]]
    assert words[0] == "chat-9 (chat, with bo)"
    assert words[1] in ("mail-9 (email, ended 50 min ago)", "mail-9 (email, ended 51 min ago)")
    assert len(words) == 2  # not call-2, another customer's
    assert offer["same_customer"][0]["state"] != "ended"
    # The wallboard's moments list: each contact of this customer names the others.
    root = Principal(user_id=0, username="root", display_name="Root", role="admin")
    with runtime.db.session() as session:
        wall = board.wallboard(session=session, principal=root)
    assert [i.external_id for i in wall.moments if i.external_id.endswith("-9")] != []
    assert wall.same_customer["chat-9"][0] == "call-1 (call, waiting in calls)"
    assert "chat-9 (chat, with bo)" in wall.same_customer["call-1"]
    assert "call-2" not in wall.same_customer  # a stranger: no link
