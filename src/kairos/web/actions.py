"""Page actions on one interaction: reply (a supervisor's reply takes a chat over), transfer with
context, escalate to a call, wrap up, keep the customer's contact preference. Each checks the
CSRF token and that the user may open the interaction, calls the owning service, and goes back
to the page with a notice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kairos.auth import service as auth_service
from kairos.auth.csrf import check_csrf
from kairos.auth.deps import CurrentUser, PageForbidden, PageInvalid, PageNotFound
from kairos.auth.schemas import Principal
from kairos.customers import consent
from kairos.customers.schemas import ContactPreferenceIn
from kairos.deps import RuntimeDep
from kairos.errors import ClientError
from kairos.events import Event, InteractionEnded, Outcome, Transfer, Utterance
from kairos.interactions import ingesting
from kairos.interactions import service as interaction_service
from kairos.interactions.schemas import EscalationIn
from kairos.outcomes import base_rate, calibration
from kairos.outcomes import service as outcome_service
from kairos.outcomes.schemas import WrapUpIn
from kairos.routing import escalation
from kairos.services import Services
from kairos.web.rendering import back, flash

router = APIRouter(include_in_schema=False)


def _event_id(interaction_id: str, what: str) -> str:
    return f"{interaction_id}-web-{what}-{uuid.uuid4().hex[:12]}"


async def _ingest(runtime: Services, events: list[Event]) -> None:
    await run_in_threadpool(ingesting.ingest, runtime, events)


async def may_act(
    request: Request,
    csrf_token: str,
    runtime: Services,
    principal: Principal,
    interaction_id: str | None = None,
    *,
    admin: bool = False,
) -> None:
    """Refuse a form without the session's CSRF token, or from a user who may not open the
    interaction (every action checks both, in this order); ``admin``: from anyone but an admin
    (a change to the centre's settings)."""
    check_csrf(request, csrf_token)
    if admin and principal.role != "admin":
        raise PageForbidden("only an admin may change the centre's settings")
    if interaction_id is None:
        return

    def check() -> None:
        with runtime.db.session() as session:
            interaction = interaction_service.get_by_external_id(
                session=session, interaction_id=interaction_id
            )
            if interaction is None:
                raise PageNotFound(f"no interaction {interaction_id!r}")
            if not auth_service.can_open(principal=principal, interaction=interaction):
                raise PageForbidden(f"interaction {interaction_id} is not yours")

    await run_in_threadpool(check)


@router.post("/interactions/{interaction_id}/reply")
async def reply(
    request: Request,
    interaction_id: str,
    runtime: RuntimeDep,
    principal: CurrentUser,
    text: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Send the agent's reply (a supervisor's reply takes the chat over)."""
    await may_act(request, csrf_token, runtime, principal, interaction_id)
    text = text.strip()
    asynchronous = request.headers.get("x-kairos-async") == "1"
    if not text:
        if asynchronous:
            return JSONResponse({"error": "empty", "message": "Write a reply first."}, 422)
        flash(request, "Write a reply first.", "error")
        return back(f"/interactions/{interaction_id}")
    event = Utterance(
        event_id=_event_id(interaction_id, "reply"),
        interaction_id=interaction_id,
        occurred_at=datetime.now(UTC),
        speaker="agent",
        text=text[:20_000],
        agent_id=principal.agent_id or principal.username,
    )
    try:
        await _ingest(runtime, [event])
    except ClientError as exc:
        if asynchronous:
            return JSONResponse(exc.body(), exc.status_code)
        flash(request, exc.message, "error")
    if asynchronous:  # sent from the page without leaving it: the live stream shows the rest
        return JSONResponse({"event_id": event.event_id}, 202)
    return back(f"/interactions/{interaction_id}")


@router.post("/interactions/{interaction_id}/transfer")
async def transfer(
    request: Request,
    interaction_id: str,
    runtime: RuntimeDep,
    principal: CurrentUser,
    queue: str = Form(""),
    note: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Transfer to a queue with the agent's note; the facts and assessment go with it."""
    await may_act(request, csrf_token, runtime, principal, interaction_id)
    if not queue.strip():
        flash(request, "Choose a queue to transfer to.", "error")
        return back(f"/interactions/{interaction_id}")
    context = note.strip() or "transferred from the desktop"
    event = Transfer(
        event_id=_event_id(interaction_id, "transfer"),
        interaction_id=interaction_id,
        occurred_at=datetime.now(UTC),
        to_queue=queue.strip()[:100],
        reason=f"{context} (by {principal.username})"[:500],
    )
    try:
        await _ingest(runtime, [event])
    except ClientError as exc:
        flash(request, exc.message, "error")
        return back(f"/interactions/{interaction_id}")
    flash(request, f"Transferred {interaction_id} to {queue} with your note.")
    return back("/desktop" if principal.role == "agent" else "/wallboard")


@router.post("/interactions/{interaction_id}/escalate")
async def escalate(
    request: Request,
    interaction_id: str,
    runtime: RuntimeDep,
    principal: CurrentUser,
    phone: str = Form(""),
    note: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Escalate a chat, SMS, email or social thread to an outbound call that carries it."""
    await may_act(request, csrf_token, runtime, principal, interaction_id)
    try:
        escalation_in = EscalationIn(
            agent_id=principal.agent_id or principal.username,
            phone=phone.strip() or None,
            note=note.strip()[:2000] or None,
        )
        out = await run_in_threadpool(
            escalation.escalate,
            runtime=runtime,
            interaction_id=interaction_id,
            escalation_in=escalation_in,
        )
    except ValidationError as exc:
        flash(request, f"Cannot escalate: {exc.errors()[0]['msg']}.", "error")
    except ClientError as exc:
        flash(request, f"Cannot escalate: {exc.message}.", "error")
    else:
        flash(request, f"Escalated: call {out.interaction_id} to {out.phone} is in {out.queue}.")
    return back(f"/interactions/{interaction_id}")


@router.post("/interactions/{interaction_id}/wrap-up")
async def wrap_up(
    request: Request,
    interaction_id: str,
    runtime: RuntimeDep,
    principal: CurrentUser,
    resolved: str = Form(""),
    confirmed: str = Form(""),
    note: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """End the contact if it is still open, and record the outcome the agent gives."""
    await may_act(request, csrf_token, runtime, principal, interaction_id)
    if resolved not in ("yes", "no"):
        flash(request, "Say whether the contact was resolved.", "error")
        return back(f"/interactions/{interaction_id}")
    is_resolved, is_confirmed = resolved == "yes", confirmed == "yes"
    try:
        if await run_in_threadpool(_still_open, runtime, interaction_id):
            ended = InteractionEnded(
                event_id=_event_id(interaction_id, "end"),
                interaction_id=interaction_id,
                occurred_at=datetime.now(UTC),
                outcome=Outcome(
                    resolved=is_resolved,
                    customer_confirmed=is_confirmed,
                    disposition="wrapped up on the desktop",
                ),
            )
            await _ingest(runtime, [ended])
        await run_in_threadpool(
            outcome_service.wrap_up,
            db=runtime.db,
            bus=runtime.bus,
            interaction_id=interaction_id,
            wrap_up_in=WrapUpIn(
                resolved=is_resolved,
                confirmed_by_customer=is_confirmed,
                note=note.strip()[:2000] or None,
                agent_id=principal.agent_id or principal.username,
            ),
        )
    except ClientError as exc:
        flash(request, f"Cannot wrap up: {exc.message}.", "error")
        return back(f"/interactions/{interaction_id}")
    outcome = "resolved" if is_resolved else "not resolved"
    flash(request, f"Wrapped up {interaction_id}: {outcome}.")
    return back(f"/interactions/{interaction_id}")


@router.post("/interactions/{interaction_id}/contact-preference")
async def contact_preference(
    request: Request,
    interaction_id: str,
    runtime: RuntimeDep,
    principal: CurrentUser,
    proactive: str = Form(""),
    channels_off: list[str] = Form([]),
    csrf_token: str = Form(""),
) -> Response:
    """Set what proactive contact the customer of this interaction agrees to, as they asked."""
    await may_act(request, csrf_token, runtime, principal, interaction_id)
    page = f"/interactions/{interaction_id}"
    try:
        change = ContactPreferenceIn(
            proactive=proactive != "off",
            channels_off=channels_off,  # checked by the model: an unknown channel is refused
            updated_by=principal.username,
        )
    except ValidationError:
        flash(request, "Choose channels from the list.", "error")
        return back(page)
    customer_id = await run_in_threadpool(_customer_of, runtime, interaction_id)
    if customer_id is None:
        flash(request, "An anonymous contact has no preference to keep.", "error")
        return back(page)
    await run_in_threadpool(
        consent.update, db=runtime.db, bus=runtime.bus, customer_id=customer_id, change=change,
        source="desktop",
    )  # fmt: skip
    if not change.proactive:
        said = "no proactive contact at all"
    elif change.channels_off:
        said = "no proactive contact by " + ", ".join(sorted(change.channels_off))
    else:
        said = "proactive contact allowed"
    flash(request, f"Contact preference saved: {said}.")
    return back(page)


def _customer_of(runtime: Services, interaction_id: str) -> int | None:
    with runtime.db.session() as session:
        interaction = interaction_service.get_by_external_id(
            session=session, interaction_id=interaction_id
        )
        return interaction.customer_id if interaction is not None else None


def _still_open(runtime: Services, interaction_id: str) -> bool:
    with runtime.db.session() as session:
        interaction = interaction_service.get_by_external_id(
            session=session, interaction_id=interaction_id
        )
        return interaction is not None and interaction.state != "ended"


@router.post("/wallboard/calibration/base-rate/{rate}")
async def apply_base_rate(
    request: Request,
    rate: str,
    runtime: RuntimeDep,
    principal: CurrentUser,
    csrf_token: str = Form(""),
) -> Response:
    """An admin applies a base rate from the calibration page: written to ``.env`` (the path
    names the rate, so the audit log keeps it), effective when the server and workers restart."""
    await may_act(request, csrf_token, runtime, principal, admin=True)
    value = base_rate.parse(rate)
    if value is None:
        raise PageInvalid(
            f"{rate[:40]!r} is not a base rate: give a number from "
            f"{calibration.LOWEST_RATE} to {calibration.HIGHEST_RATE}; nothing was changed"
        )
    await run_in_threadpool(base_rate.write_setting, base_rate.ENV_FILE, value)
    flash(request, f"Wrote {base_rate.SETTING}={value} to .env; it takes effect when the server "
          "and workers restart.")  # fmt: skip
    if (set_there := base_rate.overridden()) is not None:
        flash(request, f"{base_rate.SETTING} is also set in the environment ({set_there}), which "
              "wins over .env: change it there.", "error")  # fmt: skip
    return back("/wallboard/calibration")
