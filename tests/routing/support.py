"""Helpers the routing tests share."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.factories import at, started, utterance


def make_agent(client: TestClient, external_id: str, **extra: Any) -> dict[str, Any]:
    body = {"external_id": external_id, "name": external_id.title(), "skills": {"travel": 3},
            "channels": ["call"], "state": "available", **extra}  # fmt: skip
    response = client.post("/v1/agents", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def enqueue(
    client: TestClient, interaction_id: str, queue: str, *texts: str, seconds: float = 0
) -> None:
    events = [started(interaction_id, queue=queue, occurred_at=at(seconds))]
    events += [utterance(interaction_id, t, seconds=seconds + 1 + n) for n, t in enumerate(texts)]
    response = client.post("/v1/events", json=events)
    assert response.status_code == 200, response.text
