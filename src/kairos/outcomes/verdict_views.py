"""HTTP routes: verdicts on the moment-of-truth flag, and the calibration they feed."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool

from kairos.access import ScopeDep, current_actor
from kairos.auth.actor import SupervisingActor
from kairos.db import utcnow
from kairos.deps import DatabaseDep, DbSession, SettingsDep
from kairos.detection.semantic import configured_base_rate
from kairos.outcomes import base_rate, verdicts
from kairos.outcomes.verdict_schemas import CalibrationOut, VerdictIn, VerdictList, VerdictOut

router = APIRouter(prefix="/v1", tags=["outcomes"])


@router.post(
    "/interactions/{interaction_id}/verdicts",
    response_model=VerdictOut,
    status_code=201,
    responses={
        403: {"description": "an agent on a contact someone else handled"},
        404: {"description": "unknown interaction or alert"},
        409: {"description": "the alert was raised on another contact"},
    },
)
async def post_verdict(
    interaction_id: str,
    verdict_in: VerdictIn,
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    scope: ScopeDep,
    x_kairos_user: Annotated[str | None, Header(max_length=200)] = None,
) -> VerdictOut:
    """Say whether the contact was a moment of truth: ``not_moment`` on a flag is a false flag,
    ``moment`` on an unflagged contact a missed moment; stored with the score it has now."""
    actor = current_actor(request)
    if actor is not None:
        by, role = actor.name, "supervisor" if actor.supervises else "agent"
    else:
        named = "" if settings.tokens_required else (x_kairos_user or "").strip()
        by, role = named or "api", "api"
    agent = scope.agent_id if role == "agent" else None
    return await run_in_threadpool(
        verdicts.create, db=db, interaction_id=interaction_id, verdict_in=verdict_in,
        given_by=by, role=role, agent_id=agent,
    )  # fmt: skip


@router.get("/interactions/{interaction_id}/verdicts", response_model=VerdictList)
def list_interaction_verdicts(interaction_id: str, session: DbSession) -> VerdictList:
    """One contact's verdicts, newest first (the latest is the one that counts)."""
    total, items = verdicts.get_all(session=session, interaction_id=interaction_id, limit=1000)
    return VerdictList(total=total, items=items)


@router.get("/outcomes/verdicts", response_model=VerdictList)
def list_verdicts(
    session: DbSession,
    _actor: SupervisingActor,
    days: Annotated[int, Query(ge=1, le=366)] = 7,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> VerdictList:
    """Verdicts given in the last ``days`` days, newest first."""
    since = utcnow() - timedelta(days=days)
    total, items = verdicts.get_all(session=session, since=since, limit=limit, offset=offset)
    return VerdictList(total=total, items=items)


@router.get("/outcomes/calibration", response_model=CalibrationOut)
def get_calibration(
    session: DbSession,
    _actor: SupervisingActor,
    days: Annotated[int, Query(ge=1, le=366)] = 7,
) -> CalibrationOut:
    """The flag's precision and recall on the contacts people reviewed in the last ``days``
    days (95% Wilson intervals), and the ``KAIROS_MOT_BASE_RATE`` that would have made the
    flagged share match the truth (``kairos calibrate``)."""
    until, running = utcnow(), configured_base_rate()
    out = verdicts.calibrate(
        session=session, since=until - timedelta(days=days), until=until, base_rate=running
    )
    return out.model_copy(update={"applied_base_rate": base_rate.applied(running)})
