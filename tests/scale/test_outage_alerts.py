"""Supervisor alerts and coaching nudges across a Redis outage, for real: PostgreSQL, a throwaway
redis-server stopped and started again (empty), an API runtime storing events and a worker
runtime assessing them (``KAIROS_DETECTION=workers``), in this process.

While Redis is away the API stores the turns and drops their ``event.applied``; the worker's
sweep assesses them from the database and its ``assessment.updated`` is dropped too. Once Redis is
back the alert that assessment raises must reach the pages (``supervisor.alert`` on
``supervision``) and the alert log, and the agent's nudge (``coaching.nudge`` on ``assist``), each
once; a later gap while nothing was lost sends nothing again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import started, utterance
from tests.servers import REDIS_SERVER, RedisServer

from kairos import migrations
from kairos.bus import BusMessage, RedisBus
from kairos.config import Settings
from kairos.interactions.models import Interaction
from kairos.main import create_app
from kairos.routing.models import AlertRecord
from kairos.runtime import Runtime

pytestmark = [
    pytest.mark.skipif(
        REDIS_SERVER is None, reason="no redis-server (apt-get install redis-server)"
    ),
    pytest.mark.postgres,
]
pytest.importorskip("kairos.detection.detector")

DISTRESS = (
    "My flight just got cancelled and I have to be at my daughter's recital by 7 tonight, "
    "this is a disaster, I am so upset, please help me!!"
)
BLAME = "That's your fault, not ours."


class Pages:
    """What the pages would be sent: a listener group of its own on the pages' topics."""

    def __init__(self, redis_url: str) -> None:
        self.bus = RedisBus(redis_url, block_ms=100, retry_after_s=0.2)
        self.seen: list[BusMessage] = []
        self.lock = threading.Lock()
        self.bus.listen(self, "supervision", "assist", group="pages-under-test")

    def __call__(self, topic: str, message: BusMessage) -> None:
        with self.lock:
            self.seen.append(message)

    def of(self, kind: str, interaction_id: str) -> list[BusMessage]:
        with self.lock:
            return [
                m for m in self.seen
                if m["type"] == kind and m.get("interaction_id") == interaction_id
            ]  # fmt: skip


@pytest.fixture
def system(postgres_url: str, redis_url: str) -> Iterator[tuple[TestClient, Runtime, Pages]]:
    migrations.upgrade(postgres_url)
    settings = Settings(
        database_url=postgres_url, redis_url=redis_url, detection="workers", sweep_interval_s=0.5
    )
    api = Runtime.build(settings)
    worker = Runtime.build(settings, role="worker")
    pages = Pages(redis_url)
    client = TestClient(create_app(settings, runtime=api))
    try:
        yield client, worker, pages
    finally:
        client.close()
        pages.bus.close()
        worker.close()
        api.close()


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not in time: {what}"
        time.sleep(0.1)


def _post(client: TestClient, events: list[dict[str, Any]]) -> None:
    # Dated now, as a live platform's are: the alerts count a deadline from the clock, and the
    # factories' reference day is long past ("by 7 tonight" would have passed days ago).
    now = datetime.now(UTC)
    events = [e | {"occurred_at": (now + timedelta(milliseconds=i)).isoformat()}
              for i, e in enumerate(events)]  # fmt: skip
    response = client.post("/v1/events", json=events)
    assert response.status_code == 200, response.text


def _assessed(worker: Runtime, interaction_id: str) -> bool:
    with worker.db.session() as session:
        row = session.execute(
            select(Interaction.assessed_seq, Interaction.event_count).where(
                Interaction.external_id == interaction_id
            )
        ).one()
    return bool(row[0] == row[1])


def _alert_rows(worker: Runtime, interaction_id: str) -> list[tuple[str, bool]]:
    with worker.db.session() as session:
        rows = session.execute(
            select(AlertRecord.action, AlertRecord.cleared_at.is_(None))
            .where(AlertRecord.interaction_id == interaction_id)
            .order_by(AlertRecord.id)
        ).all()
    return [(str(a), bool(o)) for a, o in rows]


def _agent_turn(interaction_id: str, text: str) -> dict[str, Any]:
    return utterance(interaction_id, text, speaker="agent") | {"agent_id": "a-sam"}


def test_alerts_and_nudges_lost_in_an_outage_arrive_once_redis_is_back(
    system: tuple[TestClient, Runtime, Pages], redis_server: RedisServer
) -> None:
    client, worker, pages = system
    _post(client, [started("out-1"), _agent_turn("out-1", "Thanks for calling, this is Sam.")])
    wait_for(lambda: _assessed(worker, "out-1"), what="the first turns assessed")
    redis_server.stop()
    _post(client, [utterance("out-1", DISTRESS), _agent_turn("out-1", BLAME)])
    # The sweep assesses them from the database; what it publishes is dropped.
    wait_for(lambda: _assessed(worker, "out-1"), what="the sweep during the outage")
    time.sleep(0.5)
    redis_server.start()  # back empty
    wait_for(lambda: pages.of("supervisor.alert", "out-1"), what="the alert after the outage")
    wait_for(lambda: pages.of("coaching.nudge", "out-1"), what="the nudge after the outage")
    time.sleep(3)  # every listener has seen the gap by now: nothing more comes
    assert len(pages.of("supervisor.alert", "out-1")) == 1
    nudges = pages.of("coaching.nudge", "out-1")
    assert len(nudges) == 1 and nudges[0]["nudges"][0]["kind"] == "blame"
    assert _alert_rows(worker, "out-1") == [(pages.of("supervisor.alert", "out-1")[0]["action"],
                                             True)]  # fmt: skip

    # Live again: a new interaction's alert and nudge, then a gap in which nothing was lost
    # (another process dropped a message): nothing is sent twice.
    _post(client, [started("out-2", phone="+14155550177"), _agent_turn("out-2", "Hi, Sam here."),
                   utterance("out-2", DISTRESS), _agent_turn("out-2", BLAME)])  # fmt: skip
    wait_for(lambda: pages.of("supervisor.alert", "out-2"), what="the live alert")
    wait_for(lambda: pages.of("coaching.nudge", "out-2"), what="the live nudge")
    other = RedisBus(redis_server.url, retry_after_s=0.2)
    try:
        other.dropped = True  # as a process that dropped a message while Redis was away
        other.publish("unrelated", {"type": "nothing"})
    finally:
        other.close()
    time.sleep(3)
    for interaction_id in ("out-1", "out-2"):
        assert len(pages.of("supervisor.alert", interaction_id)) == 1, interaction_id
        assert len(pages.of("coaching.nudge", interaction_id)) == 1, interaction_id
        assert len(_alert_rows(worker, interaction_id)) == 1, interaction_id
