"""An event source's token reaches only its own source's interactions (and those no source
started): another source's are refused with 403, the whole request, nothing of it stored."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import started, utterance
from tests.security.conftest import AppFactory, bearer

from kairos.interactions.models import EventRecord, Interaction
from kairos.outcomes.models import SurveyAnswer
from kairos.runtime import Runtime
from kairos.security import tokens as token_service


@pytest.fixture
def sources(runtime: Runtime) -> dict[str, str]:
    """Two event sources' tokens: ``a`` (source crm-a) and ``b`` (source crm-b)."""
    return {
        "a": token_service.create(db=runtime.db, name="crm-a", kind="source").token,
        "b": token_service.create(db=runtime.db, name="crm-b", kind="source").token,
    }


@pytest.fixture
def client(app_client: AppFactory) -> Iterator[TestClient]:
    """Tokens required, and none cached (a revoked token stops at once)."""
    with app_client(require_tokens=True, token_cache_s=0) as made:
        yield made


def _stored(runtime: Runtime) -> tuple[int, int, int]:
    """(interactions, events, surveys) stored."""
    with runtime.db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Interaction)) or 0,
            session.scalar(select(func.count()).select_from(EventRecord)) or 0,
            session.scalar(select(func.count()).select_from(SurveyAnswer)) or 0,
        )


def _source_of(runtime: Runtime, interaction_id: str) -> str | None:
    with runtime.db.session() as session:
        return session.scalar(
            select(Interaction.source).where(Interaction.external_id == interaction_id)
        )


def test_another_sources_interaction_is_refused_whole_and_stores_nothing(
    client: TestClient, runtime: Runtime, sources: dict[str, str]
) -> None:
    a, b = bearer(sources["a"]), bearer(sources["b"])
    first = client.post("/v1/events", json=[started("a-1"), utterance("a-1", "hello")], headers=a)
    assert first.status_code == 200, first.text
    assert _source_of(runtime, "a-1") == "crm-a"
    before = _stored(runtime)
    secret = "my card was charged twice"
    # B's batch starts its own interaction and writes to A's: all of it is refused.
    refused = client.post("/v1/events", json=[started("b-1"), utterance("a-1", secret)], headers=b)
    assert refused.status_code == 403, refused.text
    body = refused.json()
    assert body["error"] == "forbidden" and "another event source" in body["message"]
    assert "crm-a" not in refused.text and secret not in refused.text
    assert "hello" not in refused.text
    assert body["errors"][0]["index"] == 1
    assert _stored(runtime) == before
    assert _source_of(runtime, "b-1") is None
    # Starting an interaction under A's id, or resending A's event ids, is refused as well.
    for batch in ([started("a-1")], [utterance("a-1", "x", event_id="a-1-start")]):
        assert client.post("/v1/events", json=batch, headers=b).status_code == 403
    assert _stored(runtime) == before
    # A goes on writing to its own; B to its own.
    assert client.post("/v1/events", json=[utterance("a-1", "again")], headers=a).status_code == 200
    own = client.post("/v1/events", json=[started("b-1"), utterance("b-1", "hi")], headers=b)
    assert own.status_code == 200, own.text
    assert _source_of(runtime, "b-1") == "crm-b"


def test_another_sources_interaction_cannot_be_read_nor_answered(
    client: TestClient, runtime: Runtime, sources: dict[str, str]
) -> None:
    a, b = bearer(sources["a"]), bearer(sources["b"])
    assert client.post("/v1/events", json=[started("a-2")], headers=a).status_code == 200
    before = _stored(runtime)
    link = client.get("/v1/interactions/a-2/survey-link", headers=b)
    assert link.status_code == 403 and "crm-a" not in link.text and "token" not in link.json()
    survey = client.post("/v1/interactions/a-2/survey", json={"csat": 1}, headers=b)
    assert survey.status_code == 403, survey.text
    assert _stored(runtime) == before
    assert client.get("/v1/interactions/a-2/survey-link", headers=a).status_code == 200
    answered = client.post("/v1/interactions/a-2/survey", json={"csat": 5}, headers=a)
    assert answered.status_code == 201, answered.text


