"""``/metrics`` while Redis hangs, for real: an API runtime on PostgreSQL with detection by
workers (so it reads every group's backlog and the workers' reports from Redis) and a throwaway
redis-server stopped with SIGSTOP (it accepts connections and answers nothing).

A scrape must answer within a second, keep the bus figures it last read and say they are stale
(``kairos_bus_redis_up 0``, ``kairos_bus_figures_age_seconds``), and read them fresh again once
Redis answers.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.servers import REDIS_SERVER, RedisServer

from kairos import migrations
from kairos.config import Settings
from kairos.main import create_app
from kairos.runtime import Runtime

pytestmark = [
    pytest.mark.skipif(
        REDIS_SERVER is None, reason="no redis-server (apt-get install redis-server)"
    ),
    pytest.mark.postgres,
]


@pytest.fixture
def client(postgres_url: str, redis_url: str) -> Iterator[TestClient]:
    migrations.upgrade(postgres_url)
    settings = Settings(database_url=postgres_url, redis_url=redis_url, detection="workers")
    runtime = Runtime.build(settings)
    made = TestClient(create_app(settings, runtime=runtime))
    try:
        yield made
    finally:
        made.close()
        runtime.close()


def _figure(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def _scrape(client: TestClient) -> tuple[float, str]:
    start = time.monotonic()
    response = client.get("/metrics")
    assert response.status_code == 200
    return time.monotonic() - start, response.text


def test_a_scrape_answers_fast_while_redis_hangs(
    client: TestClient, redis_server: RedisServer
) -> None:
    _, before = _scrape(client)
    assert _figure(before, "kairos_bus_redis_up") == 1
    lag_before = [line for line in before.splitlines() if line.startswith("kairos_bus_lag{")]
    assert lag_before, before
    assert redis_server.process is not None
    redis_server.process.send_signal(signal.SIGSTOP)
    try:
        for _ in range(3):
            took, during = _scrape(client)
            assert took < 1.0, f"/metrics took {took:.2f} s while Redis hangs"
            assert _figure(during, "kairos_bus_redis_up") == 0
            # the figures it last read, kept, and how old they are
            assert [x for x in during.splitlines() if x.startswith("kairos_bus_lag{")] == lag_before
            age = _figure(during, "kairos_bus_figures_age_seconds")
            assert age is not None and age >= 0
    finally:
        redis_server.process.send_signal(signal.SIGCONT)
    deadline = time.monotonic() + 10
    while _figure(_scrape(client)[1], "kairos_bus_redis_up") != 1:
        assert time.monotonic() < deadline, "the figures never came back fresh"
        time.sleep(0.2)
