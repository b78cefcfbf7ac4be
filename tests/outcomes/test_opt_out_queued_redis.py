"""With a Redis bus the preference's change reaches outreach through the ``outcomes`` consumer
group (another thread, or a worker process): the queued follow-up is held back all the same.
A real redis-server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.outcomes.conftest import enable_rules, post_events, recent
from tests.outcomes.support import _lost

from kairos.bus.redis import RedisBus
from kairos.config import Settings
from kairos.main import create_app
from kairos.runtime import Runtime


@pytest.fixture
def redis_client(migrated_url: str, redis_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=migrated_url, redis_url=redis_url)
    runtime = Runtime.build(settings, bus=RedisBus(redis_url))
    with TestClient(create_app(settings, runtime=runtime)) as client:
        yield client
    runtime.close()


def _soon(found: Callable[[], Any], seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := found()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return value


def test_an_opt_out_holds_back_the_queued_follow_up_over_redis(redis_client: TestClient) -> None:
    client = redis_client
    enable_rules(client)
    post_events(client, recent(_lost("r-lost", reason="lost baggage", phone="+14155550671")))

    def follow_ups() -> list[dict[str, Any]]:
        found = client.get("/v1/outreach/tasks", params={"kind": "follow_up"})
        items: list[dict[str, Any]] = found.json()["items"]
        return items

    [task] = _soon(follow_ups)
    assert task["status"] == "queued"
    put = client.put(
        f"/v1/customers/{task['customer_id']}/contact-preference", json={"proactive": False}
    )
    assert put.status_code == 200, put.text
    held = _soon(lambda: [t for t in follow_ups() if t["status"] == "suppressed"])
    assert [(t["id"], t["result"]) for t in held] == [(task["id"], "opted_out")]
    call = client.get(f"/v1/interactions/{task['task_interaction_id']}").json()
    assert call["state"] == "ended"
