"""A message the Redis bus dropped (Redis away) is sent once Redis is back, by the listener that
dropped it: a supervisor alert stored but never published, a coaching nudge marked sent but never
published. Real redis-server, stopped and started; the database is SQLite."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from fastapi.testclient import TestClient
from sqlalchemy import delete
from tests.factories import started, utterance
from tests.servers import RedisServer

from kairos.assist.live import CoachingListener
from kairos.bus import RedisBus
from kairos.config import Settings
from kairos.main import create_app
from kairos.routing.models import AlertRecord
from kairos.routing.supervision import Supervisor
from kairos.runtime import Runtime

DISTRESS = (
    "My flight just got cancelled and I have to be at my daughter's recital by 7 tonight, "
    "this is a disaster, I am so upset, please help me!!"
)


def _seed_floor(database_url: str) -> None:
    """An angry customer with an agent, and the agent's blaming turn, stored and assessed."""
    runtime = Runtime.build(Settings(database_url=database_url))
    now = datetime.now(UTC)
    events: list[dict[str, Any]] = [
        started("drop-1"),
        utterance("drop-1", "Thanks for calling, this is Sam.", speaker="agent")
        | {"agent_id": "a-sam"},
        utterance("drop-1", DISTRESS),
        utterance("drop-1", "That's your fault, not ours.", speaker="agent")
        | {"agent_id": "a-sam"},
    ]
    events = [e | {"occurred_at": (now + timedelta(milliseconds=i)).isoformat()}
              for i, e in enumerate(events)]  # fmt: skip
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        assert client.post("/v1/events", json=events).status_code == 200
    with runtime.db.session() as session:  # as if its alert had never been raised
        session.execute(delete(AlertRecord))
        session.commit()
    runtime.close()


def _published(url: str, topic: str) -> list[str]:
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        return [fields["m"] for _, fields in client.xrange(f"kairos:stream:{topic}")]
    finally:
        client.close()


def test_an_alert_and_a_nudge_dropped_while_redis_was_away_are_sent_once_it_is_back(
    migrated_url: str, redis_url: str, redis_server: RedisServer
) -> None:
    _seed_floor(migrated_url)
    runtime = Runtime.build(Settings(database_url=migrated_url))
    bus = RedisBus(redis_url, retry_after_s=0.0)
    supervisor, coach = Supervisor(bus, runtime.db), CoachingListener(bus, runtime.db)
    try:
        redis_server.stop()
        assert bus.publish("unrelated", {"type": "nothing"}) is False
        supervisor.catch_up()  # the alert is stored, its publish dropped
        coach.catch_up()  # the nudge's publish dropped
        redis_server.start()  # back, empty
        assert _published(redis_url, "supervision") == []
        supervisor.catch_up()
        coach.catch_up()
        alerts = [m for m in _published(redis_url, "supervision") if "supervisor.alert" in m]
        nudges = [m for m in _published(redis_url, "assist") if "coaching.nudge" in m]
        assert len(alerts) == 1 and "drop-1" in alerts[0]
        assert len(nudges) == 1 and "drop-1" in nudges[0]
        supervisor.catch_up()  # sent now: not again
        coach.catch_up()
        assert len([m for m in _published(redis_url, "supervision") if "alert" in m]) == 1
        assert len([m for m in _published(redis_url, "assist") if "nudge" in m]) == 1
    finally:
        bus.close()
        runtime.close()


def _publish_once(url: str, n: int) -> None:
    other = RedisBus(url)  # another process's bus
    try:
        assert other.publish("things", {"type": "thing", "n": n})
    finally:
        other.close()


def test_a_listener_whose_redis_came_back_empty_reads_what_came_before_it_did(
    redis_url: str, redis_server: RedisServer
) -> None:
    # Redis restarted without its data: a listener's group is created again when the listener
    # next looks (up to retry_after_s later). What another process published in between must
    # reach it, not be skipped as a new group at the stream's end ("$") would skip it.
    listener = RedisBus(redis_url, block_ms=100, retry_after_s=1.0)
    seen: list[str] = []
    listener.listen(lambda topic, message: seen.append(str(message["n"])), "things", group="g")
    try:
        _publish_once(redis_url, 1)
        deadline = time.monotonic() + 10
        while seen != ["1"]:
            assert time.monotonic() < deadline, seen
            time.sleep(0.05)
        redis_server.stop()
        redis_server.start()
        _publish_once(redis_url, 2)  # at once, before the listener is back
        deadline = time.monotonic() + 10
        while seen != ["1", "2"]:
            assert time.monotonic() < deadline, seen
            time.sleep(0.05)
    finally:
        listener.close()
