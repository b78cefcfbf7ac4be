"""HTTP route: the events waiting for their interactions' starts (``parking``), for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kairos.access import AdminDep
from kairos.deps import DbSession, PageDep, SettingsDep, read_page
from kairos.interactions import parking
from kairos.interactions.schemas import ParkedEventList

router = APIRouter(prefix="/v1", tags=["interactions"])


@router.get(
    "/parked-events",
    response_model=ParkedEventList,
    responses={403: {"description": "not an admin"}},
)
async def list_parked_events(
    # Which sender delivers out of order is the integration's business: its admin's.
    admin: AdminDep,
    session: DbSession,
    settings: SettingsDep,
    page: PageDep,
    interaction_id: Annotated[str | None, Query(max_length=200)] = None,
    source: Annotated[str | None, Query(max_length=100)] = None,
) -> ParkedEventList:
    """Events that arrived before their interaction's start and wait for it, longest first."""
    total, rows = await read_page(
        parking.get_all, page, session=session, interaction_id=interaction_id, source=source
    )
    hold_s = settings.early_event_hold_s
    return ParkedEventList(total=total, items=[parking.parked_out(r, hold_s=hold_s) for r in rows])
