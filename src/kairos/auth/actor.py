"""Who is making a change through the JSON API, for the record (``updated_by``, ``created_by``).

The name is the verified caller's, as the security middleware found it: a user's token or the
pages' session (a supervisor or admin may change playbooks and key messages, an agent may not:
403). The ``X-Kairos-User`` header is believed only where the API asks no credentials at all
(development, ``require_tokens`` off) and the request carried none; a verified caller's name
always wins over it, and in production it is never read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from kairos.access import current_actor
from kairos.deps import SettingsDep
from kairos.errors import ClientError


class Forbidden(ClientError):
    """The signed-in user's role may not do this."""

    status_code = 403
    code = "forbidden"


async def supervising_actor(
    request: Request,
    settings: SettingsDep,
    x_kairos_user: Annotated[str | None, Header(max_length=200)] = None,
) -> str | None:
    """The name to record for a supervisor's change; 403 for an agent."""
    actor = current_actor(request)
    if actor is not None:
        if actor.user and not actor.supervises:
            raise Forbidden("only a supervisor or an admin may change this")
        return actor.name
    if settings.tokens_required:
        return None
    named = (x_kairos_user or "").strip()
    return named or None


SupervisingActor = Annotated[str | None, Depends(supervising_actor)]
