"""HTTP routes: the audit log."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from kairos.deps import DbSession, PageDep, check_period, read_page
from kairos.limits import Moment
from kairos.security import audit
from kairos.security.deps import SecurityDep, SupervisorDep
from kairos.security.schemas import AuditList, AuditOut

router = APIRouter(prefix="/v1", tags=["security"])


@router.get(
    "/audit",
    response_model=AuditList,
    responses={403: {"description": "not a supervisor or admin"}},
)
async def list_audit(
    caller: SupervisorDep,
    security: SecurityDep,
    session: DbSession,
    page: PageDep,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    actor_kind: Literal["user_token", "source_token", "session", "anonymous"] | None = None,
    action: Literal["read", "change"] | None = None,
    resource_kind: Annotated[str | None, Query(max_length=30)] = None,
    resource_id: Annotated[str | None, Query(max_length=200)] = None,
    since: Moment | None = None,
    until: Moment | None = None,
) -> AuditList:
    """Who read or changed what, newest first; rows queued a moment ago are written first."""
    check_period(since, until)
    await run_in_threadpool(security.flush)
    total, rows = await read_page(
        audit.get_all, page, session=session, actor=actor, actor_kind=actor_kind, action=action,
        resource_kind=resource_kind, resource_id=resource_id, since=since, until=until,
    )  # fmt: skip
    return AuditList(total=total, items=[AuditOut.model_validate(r) for r in rows])
