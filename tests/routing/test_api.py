"""Routing through the HTTP API: agents, queues, next interaction, decisions, publish on commit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import ended
from tests.routing.support import enqueue, make_agent

from kairos.bus import BusMessage, EventBus, MemoryBus, Subscription
from kairos.config import Settings
from kairos.main import create_app
from kairos.routing.models import Assignment, RoutingDecision
from kairos.runtime import Runtime

MOT_TEXT = (
    "My flight just got cancelled and I have to be at my daughter's recital by 7 tonight, "
    "this is a disaster, please help me"
)


class RecordingBus(EventBus):
    """A real in-process bus that also notes, per message, whether the decision was committed."""

    def __init__(self, runtime: dict[str, Runtime]) -> None:
        self.inner = MemoryBus()
        self.runtime = runtime
        self.seen: list[tuple[str, BusMessage, int]] = []

    def publish(self, topic: str, message: BusMessage) -> None:
        # Count committed decisions from a fresh session: a message published before commit
        # would see fewer rows than it announces.
        with self.runtime["rt"].db.session() as session:
            stored = session.scalar(select(func.count()).select_from(RoutingDecision)) or 0
        self.seen.append((topic, message, stored))
        self.inner.publish(topic, message)

    def subscribe(self, *topics: str, maxsize: int = 10_000) -> Subscription:
        return self.inner.subscribe(*topics, maxsize=maxsize)


@pytest.fixture
def bus_and_runtime(migrated_url: str) -> Iterator[tuple[RecordingBus, Runtime]]:
    holder: dict[str, Runtime] = {}
    bus = RecordingBus(holder)
    rt = Runtime.build(Settings(database_url=migrated_url), bus=bus)
    holder["rt"] = rt
    yield bus, rt
    rt.close()


@pytest.fixture
def client(bus_and_runtime: tuple[RecordingBus, Runtime]) -> Iterator[TestClient]:
    _, runtime = bus_and_runtime
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        yield c


def test_moments_queue_routes_the_moment_of_truth_first_and_records_it(
    client: TestClient, bus_and_runtime: tuple[RecordingBus, Runtime]
) -> None:
    bus, runtime = bus_and_runtime
    body = {"name": "travel", "channel": "call", "required_skills": ["travel"], "policy": "moments"}
    queue = client.post("/v1/queues", json=body)
    assert queue.status_code == 201, queue.text
    enqueue(client, "routine", "travel", "Hi, I want to check my seat.", seconds=0)
    enqueue(client, "recital", "travel", MOT_TEXT, seconds=30)
    make_agent(client, "ana", empathy=0.9, mot_certified=True, skills={"travel": 5})

    response = client.post("/v1/agents/ana/next")
    assert response.status_code == 200, response.text
    decision = response.json()["decision"]
    assert decision["interaction_id"] == "recital"
    assert decision["policy"] == "moments"
    assert decision["moment_of_truth"] and decision["empowered_handling"]
    assert decision["inputs"]["interaction"]["mot_score"] >= 0.5
    assert decision["inputs"]["agent"]["id"] == "ana"
    assert decision["model_version"]
    assert {r["factor"] for r in decision["reasons"]} >= {"mot_score", "agent_mot_certified"}

    detail = client.get("/v1/interactions/recital").json()
    assert (detail["state"], detail["agent_id"]) == ("assigned", "ana")
    agent = client.get("/v1/agents/ana").json()
    assert (agent["state"], agent["load"]) == ("busy", 1)

    # Published after commit: every message saw its decision stored.
    topics = [(topic, message["type"], stored) for topic, message, stored in bus.seen
              if topic in ("routing", "agents") and message.get("previous") != "new"
              and message["type"] != "queue.created"]  # fmt: skip
    assert topics == [("routing", "routing.decided", 1), ("agents", "agent.state_changed", 1)]

    listed = client.get("/v1/routing/decisions", params={"interaction_id": "recital"}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == decision["id"]
    assert client.get("/v1/routing/decisions", params={"policy": "fifo"}).json()["total"] == 0

    # A busy agent takes nothing more; once free again it gets the routine call.
    assert client.post("/v1/agents/ana/next").status_code == 409
    client.post("/v1/events", json=ended("recital"))
    assert client.post("/v1/agents/ana/state", json={"state": "available"}).status_code == 200
    second = client.post("/v1/agents/ana/next").json()["decision"]
    assert second["interaction_id"] == "routine" and not second["empowered_handling"]
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 2
    handle = client.get("/v1/agents/ana/handle-time").json()
    assert handle["empowered"]["count"] == 1 and handle["routine"]["count"] == 0


def test_fifo_queue_serves_longest_wait_and_skips_queues_the_agent_cannot_serve(
    client: TestClient,
) -> None:
    client.post("/v1/queues", json={"name": "billing", "required_skills": ["billing"]})
    client.post("/v1/queues", json={"name": "claims", "required_skills": ["claims"]})
    enqueue(client, "claim", "claims", "My car was hit", seconds=0)
    enqueue(client, "bill-1", "billing", MOT_TEXT, seconds=20)
    enqueue(client, "bill-2", "billing", "question about my bill", seconds=10)
    enqueue(client, "no-queue", None, "hello", seconds=0)  # type: ignore[arg-type]
    make_agent(client, "bo", skills={"billing": 2}, max_concurrency=2)
    first = client.post("/v1/agents/bo/next").json()["decision"]
    second = client.post("/v1/agents/bo/next").json()["decision"]
    assert [first["interaction_id"], second["interaction_id"]] == ["bill-2", "bill-1"]
    assert first["policy"] == "fifo"
    agents = client.get("/v1/agents", params={"state": "busy"}).json()
    assert agents["total"] == 1 and agents["items"][0]["load"] == 2


def test_nothing_waiting_is_an_answer_not_an_error(client: TestClient) -> None:
    client.post("/v1/queues", json={"name": "billing", "required_skills": ["billing"]})
    make_agent(client, "cy", skills={"billing": 2})
    response = client.post("/v1/agents/cy/next")
    assert response.status_code == 200
    assert response.json()["decision"] is None
    make_agent(client, "di", skills={"other": 2})
    assert "no queue" in client.post("/v1/agents/di/next").json()["message"]


def test_agent_state_changes_are_published_after_commit(
    client: TestClient, bus_and_runtime: tuple[RecordingBus, Runtime]
) -> None:
    bus, _ = bus_and_runtime
    make_agent(client, "ed", state="away")
    subscription_messages: list[BusMessage] = []

    async def listen() -> None:
        subscription = bus.subscribe("agents")
        client.post("/v1/agents/ed/state", json={"state": "available"})
        message = await subscription.get(timeout=2)
        assert message is not None
        subscription_messages.append(message)
        subscription.close()

    asyncio.run(listen())
    assert subscription_messages[0]["state"] == "available"
    assert subscription_messages[0]["previous"] == "away"
    assert client.get("/v1/agents/ed").json()["state"] == "available"
    # The same state again changes nothing and publishes nothing.
    before = len(bus.seen)
    client.post("/v1/agents/ed/state", json={"state": "available"})
    assert len(bus.seen) == before


AGENT = {"external_id": "x", "name": "X"}


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        ("post", "/v1/agents", {**AGENT, "skills": {"a": 9}}, 422, "body.skills.a"),
        ("post", "/v1/agents", {**AGENT, "state": "asleep"}, 422, "body.state"),
        ("post", "/v1/agents", {**AGENT, "empathy": 2}, 422, "body.empathy"),
        ("post", "/v1/agents", {"name": "X"}, 422, "body.external_id"),
        ("post", "/v1/queues", {"name": "q", "policy": "random"}, 422, "body.policy"),
        ("post", "/v1/queues", {"name": "q", "channel": "fax"}, 422, "body.channel"),
        ("post", "/v1/agents/ghost/state", {"state": "available"}, 404, None),
        ("post", "/v1/agents/ghost/next", None, 404, None),
        ("get", "/v1/agents/ghost", None, 404, None),
        ("get", "/v1/routing/decisions?policy=random", None, 422, "query.policy"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_4xx(
    client: TestClient, method: str, path: str, body: Any, status: int, field: str | None
) -> None:
    response = client.request(method.upper(), path, json=body)
    assert response.status_code == status, response.text
    payload = response.json()
    assert payload["error"] in ("invalid_request", "not_found")
    if field:
        assert field in [e["field"] for e in payload["errors"]]


def test_duplicates_and_unavailable_agents_are_conflicts(client: TestClient) -> None:
    make_agent(client, "fay")
    again = client.post("/v1/agents", json={"external_id": "fay", "name": "Fay"})
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "external_id"
    client.post("/v1/queues", json={"name": "q1"})
    assert client.post("/v1/queues", json={"name": "q1"}).status_code == 409
    client.post("/v1/agents/fay/state", json={"state": "wrap_up"})
    response = client.post("/v1/agents/fay/next")
    assert response.status_code == 409 and "wrap_up" in response.json()["message"]


def test_agent_made_busy_by_routing_is_free_again_once_the_interaction_ends(
    client: TestClient, bus_and_runtime: tuple[RecordingBus, Runtime]
) -> None:
    bus, _ = bus_and_runtime
    body = {"name": "travel", "channel": "call", "required_skills": ["travel"], "policy": "fifo"}
    assert client.post("/v1/queues", json=body).status_code == 201
    make_agent(client, "cy")
    enqueue(client, "first", "travel", "I need to change my seat", seconds=0)
    enqueue(client, "second", "travel", "Can I add a bag?", seconds=5)
    assert client.post("/v1/agents/cy/next").json()["decision"]["interaction_id"] == "first"
    assert client.get("/v1/agents/cy").json()["state"] == "busy"
    assert client.post("/v1/agents/cy/next").status_code == 409  # still on the first call

    assert client.post("/v1/events", json=[ended("first")]).status_code == 200
    decision = client.post("/v1/agents/cy/next").json()["decision"]
    assert decision["interaction_id"] == "second"
    changes = [m for t, m, _ in bus.seen if t == "agents"]
    assert [(m["previous"], m["state"]) for m in changes][-3:] == [
        ("available", "busy"),
        ("busy", "available"),
        ("available", "busy"),
    ]
    # An agent set to wrap up by their desktop or platform stays there until set available.
    client.post("/v1/events", json=[ended("second")])
    assert client.post("/v1/agents/cy/state", json={"state": "wrap_up"}).status_code == 200
    assert client.post("/v1/agents/cy/next").status_code == 409


def test_a_retried_request_gets_the_same_decision_not_a_second_one(client: TestClient) -> None:
    client.post("/v1/queues", json={"name": "billing", "required_skills": ["billing"]})
    enqueue(client, "bill-1", "billing", "question about my bill", seconds=0)
    enqueue(client, "bill-2", "billing", "another question", seconds=10)
    make_agent(client, "cy", skills={"billing": 2}, max_concurrency=3)
    key = {"Idempotency-Key": "desk-7f3a-1"}
    first = client.post("/v1/agents/cy/next", headers=key).json()
    again = client.post("/v1/agents/cy/next", headers=key).json()
    assert first["decision"]["interaction_id"] == "bill-1"
    assert again["decision"] == first["decision"]  # the same decision, nothing new assigned
    decisions = client.get("/v1/routing/decisions", params={"agent_id": "cy"}).json()
    assert decisions["total"] == 1
    assert client.get("/v1/agents/cy").json()["load"] == 1
    other = client.post("/v1/agents/cy/next", headers={"Idempotency-Key": "desk-7f3a-2"}).json()
    assert other["decision"]["interaction_id"] == "bill-2"
    too_long = client.post("/v1/agents/cy/next", headers={"Idempotency-Key": "k" * 201})
    assert too_long.status_code == 422
