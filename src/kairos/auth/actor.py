"""Who is making a change through the JSON API, for the record (``updated_by``, ``created_by``).

A browser signed in to the pages (the signed session cookie) is that user: a supervisor or admin
may change playbooks and key messages, an agent may not (403). Other API clients, which the API
admits without sign-in like the rest of ``/v1``, may name themselves in the ``X-Kairos-User``
header; the name is recorded as given.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from kairos.deps import RuntimeDep
from kairos.errors import ClientError


class Forbidden(ClientError):
    """The signed-in user's role may not do this."""

    status_code = 403
    code = "forbidden"


async def supervising_actor(
    request: Request,
    runtime: RuntimeDep,
    x_kairos_user: Annotated[str | None, Header(max_length=200)] = None,
) -> str | None:
    """The name to record for a supervisor's change; 403 for a signed-in agent."""
    if "session" in request.scope:
        from kairos.auth.deps import SESSION_USER, load_principal

        user_id = request.session.get(SESSION_USER)
        if user_id is not None:
            principal = await run_in_threadpool(load_principal, runtime, user_id)
            if principal is not None:
                if not principal.supervises:
                    raise Forbidden("only a supervisor or an admin may change this")
                return principal.username
    named = (x_kairos_user or "").strip()
    return named or None


SupervisingActor = Annotated[str | None, Depends(supervising_actor)]
