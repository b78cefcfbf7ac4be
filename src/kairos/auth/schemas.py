"""Models for users: a new user, a user as shown, and the signed-in principal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from kairos.redaction.inbound import Inbound

Role = Literal["agent", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("agent", "supervisor", "admin")

Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$"
    ),
]
TeamName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class UserCreate(Inbound):
    """A new user; an agent names the routing agent they are (its external id)."""

    model_config = ConfigDict(extra="forbid")
    verbatim = frozenset({"username", "password", "role", "agent_id", "teams"})

    username: Username
    password: Annotated[str, StringConstraints(min_length=8, max_length=200)]
    role: Role
    display_name: Annotated[str, StringConstraints(max_length=200)] | None = None
    agent_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    teams: list[TeamName] = []


class UserOut(BaseModel):
    """A user as shown: never the password hash."""

    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str
    role: str
    agent_id: str | None
    teams: list[str]
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is signed in, and what they may see.

    ``agent_id`` is the routing agent's external id (agents); ``team_agents`` the external ids of
    the agents in the supervisor's teams; an admin sees everything (``sees_all``).
    """

    user_id: int
    username: str
    display_name: str
    role: Role
    agent_id: str | None = None
    teams: tuple[str, ...] = ()
    team_agents: frozenset[str] = frozenset()

    @property
    def sees_all(self) -> bool:
        """An admin sees every agent and interaction."""
        return self.role == "admin"

    @property
    def supervises(self) -> bool:
        """A supervisor or admin: the wallboard, key messages, playbooks, take-over."""
        return self.role in ("supervisor", "admin")

    def sees_agent(self, agent_id: str | None) -> bool:
        """Whether this user may see the work of ``agent_id`` (None: not yet with an agent)."""
        if self.sees_all:
            return True
        if self.role == "agent":
            return agent_id is not None and agent_id == self.agent_id
        # A supervisor who took a waiting chat over holds it under their own name.
        return agent_id is None or agent_id in self.team_agents or agent_id == self.username
