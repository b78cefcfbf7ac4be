"""Dependencies: the caller the security middleware found, and what they may see (``ScopeDep``,
kept in :mod:`kairos.access` so that domains can use it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kairos.access import ScopeDep, current_scope
from kairos.errors import ClientError
from kairos.security.middleware import STATE_CALLER, Security
from kairos.security.schemas import ANONYMOUS, Caller

__all__ = [
    "CallerDep",
    "Forbidden",
    "ScopeDep",
    "SecurityDep",
    "SupervisorDep",
    "current_caller",
    "current_scope",
    "current_supervisor",
    "get_security",
]


class Forbidden(ClientError):
    """The caller may not do this."""

    status_code = 403
    code = "forbidden"


async def current_caller(request: Request) -> Caller:
    """Who is calling (anonymous when the middleware found no one)."""
    caller = getattr(request.state, STATE_CALLER, ANONYMOUS)
    return caller if isinstance(caller, Caller) else ANONYMOUS


async def current_supervisor(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    """A supervisor or admin, by token or session; anyone else gets a 403.

    Unlike the rest of the API this holds whether or not tokens are required: the audit log is
    never open to anonymous callers.
    """
    if not caller.supervises:
        raise Forbidden(
            "the audit log is for supervisors and admins: send a supervisor's or admin's token"
        )
    return caller


async def get_security(request: Request) -> Security:
    """The app's security layer (token cache, rate limiter, audit writer)."""
    security: Security = request.app.state.security
    return security


CallerDep = Annotated[Caller, Depends(current_caller)]
SupervisorDep = Annotated[Caller, Depends(current_supervisor)]
SecurityDep = Annotated[Security, Depends(get_security)]
