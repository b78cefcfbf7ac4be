"""A migrated app with a small floor (two agents, a supervisor, an admin) and their tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web.floor import build_floor, chat_events

from kairos.main import create_app
from kairos.runtime import Runtime
from kairos.security import tokens as token_service

#: token name -> (kind, user)
TOKENS: dict[str, tuple[str, str | None]] = {
    "pbx": ("source", None),
    "ava": ("user", "ava"),
    "ben": ("user", "ben"),
    "sue": ("user", "sue"),
    "root": ("user", "root"),
}

AppFactory = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture
def runtime(runtime: Runtime) -> Runtime:
    """The shared runtime with the floor's users, teams and agents."""
    build_floor(runtime.db)
    return runtime


@pytest.fixture
def tokens(runtime: Runtime) -> dict[str, str]:
    """The floor's tokens by name: ``pbx`` an event source's, the others acting as users."""
    made: dict[str, str] = {}
    for name, (kind, user) in TOKENS.items():
        created = token_service.create(
            db=runtime.db,
            name=name,
            kind="source" if kind == "source" else "user",
            username=user,
        )
        made[name] = created.token
    return made


@pytest.fixture
def app_client(runtime: Runtime) -> AppFactory:
    """A client of an app on the floor's runtime, with settings changed as asked."""

    @contextmanager
    def make(**settings: Any) -> Iterator[TestClient]:
        changed = runtime.settings.model_copy(update=settings)
        with TestClient(create_app(changed, runtime=runtime)) as client:
            yield client

    return make


@pytest.fixture
def secured(app_client: AppFactory) -> Iterator[TestClient]:
    """Tokens required, as in production."""
    with app_client(require_tokens=True) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    """The header that carries a token."""
    return {"Authorization": f"Bearer {token}"}


def assign(client: TestClient, tokens: dict[str, str], interaction_id: str, agent: str,
           phone: str) -> None:  # fmt: skip
    """Start a chat from ``phone`` (as the event source) and route it to ``agent``."""
    events = chat_events(interaction_id)
    events[0]["identities"] = [{"kind": "phone", "value": phone}]
    response = client.post("/v1/events", json=events, headers=bearer(tokens["pbx"]))
    assert response.status_code == 200, response.text
    user = "ava" if agent == "agent-ava" else "ben"
    response = client.post(f"/v1/agents/{agent}/next", headers=bearer(tokens[user]))
    assert response.status_code == 200, response.text
    assert response.json()["decision"]["interaction_id"] == interaction_id
