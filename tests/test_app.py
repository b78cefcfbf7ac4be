"""Operations endpoints: health, metrics, and API docs that render with no internet."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.factories import started

from kairos.config import Settings
from kairos.main import create_app


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=sqlite_url), migrate=True)) as c:
        yield c


def test_healthz(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["detection"] == "inline"


def test_healthz_says_when_the_models_are_loaded(client: TestClient) -> None:
    # An inline process loads its models in the background at start; a readiness probe waits
    # for "loaded" (the first customer turn no longer pays for the load).
    deadline = time.monotonic() + 60
    while (models := client.get("/healthz").json()["models"]) == "loading":
        assert time.monotonic() < deadline, "the models never finished loading"
        time.sleep(0.05)
    assert models == "loaded"


def test_a_serving_process_freezes_its_models_out_of_the_collectors_sight() -> None:
    # What start-up built is frozen by the app's lifespan; the models load after it, on a
    # thread of their own (kairos.runtime._warm), and are frozen too once they are in, so a
    # full collection walks neither. A process that does not serve freezes nothing.
    from kairos.runtime import _warm

    # An app an earlier test started may still be loading its models on its warm thread, which
    # freezes when it is done: let it finish first, or it could freeze between the steps below.
    for thread in threading.enumerate():
        if thread.name == "kairos-warm":
            thread.join(timeout=120)
    serving = gc.get_freeze_count()  # an app another test started may still be serving
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        _warm()
        assert gc.get_freeze_count() == 0
        gc.freeze()  # as the app's lifespan does
        before = gc.get_freeze_count()
        loaded_since = [[n] for n in range(100)]  # objects made after the app froze
        _warm()
        assert gc.get_freeze_count() >= before + len(loaded_since)
    finally:
        gc.unfreeze()
        if serving:
            gc.freeze()


def test_metrics_are_prometheus_text(client: TestClient) -> None:
    client.post("/v1/events", json=started("m1"))
    client.post("/v1/events", content=b"nope")
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'kairos_events_ingested_total{type="interaction.started"} 1' in text
    assert 'kairos_events_rejected_total{reason="malformed_body"} 1' in text
    assert "kairos_ingest_latency_seconds_count 1" in text
    assert "# TYPE kairos_ingest_latency_seconds histogram" in text


def test_docs_use_only_local_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert "/static/api-docs/swagger-ui-bundle.js" in page.text
    script = client.get("/static/api-docs/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert len(script.content) > 100_000
    schema = client.get("/openapi.json").json()
    assert "/v1/events" in schema["paths"]
    assert "Event" in schema["components"]["schemas"]
    assert "Utterance" in schema["components"]["schemas"]
