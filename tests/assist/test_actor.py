"""Who changes playbooks and key messages through the JSON API: a signed-in supervisor by name,
a signed-in agent refused, another client by the header it sends."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from kairos.auth import service as auth_service
from kairos.auth.schemas import UserCreate
from kairos.routing import service as routing_service
from kairos.routing.schemas import AgentCreate
from kairos.runtime import Runtime

PASSWORD = "correct horse battery"


def _csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert match, "no CSRF token on the sign-in page"
    return match.group(1)


def _sign_in(client: TestClient, username: str) -> None:
    """Sign in; API writes with the session then carry its CSRF token (issue 18)."""
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": _csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    client.headers["X-CSRF-Token"] = _csrf(client)


def _message() -> dict[str, str]:
    expires = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    return {"title": "Outage", "body": "Fibre cut", "expires_at": expires}


def test_signed_in_supervisor_is_recorded_and_agent_refused(
    client: TestClient, runtime: Runtime
) -> None:
    routing_service.create_agent(db=runtime.db, agent_in=AgentCreate(external_id="a-1", name="A"))
    for username, role, agent_id in (("sue", "supervisor", None), ("ava", "agent", "a-1")):
        user = UserCreate(username=username, password=PASSWORD, role=role, agent_id=agent_id)
        auth_service.create(db=runtime.db, user_in=user)

    # No session: the header names the caller.
    posted = client.post("/v1/messages", json=_message(), headers={"X-Kairos-User": "ops-bot"})
    assert posted.status_code == 201 and posted.json()["created_by"] == "ops-bot"

    _sign_in(client, "sue")
    # The session wins over a header that claims someone else.
    posted = client.post("/v1/messages", json=_message(), headers={"X-Kairos-User": "mallory"})
    assert posted.status_code == 201 and posted.json()["created_by"] == "sue"
    playbook = client.get("/v1/playbooks").json()[0]
    edit = {k: playbook[k] for k in ("title", "stakes", "reasons", "actions", "steps", "wording")}
    saved = client.put(f"/v1/playbooks/{playbook['id']}", json=edit)
    assert saved.status_code == 200 and saved.json()["updated_by"] == "sue"

    client.cookies.clear()
    client.headers.pop("X-CSRF-Token")
    _sign_in(client, "ava")
    refused = client.post("/v1/messages", json=_message())
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert client.put(f"/v1/playbooks/{playbook['id']}", json=edit).status_code == 403
    message_id = posted.json()["id"]
    assert client.post(f"/v1/messages/{message_id}/expire").status_code == 403
    # Reading stays open.
    assert client.get("/v1/messages").json()["total"] == 2
