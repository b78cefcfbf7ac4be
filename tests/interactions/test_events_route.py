"""``POST /v1/events`` is served by a plain Starlette route put before the documented FastAPI one:
the same answers, errors through the same handlers, and the same OpenAPI schema."""

from __future__ import annotations

from fastapi.testclient import TestClient
from starlette.routing import Route
from tests.factories import started, utterance

from kairos.interactions.views import events_route, post_events


def test_the_plain_route_serves_ingest(client: TestClient) -> None:
    routes = client.app.router.routes  # type: ignore[attr-defined]
    first = next(r for r in routes if isinstance(r, Route) and r.path == "/v1/events")
    assert first is events_route and first.endpoint is post_events
    answer = client.post("/v1/events", json=[started("e1"), utterance("e1", "hi")])
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["applied"] == 2


def test_errors_keep_their_shape(client: TestClient) -> None:
    malformed = client.post(
        "/v1/events", content=b"{", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400 and malformed.json()["error"]
    invalid = client.post("/v1/events", json={"type": "utterance", "event_id": "x"})
    assert invalid.status_code == 422 and invalid.json()["errors"]
    early = client.post("/v1/events", json=utterance("nobody-here", "hello"))
    assert early.status_code == 202 and early.json()["parked"] == 1
    wrong_method = client.get("/v1/events")
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["allow"]


def test_the_schema_still_documents_it(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/events"]["post"]
    assert operation["summary"] == "Ingest one event or a batch"
    assert "IngestResponse" in str(operation["responses"]["200"])
