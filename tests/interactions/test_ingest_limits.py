"""The limits an integrator meets on ``POST /v1/events`` and the webhooks, as docs/api.md states
them: ids of 1-200 characters without whitespace, an utterance's text up to 20,000 characters
(a webhook's longer line is clipped, not refused), and ``occurred_at`` as Unix epoch seconds."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def started(
    event_id: str = "s1", interaction_id: str = "call-lim", at: Any = None
) -> dict[str, Any]:
    return {
        "type": "interaction.started",
        "event_id": event_id,
        "interaction_id": interaction_id,
        "occurred_at": at or "2026-11-22T14:00:00Z",
        "channel": "call",
    }


def said(text: str, event_id: str = "u1") -> dict[str, Any]:
    return {
        "type": "utterance",
        "event_id": event_id,
        "interaction_id": "call-lim",
        "occurred_at": "2026-11-22T14:01:00Z",
        "speaker": "customer",
        "text": text,
    }


def fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    return {e["field"] for e in response.json()["errors"]}


def test_ids_are_1_to_200_characters_without_whitespace(client: TestClient) -> None:
    assert fields(client.post("/v1/events", json=[started(event_id="e" * 201)])) == {"event_id"}
    long_iid = started(interaction_id="i" * 201)
    assert fields(client.post("/v1/events", json=[long_iid])) == {"interaction_id"}
    assert fields(client.post("/v1/events", json=[started(event_id="a b")])) == {"event_id"}
    assert client.get("/v1/interactions").json()["total"] == 0  # nothing of them was stored
    ok = client.post("/v1/events", json=[started(event_id="e" * 200, interaction_id="i" * 200)])
    assert ok.status_code == 200 and ok.json()["applied"] == 1, ok.text


def test_text_is_at_most_20000_characters(client: TestClient) -> None:
    assert client.post("/v1/events", json=[started()]).status_code == 200
    assert fields(client.post("/v1/events", json=[said("x" * 20_001)])) == {"text"}
    ok = client.post("/v1/events", json=[said("x" * 20_000)])
    assert ok.status_code == 200 and ok.json()["applied"] == 1, ok.text


def test_a_webhook_line_longer_than_the_limit_is_clipped(client: TestClient) -> None:
    call = {
        "call_id": "CA-long",
        "events": [
            {"id": "1", "type": "call.started"},
            {"id": "2", "type": "transcript", "speaker": "customer", "text": "y" * 25_000},
        ],
    }
    response = client.post("/v1/channels/voice", json=call)
    assert response.status_code == 200 and response.json()["applied"] == 2, response.text
    timeline = client.get("/v1/interactions/call:CA-long").json()["timeline"]
    [line] = [e for e in timeline if e["type"] == "utterance"]
    text = line["body"]["text"]
    assert len(text) == 20_000 and text.endswith("…")


def test_occurred_at_may_be_unix_epoch_seconds(client: TestClient) -> None:
    response = client.post("/v1/events", json=[started(at=1_764_878_400)])
    assert response.status_code == 200, response.text
    detail = client.get("/v1/interactions/call-lim").json()
    assert detail["started_at"].startswith("2025-12-04T20:00:00")
    for n, at in enumerate(["1764878400", 1_764_878_400_000, 1_764_878_400.5]):
        ok = client.post("/v1/events", json=[started(f"s-{n}", f"call-{n}", at=at)])
        assert ok.status_code == 200, ok.text
        when = client.get(f"/v1/interactions/call-{n}").json()["started_at"]
        assert when.startswith("2025-12-04T20:00:00"), when
    assert fields(client.post("/v1/events", json=[started("s2", "call-2", at=-5)])) == {
        "occurred_at"
    }
