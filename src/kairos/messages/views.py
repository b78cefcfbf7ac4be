"""HTTP routes for key messages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kairos.auth.actor import SupervisingActor
from kairos.deps import BusDep, DatabaseDep, DbSession
from kairos.limits import Int64, RowId
from kairos.messages import service
from kairos.messages.schemas import KeyMessageIn, KeyMessageList, KeyMessageOut

router = APIRouter(prefix="/v1", tags=["messages"])


@router.get("/messages", response_model=KeyMessageList)
def list_messages(
    session: DbSession,
    include_expired: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> KeyMessageList:
    """Key messages, newest first: the active ones, or all with ``include_expired``."""
    total, items = service.get_all(
        session=session, include_expired=include_expired, limit=limit, offset=offset
    )
    return KeyMessageList(total=total, items=items)


@router.post("/messages", response_model=KeyMessageOut, status_code=201)
def post_message(
    message_in: KeyMessageIn, db: DatabaseDep, bus: BusDep, actor: SupervisingActor
) -> KeyMessageOut:
    """Post a key message (supervisors); every matching open interaction is told at once."""
    return service.create(db=db, bus=bus, message_in=message_in, created_by=actor)


@router.get("/messages/{message_id}", response_model=KeyMessageOut)
def get_message(message_id: RowId, session: DbSession) -> KeyMessageOut:
    """One key message, active or not."""
    return service.get_or_raise(session=session, message_id=message_id)


@router.post("/messages/{message_id}/expire", response_model=KeyMessageOut)
def expire_message(
    message_id: RowId, db: DatabaseDep, bus: BusDep, actor: SupervisingActor
) -> KeyMessageOut:
    """Expire a key message now (supervisors); 409 if it is no longer active."""
    return service.expire(db=db, bus=bus, message_id=message_id, expired_by=actor)


@router.get("/interactions/{interaction_id}/messages", response_model=list[KeyMessageOut])
def interaction_messages(interaction_id: str, session: DbSession) -> list[KeyMessageOut]:
    """The active key messages that concern this interaction, most severe first."""
    return service.matching(session=session, interaction_id=interaction_id)
