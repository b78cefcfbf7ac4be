"""Page actions: a person's verdict on the MoT flag, from the interaction page (an agent on their
own contact, a supervisor on any), the wallboard's alerts and the missed-moments list."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kairos.auth.csrf import check_csrf
from kairos.auth.deps import CurrentSupervisor, CurrentUser
from kairos.auth.schemas import Principal
from kairos.db import Database
from kairos.deps import DatabaseDep
from kairos.errors import ClientError, NotFound
from kairos.limits import RowId
from kairos.outcomes import verdicts
from kairos.outcomes.verdict_schemas import VerdictIn
from kairos.routing.models import AlertRecord
from kairos.web.rendering import back, flash

router = APIRouter(include_in_schema=False)

_SAID = {
    "confirmed": "a moment of truth, as flagged",
    "false_flag": "not a moment of truth (a false flag)",
    "missed": "a missed moment of truth",
    "routine": "not a moment of truth",
}


async def _give(
    request: Request,
    db: Database,
    principal: Principal,
    interaction_id: str,
    verdict: str,
    alert_id: int | None = None,
) -> None:
    """Store the verdict and say what was recorded (or why not) on the next page."""
    agent = None if principal.supervises else principal.agent_id or ""
    try:
        verdict_in = VerdictIn.model_validate({"verdict": verdict, "alert_id": alert_id})
        out = await run_in_threadpool(
            verdicts.create, db=db, interaction_id=interaction_id, verdict_in=verdict_in,
            given_by=principal.username, role="supervisor" if principal.supervises else "agent",
            agent_id=agent,
        )  # fmt: skip
    except ClientError as exc:
        flash(request, f"Verdict not recorded: {exc.message}.", "error")
    except ValueError:
        flash(request, "Verdict not recorded: say “moment” or “not_moment”.", "error")
    else:
        flash(request, f"Recorded: {interaction_id} was {_SAID[out.reading]}.")


@router.post("/interactions/{interaction_id}/verdict")
async def interaction_verdict(
    request: Request,
    interaction_id: str,
    db: DatabaseDep,
    principal: CurrentUser,
    verdict: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """An agent's or supervisor's verdict from the interaction page."""
    check_csrf(request, csrf_token)
    await _give(request, db, principal, interaction_id, verdict)
    return back(f"/interactions/{interaction_id}")


@router.post("/wallboard/alerts/{alert_id}/verdict")
async def alert_verdict(
    request: Request,
    alert_id: RowId,
    db: DatabaseDep,
    principal: CurrentSupervisor,
    verdict: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """A supervisor's verdict on the contact an alert was raised on."""
    check_csrf(request, csrf_token)

    def contact() -> str:
        with db.session() as session:
            alert = session.get(AlertRecord, alert_id)
            if alert is None:
                raise NotFound(f"no alert {alert_id}")
            return alert.interaction_id

    try:
        interaction_id = await run_in_threadpool(contact)
    except ClientError as exc:
        flash(request, f"Verdict not recorded: {exc.message}.", "error")
    else:
        await _give(request, db, principal, interaction_id, verdict, alert_id)
    return back("/wallboard")


@router.post("/wallboard/missed/{interaction_id}/verdict")
async def missed_verdict(
    request: Request,
    interaction_id: str,
    db: DatabaseDep,
    principal: CurrentSupervisor,
    verdict: str = Form(""),
    back_to: str = Form("/wallboard/missed"),
    csrf_token: str = Form(""),
) -> Response:
    """A supervisor's verdict on a contact of the missed-moments list."""
    check_csrf(request, csrf_token)
    await _give(request, db, principal, interaction_id, verdict)
    return back(back_to if back_to.startswith("/wallboard/missed") else "/wallboard/missed")
