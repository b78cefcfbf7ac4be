"""Who is calling (a token, a page session, or no one), and tokens and audit rows as shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from kairos.auth.schemas import Principal

ActorKind = Literal["user_token", "source_token", "session", "anonymous"]
TokenKind = Literal["source", "user"]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who made a request: an event source's token, a user (by token or page session), or no one.

    ``user`` is the principal a user token or session acts as; ``token_id`` identifies the token;
    ``source`` is a source token's event source (its name unless it was given one).
    """

    name: str
    kind: ActorKind
    user: Principal | None = None
    token_id: int | None = None
    source: str | None = None

    @property
    def is_source(self) -> bool:
        """An event source's token."""
        return self.kind == "source_token"

    @property
    def role(self) -> str | None:
        """The user's role (agent, supervisor, admin), None for sources and anonymous callers."""
        return self.user.role if self.user is not None else None

    @property
    def is_admin(self) -> bool:
        """A user with the admin role."""
        return self.role == "admin"

    @property
    def supervises(self) -> bool:
        """A supervisor or admin: reads every interaction and customer."""
        return self.user is not None and self.user.supervises


ANONYMOUS = Caller(name="anonymous", kind="anonymous")


class TokenOut(BaseModel):
    """A token as listed: never the token itself, nor its hash."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    kind: TokenKind
    user: str | None
    source: str | None = None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    """A new token: the only time the token is shown."""

    token: str


class AuditOut(BaseModel):
    """One audit row."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    actor_kind: str
    action: Literal["read", "change"]
    method: str
    path: str
    resource_kind: str | None
    resource_id: str | None
    status: int
    client: str | None


class AuditList(BaseModel):
    """A page of audit rows, newest first, and how many match in all."""

    total: int
    items: list[AuditOut]
