"""Server errors the schemathesis sweep and the corpus found, one plain test each.

Each request here once answered a 500 (or, on a WebSocket, never closed); each must now be a
clear 4xx naming the problem, with nothing applied.
"""

from __future__ import annotations

import json

import pytest
from tests.hostile.conftest import Hostile, close_of

WITNESS = "hostile-call-0"
TOO_BIG_FOR_SQLITE = 2**63  # one past a signed 64-bit integer
TOO_BIG_FOR_POSTGRES = 2**31  # one past PostgreSQL's INTEGER


def _fields(answer: object) -> list[str]:
    body = answer.json()  # type: ignore[attr-defined]
    return [e["field"] for e in body.get("errors", [])]


def test_identity_lookup_with_an_overlong_value_is_422(hostile: Hostile) -> None:
    answer = hostile.client.get("/v1/customers", params={"identity": "phone:" + "0" * 330})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "invalid_request"
    assert any(f.startswith("query.identity") for f in _fields(answer)), answer.text


@pytest.mark.parametrize("value", [TOO_BIG_FOR_SQLITE, TOO_BIG_FOR_POSTGRES, -(2**63) - 1])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/customers/{id}", None),
        ("POST", "/v1/customers/{id}/merge", {"from_customer_id": 1}),
        ("GET", "/v1/messages/{id}", None),
        ("POST", "/v1/messages/{id}/expire", None),
        ("GET", "/v1/playbooks/{id}", None),
        ("GET", "/v1/playbooks/{id}/revisions", None),
        ("PATCH", "/v1/feedback/actions/{id}", {}),
        ("PATCH", "/v1/outreach/rules/{id}", {}),
    ],
)
def test_an_id_out_of_the_column_range_is_422(
    hostile: Hostile, method: str, path: str, body: object, value: int
) -> None:
    answer = hostile.client.request(method, path.format(id=value), json=body)
    assert answer.status_code == 422, answer.text
    assert "path" in json.dumps(answer.json()), answer.text


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/agents", {"offset": TOO_BIG_FOR_SQLITE}),
        ("/v1/interactions", {"offset": TOO_BIG_FOR_SQLITE}),
        ("/v1/interactions", {"customer_id": TOO_BIG_FOR_POSTGRES}),
        ("/v1/outreach/tasks", {"rule_id": -(2**63)}),
        ("/v1/customers", {"offset": TOO_BIG_FOR_SQLITE}),
    ],
)
def test_a_query_number_out_of_range_is_422(
    hostile: Hostile, path: str, params: dict[str, int]
) -> None:
    answer = hostile.client.get(path, params=params)
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == [f"query.{next(iter(params))}"], answer.text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/customers/1/merge", {"from_customer_id": TOO_BIG_FOR_SQLITE}, "from_customer_id"),
        ("/v1/feedback/actions", {"theme_id": TOO_BIG_FOR_POSTGRES, "title": "x"}, "theme_id"),
        ("/v1/agents", {"external_id": "a-big", "name": "A", "tenure_months": 2**40}, "tenure"),
    ],
)
def test_a_body_number_out_of_range_is_422(
    hostile: Hostile, path: str, body: dict[str, object], field: str
) -> None:
    answer = hostile.client.post(path, json=body)
    assert answer.status_code == 422, answer.text
    assert any(field in f for f in _fields(answer)), answer.text


def test_a_nul_in_text_is_refused_not_a_server_error(hostile: Hostile) -> None:
    """PostgreSQL cannot store NUL in text; SQLite can. Either way, no 500."""
    answer = hostile.client.post("/v1/queues", json={"name": "nul\u0000queue"})
    assert answer.status_code in (201, 422), answer.text
    if answer.status_code == 422:
        assert answer.json()["error"] == "unstorable_value"
        assert "NUL" in answer.json()["message"]
    tasks = hostile.client.get("/v1/outreach/tasks", params={"kind": "\u0000"})
    assert tasks.status_code in (200, 422), tasks.text


@pytest.mark.parametrize("occurred_at", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_time_that_does_not_exist_in_utc_is_422(hostile: Hostile, occurred_at: str) -> None:
    before = hostile.event_count(WITNESS)
    event = {
        "type": "utterance",
        "event_id": f"reg-{occurred_at[:4]}",
        "interaction_id": WITNESS,
        "occurred_at": occurred_at,
        "speaker": "customer",
        "text": "when?",
    }
    answer = hostile.client.post("/v1/events", json=event)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "occurred_at"
    assert "UTC" in answer.json()["errors"][0]["message"]
    chat = {
        "conversation_id": "reg-chat-utc",
        "started_at": occurred_at,
        "visitor": {"id": "v-reg"},
        "messages": [{"id": "m1", "role": "visitor", "text": "hi", "sent_at": occurred_at}],
    }
    assert hostile.client.post("/v1/channels/chat", json=chat).status_code == 422
    assert hostile.event_count(WITNESS) == before


@pytest.mark.parametrize("path", ["/v1/events", "/v1/channels/chat", "/v1/channels/social"])
def test_json_nested_too_deeply_is_400(hostile: Hostile, path: str) -> None:
    answer = hostile.client.post(
        path, content=b"[" * 100_000 + b"]" * 100_000, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400, answer.text
    assert "nested too deeply" in answer.json()["message"]


def test_a_media_stream_for_an_id_with_a_nul_is_closed_not_left_hanging(
    hostile: Hostile,
) -> None:
    start = {
        "event": "start",
        "start": {
            "streamSid": "MZreg",
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": {"interaction_id": "nul\u0000id"},
        },
    }
    with hostile.client.websocket_connect("/v1/media/twilio") as ws:
        ws.send_text(json.dumps(start))
        code, reason = close_of(ws)
    assert code == 1007 and "interaction_id" in reason
