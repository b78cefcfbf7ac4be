"""When tokens are required: who may ingest, who may read, and what stays open to everyone."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from starlette.websockets import WebSocketDisconnect
from tests.channels.conftest import AUTH_TOKEN
from tests.channels.webhook_support import post_sms, sign, twilio_form
from tests.security.conftest import AppFactory, assign, bearer
from tests.web.floor import chat_events, login

from kairos import migrations
from kairos.auth.models import User
from kairos.bus import MemoryBus
from kairos.config import Settings
from kairos.main import create_app
from kairos.runtime import Runtime


def test_tokens_are_required_in_production_by_default() -> None:
    secret = "a-real-secret-for-production"
    assert Settings(environment="production", secret_key=secret).tokens_required
    assert not Settings(environment="development").tokens_required
    assert Settings(environment="development", require_tokens=True).tokens_required
    assert not Settings(
        environment="production", secret_key=secret, require_tokens=False
    ).tokens_required


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/interactions"), ("POST", "/v1/events"), ("GET", "/v1/customers"),
     ("POST", "/v1/channels/chat"), ("GET", "/v1/agents"), ("GET", "/v1/audit")],
)  # fmt: skip
def test_no_token_is_a_401_with_a_bearer_challenge(
    secured: TestClient, method: str, path: str
) -> None:
    response = secured.request(method, path, json=[])
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "unauthorized"
    assert "Bearer" in response.json()["message"]
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    ["Bearer krs_" + "x" * 43, "Bearer not-a-token", "Basic YWRtaW46YWRtaW4=", "Bearer "],
)
def test_an_unknown_or_malformed_token_is_a_401(secured: TestClient, header: str) -> None:
    response = secured.get("/v1/interactions", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_a_source_token_sends_events_and_reads_nothing(
    secured: TestClient, tokens: dict[str, str]
) -> None:
    pbx = bearer(tokens["pbx"])
    assert secured.post("/v1/events", json=chat_events("c-1"), headers=pbx).status_code == 200
    chat = {
        "conversation_id": "c-2",
        "visitor": {"id": "v-9"},
        "messages": [{"id": "m1", "role": "visitor", "text": "hello"}],
    }
    assert secured.post("/v1/channels/chat", json=chat, headers=pbx).status_code == 200
    assert secured.get("/v1/channels/voice/ivr-menu", headers=pbx).status_code == 200
    for path in ("/v1/interactions", "/v1/interactions/c-1", "/v1/customers", "/v1/agents"):
        response = secured.get(path, headers=pbx)
        assert response.status_code == 403, path
        assert response.json()["error"] == "forbidden"
    # Read with a user's token: the source's events are there.
    listed = secured.get("/v1/interactions", headers=bearer(tokens["sue"])).json()
    assert {i["id"] for i in listed["items"]} == {"c-1", "chat:c-2"}


def test_ingestion_takes_a_source_or_an_admin_not_an_agent_or_supervisor(
    secured: TestClient, tokens: dict[str, str]
) -> None:
    for user in ("ava", "sue"):
        response = secured.post("/v1/events", json=chat_events("c-3"), headers=bearer(tokens[user]))
        assert response.status_code == 403, user
    root = bearer(tokens["root"])
    assert secured.post("/v1/events", json=chat_events("c-3"), headers=root).status_code == 200


def test_agents_are_kept_to_what_the_desktop_needs(
    secured: TestClient, tokens: dict[str, str]
) -> None:
    ava = bearer(tokens["ava"])
    assert secured.get("/v1/agents/agent-ava", headers=ava).status_code == 200
    assert secured.get("/v1/agents/agent-ben", headers=ava).status_code == 403
    assert (
        secured.post("/v1/agents/agent-ben/state", json={"state": "away"}, headers=ava).status_code
        == 403
    )
    assert secured.get("/v1/playbooks", headers=ava).status_code == 200
    assert secured.get("/v1/messages", headers=ava).status_code == 200
    for path in ("/v1/agents", "/v1/outcomes/today", "/v1/routing/decisions", "/v1/audit",
                 "/v1/supervision/alerts", "/v1/customers/conflicts"):  # fmt: skip
        assert secured.get(path, headers=ava).status_code == 403, path
    assert (
        secured.post("/v1/queues", json={"name": "q", "channel": "chat"}, headers=ava).status_code
        == 403
    )
    sue = bearer(tokens["sue"])
    for path in ("/v1/agents", "/v1/outcomes/today", "/v1/routing/decisions", "/v1/audit"):
        assert secured.get(path, headers=sue).status_code == 200, path


def test_open_paths_and_pages_keep_their_behaviour(
    secured: TestClient, tokens: dict[str, str]
) -> None:
    for path in ("/healthz", "/metrics", "/openapi.json", "/docs", "/login"):
        assert secured.get(path).status_code == 200, path
    assert secured.get("/desktop", follow_redirects=False).status_code == 303
    secured.post("/v1/events", json=chat_events("c-4"), headers=bearer(tokens["pbx"]))
    link = secured.get("/v1/interactions/c-4/survey-link", headers=bearer(tokens["sue"]))
    assert link.status_code == 200
    token = link.json()["token"]
    assert secured.get(f"/v1/surveys/{token}").status_code == 200
    assert secured.post(f"/v1/surveys/{token}", json={"csat": 5}).status_code == 201


def test_a_signed_in_page_session_reads_the_api(
    secured: TestClient, tokens: dict[str, str]
) -> None:
    secured.post("/v1/events", json=chat_events("c-5"), headers=bearer(tokens["pbx"]))
    login(secured, "sue")
    assert secured.get("/v1/interactions/c-5").status_code == 200
    # A session is a user: it may not send events unless it is an admin's.
    assert secured.post("/v1/events", json=chat_events("c-6")).status_code == 403


def test_media_streams_take_a_source_token_in_the_header_or_the_query(
    secured: TestClient, tokens: dict[str, str]
) -> None:
    for headers, code in (({}, 4401), (bearer(tokens["ava"]), 4403)):
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            secured.websocket_connect("/v1/media/pcm", headers=headers),
        ):
            pass
        assert refused.value.code == code
    secured.post("/v1/events", json=chat_events("call-1"), headers=bearer(tokens["pbx"]))
    for kwargs in ({"headers": bearer(tokens["pbx"])}, {}):
        query = "" if kwargs else f"&token={tokens['pbx']}"
        url = f"/v1/media/pcm?interaction_id=call-1{query}"
        with secured.websocket_connect(url, **kwargs) as ws:  # type: ignore[arg-type]
            ws.send_json({"event": "start", "sample_rate": 16000})
            ws.send_json({"event": "stop"})
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_text()
            assert closed.value.code == 1000


def test_when_not_required_anyone_may_call_but_a_token_is_still_checked(
    app_client: AppFactory, tokens: dict[str, str]
) -> None:
    with app_client(require_tokens=False) as client:
        assert client.post("/v1/events", json=chat_events("c-7")).status_code == 200
        assert client.get("/v1/interactions").status_code == 200
        bad = client.get("/v1/interactions", headers=bearer("krs_" + "y" * 43))
        assert bad.status_code == 401
        source_read = client.get("/v1/interactions", headers=bearer(tokens["pbx"]))
        assert source_read.status_code == 403
        # An agent's token still scopes what it reads: c-7 is no one's yet.
        mine = client.get("/v1/interactions", headers=bearer(tokens["ava"])).json()
        assert mine == {"total": 0, "items": []}
        assert client.get("/v1/interactions/c-7", headers=bearer(tokens["ava"])).status_code == 404


def test_an_agent_whose_routing_agent_is_gone_sees_nothing(
    app_client: AppFactory, tokens: dict[str, str], runtime: Runtime
) -> None:
    with app_client(require_tokens=True, token_cache_s=0) as client:
        assign(client, tokens, "c-8", "agent-ava", "+14155550101")
        ava = bearer(tokens["ava"])
        assert client.get("/v1/interactions/c-8", headers=ava).status_code == 200
        with runtime.db.session() as session:  # the routing agent removed: the link is cleared
            session.execute(update(User).where(User.username == "ava").values(agent_id=None))
            session.commit()
        assert client.get("/v1/interactions/c-8", headers=ava).status_code == 404
        assert client.get("/v1/interactions", headers=ava).json()["total"] == 0
        assert client.get("/v1/customers", headers=ava).json()["total"] == 0


def test_the_sms_webhook_may_prove_itself_with_twilios_signature(
    app_client: AppFactory, tokens: dict[str, str], runtime: Runtime
) -> None:
    form = twilio_form("SM" + "e" * 32, "my flight was cancelled")
    settings = runtime.settings.model_copy(
        update={"require_tokens": True, "twilio_auth_token": AUTH_TOKEN}
    )
    signed = Runtime.build(settings, bus=MemoryBus())
    try:
        with TestClient(create_app(settings, runtime=signed)) as client:
            assert post_sms(client, form, sign(form)).status_code == 200
            assert post_sms(client, form, "forged").status_code == 403  # the view's own check
            assert post_sms(client, form, None).status_code == 401  # no signature, no token
    finally:
        signed.close()
    with app_client(require_tokens=True) as client:  # no Twilio auth token: a token it is
        assert post_sms(client, form, sign(form)).status_code == 401
        headers = {"Content-Type": "application/x-www-form-urlencoded", **bearer(tokens["pbx"])}
        answer = client.post("/v1/channels/sms", content=urlencode(form), headers=headers)
        assert answer.status_code == 200


def test_without_a_database_a_token_check_is_a_503_not_a_500(
    sqlite_url: str, tmp_path: Path
) -> None:
    migrations.upgrade(sqlite_url)
    settings = Settings(database_url=sqlite_url, require_tokens=True)
    gone = Runtime.build(settings, bus=MemoryBus())
    try:
        with TestClient(create_app(settings, runtime=gone)) as client:
            gone.db.dispose()
            (tmp_path / "kairos.db").rename(tmp_path / "moved.db")
            (tmp_path / "kairos.db").mkdir()  # SQLite cannot open a folder: no database
            response = client.get("/v1/interactions", headers=bearer("krs_" + "z" * 43))
            assert response.status_code == 503, response.text
            assert response.json()["error"] == "unavailable"
            assert response.headers["Retry-After"] == "2"
    finally:
        gone.close()
