"""The ingest-to-assessment histogram on ``/metrics``: where the API assesses (inline), its own
series moves with each assessment; with detection by workers (a real redis-server, PostgreSQL and
a worker runtime in this process), each worker's series, measured from the event's acceptance to
its assessment published, reaches the API's ``/metrics`` through the worker's heartbeat."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.factories import started, utterance
from tests.servers import REDIS_SERVER

from kairos import migrations
from kairos.bus import RedisBus
from kairos.config import Settings
from kairos.main import create_app
from kairos.runtime import Runtime
from kairos.workers import heartbeat

pytest.importorskip("kairos.detection.detector")

TEXTS = ["My flight was cancelled and I am stranded", "I need to be in Denver by 7 tonight"]


def _events(interaction_id: str) -> list[dict[str, object]]:
    return [started(interaction_id, channel="chat")] + [
        utterance(interaction_id, text, event_id=f"{interaction_id}-{n}", seconds=n)
        for n, text in enumerate(TEXTS, start=1)
    ]


def _series(text: str, process: str) -> dict[str, float]:
    """``count``, ``sum`` and each bucket (``le=...``) of one process's series."""
    found: dict[str, float] = {}
    for line in text.splitlines():
        if not line.startswith("kairos_assessment_latency_seconds") or process not in line:
            continue
        name, value = line.rsplit(" ", 1)
        le = re.search(r'le="([^"]+)"', name)
        key = f"le={le.group(1)}" if le else name.split("{")[0].rsplit("_", 1)[1]
        found[key] = float(value)
    return found


def test_inline_assessments_move_the_api_series(client: TestClient) -> None:
    before = _series(client.get("/metrics").text, 'process="api"')
    assert before["count"] == 0 and before["le=+Inf"] == 0
    assert client.post("/v1/events", json=_events("lat-1")).status_code == 200
    after = _series(client.get("/metrics").text, 'process="api"')
    assert after["count"] == len(TEXTS)  # one per assessed utterance
    assert after["le=+Inf"] == len(TEXTS) and 0 < after["sum"] < 60
    buckets = [v for k, v in after.items() if k.startswith("le=")]
    assert buckets == sorted(buckets)  # cumulative


@pytest.fixture
def system(postgres_url: str, redis_url: str) -> Iterator[tuple[TestClient, Runtime]]:
    if REDIS_SERVER is None:
        pytest.skip("no redis-server (apt-get install redis-server)")
    migrations.upgrade(postgres_url)
    settings = Settings(database_url=postgres_url, redis_url=redis_url, detection="workers")
    api = Runtime.build(settings)
    worker = Runtime.build(settings, role="worker")
    client = TestClient(create_app(settings, runtime=api))
    try:
        yield client, worker
    finally:
        client.close()
        worker.close()
        api.close()


@pytest.mark.postgres
def test_a_workers_series_reaches_the_api(system: tuple[TestClient, Runtime]) -> None:
    client, worker = system
    assert client.post("/v1/events", json=_events("lat-w")).status_code == 200
    deadline = time.monotonic() + 20
    while worker.metrics.assessment_latency.count < len(TEXTS):
        assert time.monotonic() < deadline, "the worker never assessed the utterances"
        time.sleep(0.05)
    worker.bus.report(heartbeat(worker), ttl_s=15)  # what `kairos worker` sends every 5 s
    assert "kairos_worker" in client.get("/metrics").text
    assert isinstance(worker.bus, RedisBus)
    consumer = worker.bus.consumer
    series = _series(client.get("/metrics").text, f'process="{consumer}"')
    assert series["count"] == len(TEXTS) and series["le=+Inf"] == len(TEXTS)
    assert 0 < series["sum"] < 20 * len(TEXTS)
    assert _series(client.get("/metrics").text, 'process="api"')["count"] == 0
    text = client.get("/metrics").text  # the histogram's figures are not repeated as gauges
    assert "assessment_latency_b0" not in text
