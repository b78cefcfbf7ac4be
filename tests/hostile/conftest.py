"""A Kairos app on a fresh database per backend, seeded through its own API, for hostile input.

The seed gives the generated and hand-written requests real things to hit (interactions that
exist, agents, queues, customers), so they reach past the first ``404``. One app serves a whole
test module per backend (SQLite, and PostgreSQL when ``KAIROS_TEST_POSTGRES_URL`` is set): each
hostile case uses its own ids, so they do not disturb one another, and the sweep stays quick.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.websockets import WebSocketDisconnect
from tests.factories import ended, started, utterance

from kairos import migrations
from kairos.config import Settings
from kairos.main import create_app
from kairos.runtime import Runtime

TWILIO_TOKEN = "hostile-twilio-token-0123456789"
#: Longest a refused media session may take to be closed.
CLOSE_WITHIN_S = 20.0
POSTGRES_URL = os.environ.get("KAIROS_TEST_POSTGRES_URL")


@dataclass
class Seed:
    """What the seed created, by the ids a client would use."""

    interactions: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)


@dataclass
class Hostile:
    """The seeded app, a client on it that shows server errors as 500s, and what was seeded."""

    client: TestClient
    runtime: Runtime
    seed: Seed

    def event_count(self, interaction_id: str) -> int:
        """How many events the interaction has stored (its timeline)."""
        answer = self.client.get(f"/v1/interactions/{interaction_id}")
        assert answer.status_code == 200, answer.text
        count: int = answer.json()["event_count"]
        return count

    def interaction(self, interaction_id: str) -> dict[str, Any] | None:
        """The interaction as the API shows it, or None when it does not exist."""
        answer = self.client.get(f"/v1/interactions/{interaction_id}")
        if answer.status_code == 404:
            return None
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


def seed(client: TestClient) -> Seed:
    """Start, talk in and end a few interactions, and create agents and a queue, over HTTP."""
    made = Seed()
    for n, channel in enumerate(("call", "chat", "email")):
        iid = f"hostile-{channel}-{n}"
        events = [
            started(iid, channel=channel, phone=f"+1415555{n:04d}"),
            utterance(iid, "I want to cancel my account, this is the third time I call"),
            utterance(iid, "I understand, let me fix that for you now", speaker="agent"),
        ]
        if n == 2:
            events.append(ended(iid))
        answer = client.post("/v1/events", json=events)
        assert answer.status_code == 200, answer.text
        made.interactions.append(iid)
    for n in range(2):
        agent = {"external_id": f"hostile-agent-{n}", "name": f"Agent {n}", "state": "available"}
        answer = client.post("/v1/agents", json=agent)
        assert answer.status_code == 201, answer.text
        made.agents.append(agent["external_id"])
    answer = client.post("/v1/queues", json={"name": "hostile-queue", "channel": "call"})
    assert answer.status_code == 201, answer.text
    made.queues.append("hostile-queue")
    customers = client.get("/v1/customers").json()
    made.customers = [str(c["id"]) for c in customers["items"]]
    assert made.customers, customers
    return made


def _postgres_database() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("KAIROS_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
    name = f"kairos_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def hostile(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hostile]:
    """One migrated, seeded app per backend and test module; a Twilio token is set."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("hostile") / "kairos.db"
        databases: Iterator[str] = iter([f"sqlite:///{path}"])
    else:
        databases = _postgres_database()
    url = next(databases)
    try:
        migrations.upgrade(url)
        runtime = Runtime.build(Settings(database_url=url, twilio_auth_token=TWILIO_TOKEN))
        app = create_app(runtime.settings, runtime=runtime)
        try:
            with TestClient(app, raise_server_exceptions=False) as client:
                yield Hostile(client=client, runtime=runtime, seed=seed(client))
        finally:
            runtime.close()
    finally:
        for _ in databases:  # drops the PostgreSQL database
            pass


def close_of(ws: Any) -> tuple[int, str]:
    """The close code and reason the server sent; fails instead of hanging."""
    result: dict[str, Any] = {}

    def receive() -> None:
        try:
            while True:
                message = ws.receive()
                if message["type"] == "websocket.close":
                    result["close"] = (message.get("code", 1000), message.get("reason", ""))
                    return
        except WebSocketDisconnect as exc:
            result["close"] = (exc.code, exc.reason)
        except Exception as exc:
            result["error"] = exc

    reader = threading.Thread(target=receive, daemon=True)
    reader.start()
    reader.join(CLOSE_WITHIN_S)
    assert not reader.is_alive(), f"the server did not close within {CLOSE_WITHIN_S} s"
    assert "close" in result, result.get("error")
    code, reason = result["close"]
    return int(code), str(reason)
