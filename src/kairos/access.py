"""What a request may see: its data scope, as the security middleware found it.

Low in the layer order so that a domain's views can ask for the scope (``ScopeDep``) without
importing the security package, which sits above the domains it guards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from kairos.errors import Forbidden

#: Where the security middleware leaves the scope on ``request.state``.
STATE_SCOPE = "kairos_scope"
#: Where it leaves who it verified (a token's or a page session's user, or a source's token).
STATE_ACTOR = "kairos_actor"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who the security middleware verified: the name to record for what they change."""

    name: str
    supervises: bool
    user: bool
    #: An event source's token: its source, which the interactions it starts are tagged with.
    source: str | None = None
    #: A user with the admin role.
    admin: bool = False


def current_actor(request: HTTPConnection) -> Actor | None:
    """The verified caller, or None when the request carried no credentials."""
    actor = getattr(request.state, STATE_ACTOR, None)
    return actor if isinstance(actor, Actor) else None


async def current_admin(request: Request) -> Actor:
    """The caller, an admin; anyone else gets a 403 (with or without tokens required: what
    only an admin may see is never open to anonymous callers)."""
    actor = current_actor(request)
    if actor is None or not actor.admin:
        raise Forbidden(f"{request.url.path} is for admins: send an admin's token")
    return actor


AdminDep = Annotated[Actor, Depends(current_admin)]


@dataclass(frozen=True, slots=True)
class Scope:
    """What a request may see: ``agent_id`` set means only that agent's interactions.

    An agent user that is not linked to a routing agent sees nothing (``agent_id`` is "").
    """

    agent_id: str | None = None

    @property
    def restricted(self) -> bool:
        """Whether lists must be filtered to one agent's own."""
        return self.agent_id is not None


UNRESTRICTED = Scope()


async def current_scope(request: Request) -> Scope:
    """What the caller may see: one agent's own interactions, or everything."""
    scope = getattr(request.state, STATE_SCOPE, UNRESTRICTED)
    return scope if isinstance(scope, Scope) else UNRESTRICTED


ScopeDep = Annotated[Scope, Depends(current_scope)]
