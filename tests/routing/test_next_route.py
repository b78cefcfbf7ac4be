"""``POST /v1/agents/{id}/next`` is served by a plain Starlette route put before the documented
FastAPI one: the same answers, errors through the same handlers, and the same OpenAPI schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from starlette.routing import Route
from tests.routing.support import enqueue, make_agent

from kairos.routing.views import next_route, post_next


@contextmanager
def documented(client: TestClient) -> Iterator[None]:
    """Requests inside go to the documented FastAPI route (the plain one taken out meanwhile)."""
    routes = client.app.router.routes  # type: ignore[attr-defined]
    at = routes.index(next_route)
    routes.remove(next_route)
    try:
        yield
    finally:
        routes.insert(at, next_route)


def _centre(client: TestClient) -> None:
    body = {"name": "travel", "channel": "call", "required_skills": ["travel"], "policy": "moments"}
    assert client.post("/v1/queues", json=body).status_code == 201
    for n in range(4):
        enqueue(client, f"c{n}", "travel", "Hi, I want to check my seat.", seconds=5 * n)
    make_agent(client, "ana", empathy=0.9, mot_certified=True, max_concurrency=2)
    make_agent(client, "bo")


def _both(client: TestClient, path: str, **kwargs: Any) -> tuple[Any, Any]:
    plain = client.post(path, **kwargs)
    with documented(client):
        fastapi = client.post(path, **kwargs)
    assert plain.status_code == fastapi.status_code
    assert plain.headers["content-type"] == fastapi.headers["content-type"]
    return plain.json(), fastapi.json()


def test_the_plain_route_serves_next(client: TestClient) -> None:
    routes = client.app.router.routes  # type: ignore[attr-defined]
    first = next(r for r in routes if isinstance(r, Route) and r.path == next_route.path)
    assert first is next_route and first.endpoint is post_next
    _centre(client)
    key = {"Idempotency-Key": "desk-1"}
    answer = client.post("/v1/agents/ana/next", headers=key)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    decided = answer.json()
    assert decided["message"] == "assigned" and decided["decision"]["interaction_id"] == "c0"
    # A retried request answers the stored decision: the same body from both routes, and the
    # same decision as the first answer (built in memory, not read back).
    again, again_documented = _both(client, "/v1/agents/ana/next", headers=key)
    assert again == again_documented
    assert again["decision"] == decided["decision"]
    # A fresh decision from each: the same fields, the same kinds of value.
    plain = client.post("/v1/agents/ana/next").json()
    with documented(client):
        fastapi = client.post("/v1/agents/bo/next").json()
    assert plain["decision"]["interaction_id"] == "c1" and plain["message"] == "assigned"
    assert fastapi["decision"]["interaction_id"] == "c2"
    for field, value in plain["decision"].items():
        assert type(value) is type(fastapi["decision"][field]), field
    assert plain["decision"].keys() == fastapi["decision"].keys()
    assert plain["decision"]["inputs"].keys() == fastapi["decision"]["inputs"].keys()


def test_errors_keep_their_shape(client: TestClient) -> None:
    _centre(client)
    assert client.post("/v1/agents/bo/next").status_code == 200  # bo is full now
    for path, kwargs, status in [
        ("/v1/agents/nobody/next", {}, 404),
        ("/v1/agents/bo/next", {}, 409),
        ("/v1/agents/ana/next", {"headers": {"Idempotency-Key": "k" * 201}}, 422),
        ("/v1/agents/ana/next", {"headers": {"Idempotency-Key": ""}}, 422),
    ]:
        plain, fastapi = _both(client, path, **kwargs)
        assert plain == fastapi, path
        assert client.post(path, **kwargs).status_code == status
    wrong_method = client.get("/v1/agents/ana/next")
    assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["allow"]
    # Nothing was assigned by the refused requests: ana's first `next` takes the next contact.
    assert client.post("/v1/agents/ana/next").json()["decision"]["interaction_id"] == "c1"


def test_the_schema_still_documents_it(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/agents/{agent_id}/next"]["post"]
    assert "NextResult" in str(operation["responses"]["200"])
    assert [p["name"] for p in operation["parameters"]] == ["agent_id", "Idempotency-Key"]
