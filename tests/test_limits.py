"""Request bodies over the limit get a clear 413 and nothing of them is applied."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kairos.bus import MemoryBus
from kairos.config import Settings
from kairos.main import create_app
from kairos.runtime import Runtime

LIMIT = 4096


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    from kairos import migrations

    migrations.upgrade(sqlite_url)
    settings = Settings(database_url=sqlite_url, max_request_bytes=LIMIT)
    runtime = Runtime.build(settings, bus=MemoryBus())
    with TestClient(create_app(settings, runtime=runtime)) as c:
        yield c
    runtime.close()


def _events(n: int, text: str = "hello") -> list[dict[str, object]]:
    started = {"type": "interaction.started", "event_id": "e-0", "interaction_id": "big",
               "occurred_at": "2026-11-22T14:00:00+00:00", "channel": "chat"}  # fmt: skip
    said = [
        {
            "type": "utterance",
            "event_id": f"e-{i}",
            "interaction_id": "big",
            "occurred_at": "2026-11-22T14:00:05+00:00",
            "speaker": "customer",
            "text": text,
        }
        for i in range(1, n)
    ]
    return [started, *said]


def test_a_small_batch_is_accepted(client: TestClient) -> None:
    response = client.post("/v1/events", json=_events(3))
    assert response.status_code == 200, response.text


def test_a_declared_large_body_is_refused_before_it_is_read(client: TestClient) -> None:
    body = json.dumps(_events(2, "x" * (2 * LIMIT))).encode()
    response = client.post("/v1/events", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert "limit of 4096 bytes" in response.json()["message"]
    assert client.get("/v1/interactions/big").status_code == 404


def test_a_chunked_body_is_counted_and_refused_past_the_limit(client: TestClient) -> None:
    body = json.dumps(_events(2, "y" * (2 * LIMIT))).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    response = client.post(
        "/v1/events", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "too_large"
    assert client.get("/v1/interactions/big").status_code == 404


def test_webhooks_are_limited_too(client: TestClient) -> None:
    response = client.post(
        "/v1/channels/email", content=b"Subject: hi\r\n\r\n" + b"z" * (2 * LIMIT),
        headers={"content-type": "message/rfc822"},
    )  # fmt: skip
    assert response.status_code == 413


def test_a_chunked_body_on_a_parsed_endpoint_is_refused_as_well(client: TestClient) -> None:
    body = json.dumps({"external_id": "a", "name": "n" * (2 * LIMIT)}).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    response = client.post(
        "/v1/agents", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413, response.text
    assert client.get("/v1/agents/a").status_code == 404
