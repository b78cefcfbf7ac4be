"""The demo's sign-ins: a supervisor for the wallboard and one agent user per simulated agent.

The simulated agents of :mod:`kairos.demo.live` keep taking work through the routing API; signing
in as one of them shows that agent's desktop, live, and lets a person reply in its place.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from kairos.auth import service as auth_service
from kairos.auth.schemas import Role, UserCreate
from kairos.db import Database
from kairos.errors import Conflict

#: The demo's one password: a demo on a laptop, never a deployment.
DEMO_PASSWORD = "kairos-demo"
DEMO_TEAM = "floor"


@dataclass(frozen=True)
class Login:
    """A demo sign-in to print."""

    username: str
    role: Role
    agent_id: str | None


def demo_logins(*, with_agents: bool) -> list[Login]:
    """The sign-ins the demo creates: the supervisor, an admin, and the simulated agents."""
    logins = [Login("supervisor", "supervisor", None), Login("admin", "admin", None)]
    if with_agents:
        from kairos.demo.live import AGENTS

        logins += [Login(a[0].removeprefix("demo-"), "agent", a[0]) for a in AGENTS]
    return logins


def create_demo_users(database_url: str, *, with_agents: bool) -> list[Login]:
    """Create the demo's users (kept when an earlier run made them); what can sign in."""
    db = Database(database_url)
    try:
        for login in demo_logins(with_agents=with_agents):
            # Kept when an earlier run on this database made it.
            with contextlib.suppress(Conflict):
                auth_service.create(
                    db=db,
                    user_in=UserCreate(
                        username=login.username,
                        password=DEMO_PASSWORD,
                        role=login.role,
                        agent_id=login.agent_id,
                        teams=[DEMO_TEAM] if login.role != "admin" else [],
                    ),
                )
    finally:
        db.dispose()
    return demo_logins(with_agents=with_agents)
