"""Page actions: a person's verdict on the MoT flag, from the interaction page (an agent on their
own contact, a supervisor on their teams'), the wallboard's alerts and the missed-moments list.
Each is checked as every page action is (``web/actions.py``'s ``may_act``)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kairos.auth.csrf import check_csrf
from kairos.auth.deps import CurrentSupervisor, CurrentUser, PageNotFound
from kairos.auth.schemas import Principal
from kairos.deps import RuntimeDep
from kairos.errors import ClientError
from kairos.limits import RowId
from kairos.outcomes import verdicts
from kairos.outcomes.verdict_schemas import VerdictIn
from kairos.routing.models import AlertRecord
from kairos.services import Services
from kairos.web.actions import may_act
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
    runtime: Services,
    principal: Principal,
    interaction_id: str,
    form: tuple[str, str],
    page: str,
    alert_id: int | None = None,
) -> Response:
    """Check the form as every page action does (:func:`kairos.web.actions.may_act`: the CSRF
    token, then whether the user may open the contact, a 403 page if not), store the verdict
    (``form``: the verdict and the CSRF token), say what was recorded (or why not) on ``page``
    and go back to it."""
    verdict, csrf_token = form
    await may_act(request, csrf_token, runtime, principal, interaction_id)
    agent = None if principal.supervises else principal.agent_id or ""
    try:
        verdict_in = VerdictIn.model_validate({"verdict": verdict, "alert_id": alert_id})
        out = await run_in_threadpool(
            verdicts.create, db=runtime.db, interaction_id=interaction_id, verdict_in=verdict_in,
            given_by=principal.username, role="supervisor" if principal.supervises else "agent",
            agent_id=agent,
        )  # fmt: skip
    except ClientError as exc:
        flash(request, f"Verdict not recorded: {exc.message}.", "error")
    except ValueError:
        flash(request, "Verdict not recorded: say “moment” or “not_moment”.", "error")
    else:
        flash(request, f"Recorded: {interaction_id} was {_SAID[out.reading]}.")
    return back(page)


@router.post("/interactions/{interaction_id}/verdict")
async def interaction_verdict(
    request: Request,
    interaction_id: str,
    runtime: RuntimeDep,
    principal: CurrentUser,
    verdict: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """An agent's or supervisor's verdict from the interaction page."""
    page = f"/interactions/{interaction_id}"
    return await _give(request, runtime, principal, interaction_id, (verdict, csrf_token), page)


@router.post("/wallboard/alerts/{alert_id}/verdict")
async def alert_verdict(
    request: Request,
    alert_id: RowId,
    runtime: RuntimeDep,
    principal: CurrentSupervisor,
    verdict: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """A supervisor's verdict on the contact an alert was raised on."""
    check_csrf(request, csrf_token)  # before the alert is looked up, as for any action

    def contact() -> str:
        with runtime.db.session() as session:
            alert = session.get(AlertRecord, alert_id)
            if alert is None:
                raise PageNotFound(f"no alert {alert_id}")
            return alert.interaction_id

    interaction_id = await run_in_threadpool(contact)
    form = (verdict, csrf_token)
    return await _give(request, runtime, principal, interaction_id, form, "/wallboard", alert_id)


@router.post("/wallboard/missed/{interaction_id}/verdict")
async def missed_verdict(
    request: Request,
    interaction_id: str,
    runtime: RuntimeDep,
    principal: CurrentSupervisor,
    verdict: str = Form(""),
    back_to: str = Form("/wallboard/missed"),
    csrf_token: str = Form(""),
) -> Response:
    """A supervisor's verdict on a contact of the missed-moments list."""
    page = back_to if back_to.startswith("/wallboard/missed") else "/wallboard/missed"
    return await _give(request, runtime, principal, interaction_id, (verdict, csrf_token), page)
