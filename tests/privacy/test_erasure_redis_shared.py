"""An erasure takes out of a shared bus message only the erased customer's part: a key message's
notice names every open contact it matched, a "you said, we did" message every customer told.
The other customers' part stays in the stream, and a listener group that had not read it yet
still gets it (one that had, does not get it twice). A real redis-server."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.privacy.conftest import ERASED, KEPT, customer_of, redis_client, stream_entries
from tests.security.conftest import bearer

from kairos.bus.base import BusMessage
from kairos.bus.messages import KeyMessagePosted, OutreachYouSaidWeDid
from kairos.bus.redis import RedisBus
from kairos.messages.schemas import KeyMessageOut
from kairos.outcomes.worker import OutcomesWorker
from kairos.runtime import Runtime

pytestmark = pytest.mark.redis_bus


class Heard:
    """A listener group's messages, as a worker of that group would handle them."""

    def __init__(self) -> None:
        self.messages: list[BusMessage] = []
        self.lock = threading.Lock()

    def __call__(self, topic: str, body: BusMessage) -> None:
        with self.lock:
            self.messages.append(body)

    def of(self, kind: str) -> list[BusMessage]:
        with self.lock:
            return [m for m in self.messages if m.get("type") == kind]


def _soon(heard: Heard, kind: str, count: int, seconds: float = 10) -> list[BusMessage]:
    deadline = time.monotonic() + seconds
    while len(heard.of(kind)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return heard.of(kind)


def test_a_shared_message_keeps_the_other_customers_part(
    secured: TestClient,
    tokens: dict[str, str],
    runtime: Runtime,
    two_customers: int,
    redis_url: str,
) -> None:
    bus = runtime.bus
    assert isinstance(bus, RedisBus)
    kept_customer = customer_of(runtime.db, KEPT["phone"])
    # One group read both messages before the erasure; another had not read them yet (its
    # workers were down or behind): it must still get the other customer's part.
    early = Heard()
    bus.listen(early, "messages", "outreach", group="early-reader")
    bus.ensure_group("messages", "late-reader")
    bus.ensure_group("outreach", "late-reader")
    now = datetime.now(UTC)
    key_message = KeyMessageOut(
        id=41, title="Baggage system down", body="Bags are delayed", cause=None,
        expected_fix=None, severity="critical", queues=[], reasons=["lost baggage"], regions=[],
        expires_at=now + timedelta(hours=1), expired_at=None, expired_by=None, created_by="sue",
        created_at=now,
    ).model_dump(mode="json")  # fmt: skip
    ids = [ERASED["interaction"], KEPT["interaction"]]
    bus.send(KeyMessagePosted(message=key_message, interaction_ids=ids))
    bus.send(OutreachYouSaidWeDid(action_id=5, customer_ids=[two_customers, kept_customer]))
    assert len(_soon(early, "key_message.posted", 1)) == 1
    assert len(_soon(early, "outreach.you_said_we_did", 1)) == 1

    response = secured.post(
        f"/v1/customers/{two_customers}/erasure", headers=bearer(tokens["root"])
    )
    assert response.status_code == 200, response.text

    posted = [
        json.loads(f["m"])
        for f in stream_entries(redis_url, "kairos:stream:messages")
        if '"key_message.posted"' in f["m"]
    ]
    assert posted == [
        {
            "type": "key_message.posted",
            "message": key_message,
            "interaction_ids": [KEPT["interaction"]],
        }
    ]
    told = [
        json.loads(f["m"])
        for f in stream_entries(redis_url, "kairos:stream:outreach")
        if '"outreach.you_said_we_did"' in f["m"]
    ]
    assert told == [
        {"type": "outreach.you_said_we_did", "action_id": 5, "customer_ids": [kept_customer]}
    ]

    late = Heard()
    bus.listen(late, "messages", "outreach", group="late-reader")
    [delivered] = _soon(late, "key_message.posted", 1)
    assert delivered["interaction_ids"] == [KEPT["interaction"]]
    assert [m["customer_ids"] for m in _soon(late, "outreach.you_said_we_did", 1)] == [
        [kept_customer]
    ]
    time.sleep(1.0)  # the group that had handled them is not handed them again
    assert len(early.of("key_message.posted")) == 1
    assert len(early.of("outreach.you_said_we_did")) == 1


def test_a_dead_letter_keeps_the_other_customers_part(
    secured: TestClient,
    tokens: dict[str, str],
    runtime: Runtime,
    two_customers: int,
    redis_url: str,
) -> None:
    """A notice a listener gave up on stays a dead letter, for the other customer only."""
    with redis_client(redis_url) as client:
        message = {"type": "key_message.posted", "message": {"id": 7}, "interaction_ids": [
            ERASED["interaction"], KEPT["interaction"]]}  # fmt: skip
        letter = {
            "m": json.dumps(message),
            "group": "outcomes",
            "topic": "messages",
            "entry": "1-0",
        }
        client.xadd("kairos:dead:messages", letter)  # type: ignore[arg-type]
        alone = {"type": "key_message.posted", "message": {"id": 8}, "interaction_ids": [
            ERASED["interaction"]]}  # fmt: skip
        client.xadd("kairos:dead:messages", {**letter, "m": json.dumps(alone)})  # type: ignore[arg-type]

    response = secured.post(
        f"/v1/customers/{two_customers}/erasure", headers=bearer(tokens["root"])
    )
    assert response.status_code == 200, response.text

    [left] = stream_entries(redis_url, "kairos:dead:messages")
    assert {k: v for k, v in left.items() if k != "m"} == {
        k: v for k, v in letter.items() if k != "m"
    }
    assert json.loads(left["m"])["interaction_ids"] == [KEPT["interaction"]]


def test_the_outcomes_worker_still_makes_the_other_customers_notice(
    secured: TestClient,
    tokens: dict[str, str],
    runtime: Runtime,
    two_customers: int,
) -> None:
    """A worker of outcomes that was down when the key message was posted comes back after the
    erasure: it makes the notice for the other customer, none for the erased one."""
    bus = runtime.bus
    assert isinstance(bus, RedisBus)
    kept_customer = customer_of(runtime.db, KEPT["phone"])
    bus.ensure_group("messages", "outcomes-down")
    now = datetime.now(UTC)
    key_message = KeyMessageOut(
        id=42, title="Baggage system down", body="Bags are delayed", cause=None,
        expected_fix=None, severity="critical", queues=[], reasons=[], regions=[],
        expires_at=now + timedelta(hours=1), expired_at=None, expired_by=None, created_by="sue",
        created_at=now,
    ).model_dump(mode="json")  # fmt: skip
    ids = [ERASED["interaction"], KEPT["interaction"]]
    bus.send(KeyMessagePosted(message=key_message, interaction_ids=ids))
    root, sue = bearer(tokens["root"]), bearer(tokens["sue"])
    assert secured.post(f"/v1/customers/{two_customers}/erasure", headers=root).status_code == 200
    rules = secured.get("/v1/outreach/rules", headers=sue).json()["items"]
    [notice] = [r for r in rules if r["trigger"] == "key_message"]
    enabled = secured.patch(
        f"/v1/outreach/rules/{notice['id']}", json={"enabled": True}, headers=sue
    )
    assert enabled.status_code == 200, enabled.text

    bus.listen(OutcomesWorker(runtime), "messages", group="outcomes-down")

    def made() -> list[dict[str, Any]]:
        found = secured.get("/v1/outreach/tasks", headers=sue).json()["items"]
        return [t for t in found if t["key_message_id"] == 42]

    deadline = time.monotonic() + 15
    while not made() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # and no second one comes
    assert [(t["customer_id"], t["source_interaction_id"]) for t in made()] == [
        (kept_customer, KEPT["interaction"])
    ]
