"""Sign-in, sessions, CSRF and roles through the pages (TestClient)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.web.floor import PASSWORD, chat_events, csrf_of, login

from kairos.auth import service
from kairos.auth.schemas import UserCreate
from kairos.errors import ClientError, Conflict, NotFound
from kairos.runtime import Runtime


def _assign(client: TestClient, interaction_id: str, agent: str) -> None:
    assert client.post("/v1/events", json=chat_events(interaction_id)).status_code == 200
    response = client.post(f"/v1/agents/{agent}/next")
    assert response.json()["decision"]["interaction_id"] == interaction_id


def test_passwords_are_stored_as_argon2id_hashes(runtime: Runtime) -> None:
    with runtime.db.session() as session:
        user = service.get_by_username(session=session, username="ava")
        assert user is not None
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
    assert service.verify_password(user.password_hash, PASSWORD)
    assert not service.verify_password(user.password_hash, PASSWORD + "!")
    assert not service.verify_password("not a hash", PASSWORD)


def test_a_wrong_password_is_refused_and_a_right_one_signs_in(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    wrong = client.post(
        "/login", data={"username": "ava", "password": "nope-nope", "csrf_token": token}
    )
    assert wrong.status_code == 401
    assert "Wrong username or password" in wrong.text
    unknown = client.post(
        "/login", data={"username": "nobody", "password": PASSWORD, "csrf_token": token}
    )
    assert unknown.status_code == 401
    assert client.get("/desktop", follow_redirects=False).status_code == 303

    login(client, "ava")
    assert client.get("/", follow_redirects=False).headers["location"] == "/desktop"
    page = client.get("/desktop")
    assert page.status_code == 200
    assert "Ava Moreno" in page.text


def test_each_role_lands_on_its_page(client: TestClient) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    login(client, "sue")
    assert client.get("/", follow_redirects=False).headers["location"] == "/wallboard"
    assert client.get("/wallboard").status_code == 200


def test_login_without_the_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "ava", "password": PASSWORD})
    assert response.status_code == 403
    assert "security token" in response.text
    assert client.get("/desktop", follow_redirects=False).status_code == 303


def test_a_form_with_a_stale_token_changes_nothing(client: TestClient, runtime: Runtime) -> None:
    login(client, "ava")
    response = client.post("/desktop/state", data={"state": "away", "csrf_token": "forged"})
    assert response.status_code == 403
    assert client.get("/v1/agents/agent-ava").json()["state"] == "available"


def test_login_never_redirects_to_another_site(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post(
            "/login",
            data={"username": "ava", "password": PASSWORD, "csrf_token": token, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"
        token = csrf_of(client.get("/login").text)


def test_signing_out_ends_the_session(client: TestClient) -> None:
    token = login(client, "ava")
    assert (
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    response = client.get("/desktop", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/desktop"


def test_pages_need_a_session(client: TestClient) -> None:
    redirect = client.get("/wallboard", follow_redirects=False)
    assert redirect.status_code == 303
    assert redirect.headers["location"] == "/login?next=/wallboard"
    assert client.get("/wallboard/panels").status_code == 401
    assert client.get("/live/events").status_code == 401


def test_agents_may_not_see_the_wallboard_nor_supervisors_the_desktop(client: TestClient) -> None:
    login(client, "ava")
    assert client.get("/wallboard").status_code == 403
    assert client.get("/wallboard/panels").status_code == 403
    client.cookies.clear()
    token = login(client, "sue")
    assert client.get("/desktop").status_code == 403
    assert client.post("/desktop/next", data={"csrf_token": token}).status_code == 403


def test_an_agent_opens_only_what_routing_gave_them(client: TestClient) -> None:
    _assign(client, "chat-ava", "agent-ava")
    _assign(client, "chat-ben", "agent-ben")
    token = login(client, "ava")
    assert client.get("/interactions/chat-ava").status_code == 200
    refused = client.get("/interactions/chat-ben")
    assert refused.status_code == 403
    assert "not yours" in refused.text
    assert "recital" not in refused.text
    assert client.get("/interactions/chat-ben/panels").status_code == 403
    assert client.get("/interactions/no-such-chat").status_code == 404
    # Nor may she act on it: nothing reaches the other agent's interaction.
    before = client.get("/v1/interactions/chat-ben").json()["event_count"]
    reply = client.post("/interactions/chat-ben/reply", data={"text": "hello", "csrf_token": token})
    assert reply.status_code == 403
    assert client.get("/v1/interactions/chat-ben").json()["event_count"] == before


def test_a_supervisor_sees_their_teams_and_an_admin_everything(client: TestClient) -> None:
    _assign(client, "chat-ava", "agent-ava")
    _assign(client, "chat-ben", "agent-ben")
    login(client, "sue")  # supervises the north team: Ava
    assert client.get("/interactions/chat-ava").status_code == 200
    assert client.get("/interactions/chat-ben").status_code == 403
    board = client.get("/wallboard").text
    assert 'data-agent="agent-ava"' in board
    assert 'data-agent="agent-ben"' not in board
    client.cookies.clear()
    login(client, "root")
    assert client.get("/interactions/chat-ben").status_code == 200
    assert 'data-agent="agent-ben"' in client.get("/wallboard").text


def test_users_are_created_with_checks(runtime: Runtime) -> None:
    with pytest.raises(ClientError, match="must name the routing agent"):
        service.create(
            db=runtime.db, user_in=UserCreate(username="eve", password=PASSWORD, role="agent")
        )
    with pytest.raises(NotFound):
        service.create(
            db=runtime.db,
            user_in=UserCreate(username="eve", password=PASSWORD, role="agent", agent_id="ghost"),
        )
    with pytest.raises(Conflict):
        service.create(
            db=runtime.db, user_in=UserCreate(username="sue", password=PASSWORD, role="admin")
        )
    out = service.create(
        db=runtime.db,
        user_in=UserCreate(
            username="max", password=PASSWORD, role="supervisor", teams=["north", "south"]
        ),
    )
    assert out.teams == ["north", "south"]
    assert out.display_name == "max"


def test_an_inactive_user_cannot_sign_in(client: TestClient, runtime: Runtime) -> None:
    with runtime.db.session() as session:
        user = service.get_by_username(session=session, username="ava")
        assert user is not None
        user.active = False
        session.commit()
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "ava", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 401
