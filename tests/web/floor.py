"""A small contact-center floor for page tests: queues, agents, users on two teams."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

from kairos.auth import service as auth_service
from kairos.auth.schemas import UserCreate
from kairos.db import Database
from kairos.routing import service as routing_service
from kairos.routing.schemas import AgentCreate, QueueCreate

PASSWORD = "correct horse battery"
MOT_TEXT = (
    "My flight to Denver was just cancelled and my daughter's recital is at 7 tonight, "
    "I am desperate, please help me"
)

#: username -> (role, routing agent, teams)
USERS: dict[str, tuple[str, str | None, list[str]]] = {
    "ava": ("agent", "agent-ava", ["north"]),
    "ben": ("agent", "agent-ben", ["south"]),
    "sue": ("supervisor", None, ["north"]),
    "root": ("admin", None, []),
}


def build_floor(db: Database) -> None:
    """One travel queue on chat, two agents, a supervisor of the north team, an admin."""
    routing_service.create_queue(
        db=db, queue_in=QueueCreate(name="travel", channel="chat", policy="moments")
    )
    routing_service.create_queue(db=db, queue_in=QueueCreate(name="claims", channel="chat"))
    for agent_id, name in (("agent-ava", "Ava Moreno"), ("agent-ben", "Ben Okafor")):
        routing_service.create_agent(
            db=db,
            agent_in=AgentCreate(
                external_id=agent_id,
                name=name,
                channels=["chat", "call"],
                max_concurrency=3,
                mot_certified=True,
                state="available",
            ),
        )
    for username, (role, agent, teams) in USERS.items():
        auth_service.create(
            db=db,
            user_in=UserCreate(
                username=username,
                password=PASSWORD,
                role=role,
                agent_id=agent,
                teams=teams,
            ),
        )


def csrf_of(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client: TestClient | httpx.Client, username: str, password: str = PASSWORD) -> str:
    """Sign in; the CSRF token of the new session."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/login").text)


def chat_events(
    interaction_id: str, text: str = MOT_TEXT, queue: str | None = "travel"
) -> list[Any]:
    """A chat that starts in a queue, with an account number keyed and the customer's words."""
    from tests.factories import at

    return [
        {
            "type": "interaction.started",
            "event_id": f"{interaction_id}-start",
            "interaction_id": interaction_id,
            "occurred_at": at(0),
            "channel": "chat",
            "queue": queue,
            "reason": "flight cancelled",
            "identities": [{"kind": "phone", "value": "+14155550123"}],
        },
        {
            "type": "ivr.input",
            "event_id": f"{interaction_id}-acct",
            "interaction_id": interaction_id,
            "occurred_at": at(1),
            "name": "account_number",
            "value": "AC-7731902",
            "verified": True,
        },
        {
            "type": "utterance",
            "event_id": f"{interaction_id}-u1",
            "interaction_id": interaction_id,
            "occurred_at": at(2),
            "speaker": "customer",
            "text": text,
        },
    ]
