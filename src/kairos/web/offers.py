"""The desktop's answers to a pushed offer: accept (open the contact) or decline (it goes to the
next agent). The offer itself arrives on the page's live stream (``routing.offered``)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kairos.auth.csrf import check_csrf
from kairos.auth.deps import CurrentAgent
from kairos.deps import RuntimeDep
from kairos.errors import ClientError
from kairos.routing.offers import offers_of
from kairos.web.rendering import back, flash

router = APIRouter(include_in_schema=False)


@router.post("/desktop/offers/{offer_id}/accept")
async def accept_offer(
    request: Request,
    offer_id: str,
    runtime: RuntimeDep,
    principal: CurrentAgent,
    csrf_token: str = Form(""),
) -> Response:
    """Take the offered contact and open it."""
    check_csrf(request, csrf_token)
    book = offers_of(runtime)
    assert principal.agent_id is not None
    if book is None:
        flash(request, "Offers are off here: take the next interaction instead.", "error")
        return back("/desktop")
    try:
        decision = await run_in_threadpool(book.accept, offer_id, principal.agent_id)
    except ClientError as exc:
        flash(request, f"Cannot accept: {exc.message}.", "error")
        return back("/desktop")
    return back(f"/interactions/{decision.interaction_id}")


@router.post("/desktop/offers/{offer_id}/decline")
async def decline_offer(
    request: Request,
    offer_id: str,
    runtime: RuntimeDep,
    principal: CurrentAgent,
    csrf_token: str = Form(""),
) -> Response:
    """Pass on the offered contact: routing offers it to the next agent."""
    check_csrf(request, csrf_token)
    book = offers_of(runtime)
    assert principal.agent_id is not None
    if book is not None:
        try:
            await run_in_threadpool(book.decline, offer_id, principal.agent_id)
        except ClientError as exc:
            flash(request, f"Cannot decline: {exc.message}.", "error")
            return back("/desktop")
    flash(request, "Declined: it goes to the next agent.")
    return back("/desktop")