def test_a_rotated_token_with_the_same_source_keeps_access(
    client: TestClient, runtime: Runtime, sources: dict[str, str]
) -> None:
    a = bearer(sources["a"])
    assert client.post("/v1/events", json=[started("a-3")], headers=a).status_code == 200
    rotated = token_service.create(db=runtime.db, name="crm-a-2026", kind="source", source="crm-a")
    assert rotated.source == "crm-a"
    token_service.revoke(db=runtime.db, name="crm-a")
    assert client.post("/v1/events", json=[utterance("a-3", "x")], headers=a).status_code == 401
    new = bearer(rotated.token)
    answer = client.post("/v1/events", json=[utterance("a-3", "still mine")], headers=new)
    assert answer.status_code == 200, answer.text
    assert client.get("/v1/interactions/a-3/survey-link", headers=new).status_code == 200
    # What the rotated token starts carries the same source: the old name's interactions.
    assert client.post("/v1/events", json=[started("a-4")], headers=new).status_code == 200
    assert _source_of(runtime, "a-4") == "crm-a"
    # A token named like the source but of another source is not the same source.
    other = token_service.create(db=runtime.db, name="crm-a-fake", kind="source", source="x")
    refused = client.post("/v1/events", json=[utterance("a-4", "x")], headers=bearer(other.token))
    assert refused.status_code == 403


def test_interactions_no_source_started_stay_open_to_every_source(
    client: TestClient, runtime: Runtime, sources: dict[str, str], tokens: dict[str, str]
) -> None:
    # An admin's token (a user, not a source) starts it: no source is recorded.
    admin = client.post("/v1/events", json=[started("n-1")], headers=bearer(tokens["root"]))
    assert admin.status_code == 200, admin.text
    assert _source_of(runtime, "n-1") is None
    for token in sources.values():
        answer = client.post("/v1/events", json=[utterance("n-1", "hi")], headers=bearer(token))
        assert answer.status_code == 200, answer.text
    assert _source_of(runtime, "n-1") is None


def test_a_channel_webhook_is_scoped_like_the_events_api(
    client: TestClient, runtime: Runtime, sources: dict[str, str]
) -> None:
    first = {
        "conversation_id": "conv-a",
        "started_at": "2026-11-22T14:00:00Z",
        "visitor": {"id": "v-1", "name": "Jane"},
        "messages": [{"id": "m1", "role": "visitor", "text": "my flight was cancelled"}],
    }
    answer = client.post("/v1/channels/chat", json=first, headers=bearer(sources["a"]))
    assert answer.status_code == 200, answer.text
    assert _source_of(runtime, "chat:conv-a") == "crm-a"
    before = _stored(runtime)
    more = {"conversation_id": "conv-a", "messages": [{"id": "m2", "role": "visitor", "text": "?"}]}
    refused = client.post("/v1/channels/chat", json=more, headers=bearer(sources["b"]))
    assert refused.status_code == 403 and "crm-a" not in refused.text
    assert _stored(runtime) == before
    again = client.post("/v1/channels/chat", json=more, headers=bearer(sources["a"]))
    assert again.status_code == 200, again.text


def test_an_escalation_cannot_continue_another_sources_thread(
    client: TestClient, runtime: Runtime, sources: dict[str, str]
) -> None:
    a, b = bearer(sources["a"]), bearer(sources["b"])
    chat = started("a-chat", channel="chat")
    assert client.post("/v1/events", json=[chat], headers=a).status_code == 200
    before = _stored(runtime)
    call = started("b-call", escalation={"source": "a-chat"})
    refused = client.post("/v1/events", json=[call], headers=b)
    assert refused.status_code == 403, refused.text
    assert _stored(runtime) == before
    own = client.post("/v1/events", json=[started("a-call", escalation={"source": "a-chat"})],
                      headers=a)  # fmt: skip
    assert own.status_code == 200, own.text


def test_a_media_stream_reaches_only_its_own_sources_interactions(
    client: TestClient, runtime: Runtime, sources: dict[str, str]
) -> None:
    a = bearer(sources["a"])
    assert client.post("/v1/events", json=[started("a-call")], headers=a).status_code == 200
    start = json.dumps({"event": "start", "sample_rate": 8000})
    url = "/v1/media/pcm?interaction_id=a-call&token="
    with client.websocket_connect(url + sources["b"]) as ws:
        ws.send_text(start)
        closed = ws.receive()
    assert closed["type"] == "websocket.close" and closed["code"] == 4403
    assert "another event source" in closed["reason"] and "crm-a" not in closed["reason"]
    with client.websocket_connect(url + sources["a"]) as ws:
        ws.send_text(start)
        ws.send_text(json.dumps({"event": "stop"}))
        assert ws.receive()["code"] == 1000
