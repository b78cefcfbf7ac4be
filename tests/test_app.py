"""Operations endpoints: health, metrics, and API docs that render with no internet."""

from __future__ import annotations

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


class _Collector:
    """Stands in for the ``gc`` module where Kairos freezes: counts what it is asked to do, so the
    test does not read the process's real permanent generation, which any app another test left
    running (or its model-loading thread) may freeze or unfreeze at any moment."""

    def __init__(self, frozen: int) -> None:
        self.frozen = frozen
        self.freezes = 0
        self.unfreezes = 0

    def get_freeze_count(self) -> int:
        return self.frozen

    def freeze(self) -> None:
        self.freezes += 1
        self.frozen += 1

    def unfreeze(self) -> None:
        self.unfreezes += 1
        self.frozen = 0


def test_a_serving_process_freezes_its_models_out_of_the_collectors_sight(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What start-up built is frozen by the app's lifespan; the models load after it, on a
    # thread of their own (kairos.runtime._warm), and are frozen too once they are in, so a
    # full collection walks neither. A process that does not serve freezes nothing.
    from kairos import main, runtime

    idle = _Collector(frozen=0)
    monkeypatch.setattr(runtime, "gc", idle)
    runtime._warm()
    assert idle.freezes == 0  # nothing froze: not a serving process

    serving = _Collector(frozen=1)
    monkeypatch.setattr(runtime, "gc", serving)
    runtime._warm()
    assert serving.freezes == 1  # the loaded models join what the app froze

    lifespan = _Collector(frozen=0)
    monkeypatch.setattr(main, "gc", lifespan)
    with TestClient(create_app(Settings(database_url=sqlite_url), migrate=True)) as client:
        assert client.get("/healthz").status_code == 200
        assert lifespan.freezes == 1 and lifespan.unfreezes == 0
    assert lifespan.unfreezes == 1  # a closed app gives its objects back to the collector


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


def test_an_unknown_route_or_method_answers_in_the_api_error_shape(client: TestClient) -> None:
    """Every refusal an integrator gets from /v1 has ``error`` and ``message``, as documented."""
    missing = client.get("/v1/interaction")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    assert "/v1/interaction" in missing.json()["message"]
    wrong = client.delete("/v1/events")
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "method_not_allowed"
    assert "POST" in wrong.headers["allow"] and "POST" in wrong.json()["message"]


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain"])
def test_a_json_body_sent_as_another_type_is_told_to_send_json(
    client: TestClient, content_type: str
) -> None:
    """``curl -d '{...}'`` without a content type sends a form: it got 422 "Input should be a
    valid dictionary", which says nothing of the header."""
    response = client.post(
        "/v1/agents",
        content=b'{"external_id": "a-9", "name": "Nine"}',
        headers={"content-type": content_type},
    )
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert "application/json" in response.json()["message"]
    assert content_type in response.json()["message"]
    assert client.get("/v1/agents/a-9").status_code == 404
    good = client.post("/v1/agents", json={"external_id": "a-9", "name": "Nine"})
    assert good.status_code == 201, good.text
