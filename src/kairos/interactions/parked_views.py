"""HTTP route: the events waiting for their interactions' starts (``parking``), for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from kairos.access import current_actor
from kairos.deps import DbSession, SettingsDep
from kairos.errors import Forbidden
from kairos.interactions import parking
from kairos.interactions.schemas import ParkedEventList
from kairos.limits import Int64

router = APIRouter(prefix="/v1", tags=["interactions"])


@router.get(
    "/parked-events",
    response_model=ParkedEventList,
    responses={403: {"description": "not an admin"}},
)
async def list_parked_events(
    request: Request,
    session: DbSession,
    settings: SettingsDep,
    interaction_id: Annotated[str | None, Query(max_length=200)] = None,
    source: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> ParkedEventList:
    """Events that arrived before their interaction's start and wait for it, longest first."""
    actor = current_actor(request)
    if actor is None or not actor.admin:
        # Which sender delivers out of order is the integration's business: its admin's.
        raise Forbidden("the parked events are for admins: send an admin's token")
    total, rows = await run_in_threadpool(
        parking.get_all,
        session=session,
        interaction_id=interaction_id,
        source=source,
        limit=limit,
        offset=offset,
    )
    hold_s = settings.early_event_hold_s
    return ParkedEventList(total=total, items=[parking.parked_out(r, hold_s=hold_s) for r in rows])
