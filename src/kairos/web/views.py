"""Page routes: the agent desktop, an interaction in hand (or drilled into), and the live stream.

Views parse the form, authorise, call the services and render; every form carries a CSRF token.
The wallboard's routes are in :mod:`kairos.web.wallboard`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kairos.auth import service as auth_service
from kairos.auth.csrf import check_csrf
from kairos.auth.deps import (
    SESSION_USER,
    CurrentAgent,
    CurrentUser,
    PageForbidden,
    PageNotFound,
    load_principal,
)
from kairos.auth.schemas import Principal
from kairos.db import Database
from kairos.deps import DatabaseDep, RuntimeDep, SettingsDep
from kairos.errors import ClientError, NotFound
from kairos.interactions import service as interaction_service
from kairos.outcomes import verdicts
from kairos.routing import leaving, live_next
from kairos.routing import service as routing_service
from kairos.routing.offers import offers_of
from kairos.routing.snapshots import AGENT_STATES
from kairos.web import desktop, extras, live
from kairos.web.rendering import back, flash, page, panels
from kairos.web.templating import plotly_js

router = APIRouter(include_in_schema=False)

INTERACTION_PANELS = {
    "panel-meta": "panels/meta.html",
    "panel-banner": "panels/banner.html",
    "panel-transcript": "panels/transcript.html",
    "panel-facts": "panels/facts.html",
    "panel-journey": "panels/journey.html",
    "panel-playbook": "panels/playbook.html",
    "panel-messages": "panels/messages.html",
    "panel-coaching": "panels/coaching.html",
    "panel-reply": "panels/reply.html",
    "panel-summary": "panels/summary.html",
    "panel-actions": "panels/actions.html",
}


@router.get("/")
async def home(request: Request, runtime: RuntimeDep) -> Response:
    """Sign in first; then agents go to their desktop, supervisors to the wallboard."""
    principal = await run_in_threadpool(load_principal, runtime, request.session.get(SESSION_USER))
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/desktop" if principal.role == "agent" else "/wallboard", 303)


@router.get("/static/vendor/plotly.min.js")
def plotly() -> Response:
    """Plotly's JavaScript, served from the installed plotly package (never copied, no CDN)."""
    path = plotly_js()
    if path is None:
        raise NotFound("the plotly package is not installed")
    return FileResponse(
        path, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
    )


# -- the agent desktop ------------------------------------------------------------------------


def _desktop_context(db: Database, principal: Principal) -> dict[str, Any]:
    assert principal.agent_id is not None
    with db.session() as session:
        agent = routing_service.get_agent_or_raise(session=session, agent_id=principal.agent_id)
        held = desktop.held_interactions(session=session, agent_id=principal.agent_id)
        return {"agent": agent, "held": held, "states": AGENT_STATES}


@router.get("/desktop")
async def desktop_page(request: Request, db: DatabaseDep, principal: CurrentAgent) -> Response:
    """The agent's desktop: state, the interactions in hand, take the next one."""
    context = await run_in_threadpool(_desktop_context, db, principal)
    return page(request, "desktop.html", principal, {**context, "view": None})


@router.get("/desktop/panels")
async def desktop_panels(
    request: Request, db: DatabaseDep, principal: CurrentAgent
) -> JSONResponse:
    """The desktop's side panel (state, what is in the agent's hands), for live updates."""
    context = await run_in_threadpool(_desktop_context, db, principal)
    context.update(user=principal, view=None)
    # The hint under "My desktop" follows the state too (it said "Set yourself available" to
    # an agent already available until 2026-12-07).
    chosen = {"panel-me": "panels/me.html", "panel-hint": "panels/desk_hint.html"}
    return JSONResponse(panels(request, chosen, context))


@router.post("/desktop/state")
async def set_state(
    request: Request,
    runtime: RuntimeDep,
    principal: CurrentAgent,
    state: str = Form(...),
    csrf_token: str = Form(""),
) -> Response:
    """Set the agent's state; away, their personal queue goes back to the queues it came from."""
    check_csrf(request, csrf_token)
    assert principal.agent_id is not None
    if state not in AGENT_STATES:
        flash(request, f"Unknown state {state!r}.", "error")
        return back("/desktop")
    try:
        await run_in_threadpool(
            routing_service.update_agent_state,
            db=runtime.db,
            bus=runtime.bus,
            agent_id=principal.agent_id,
            state=state,  # checked against AGENT_STATES above
        )
        if state == leaving.AWAY:
            await run_in_threadpool(leaving.hand_back, runtime, agent_id=principal.agent_id)
    except ClientError as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, f"You are {state.replace('_', ' ')}.")
    return back(_return_to(request, "/desktop"))


@router.post("/desktop/next")
async def take_next(
    request: Request,
    runtime: RuntimeDep,
    principal: CurrentAgent,
    csrf_token: str = Form(""),
) -> Response:
    """Ask routing for the next waiting interaction this agent should take."""
    check_csrf(request, csrf_token)
    assert principal.agent_id is not None
    try:
        decision, message = await run_in_threadpool(
            live_next.next_for_agent, runtime, agent_id=principal.agent_id
        )
    except ClientError as exc:
        flash(request, exc.message, "error")
        return back("/desktop")
    if decision is None:
        flash(request, f"Nothing to take: {message}.")
        return back("/desktop")
    return back(f"/interactions/{decision.interaction_id}")


def _return_to(request: Request, default: str) -> str:
    referer = request.headers.get("referer") or ""
    base = str(request.base_url)
    return "/" + referer[len(base) :] if referer.startswith(base) else default


# -- one interaction --------------------------------------------------------------------------


def _interaction_context(db: Database, principal: Principal, interaction_id: str) -> dict[str, Any]:
    with db.session() as session:
        interaction = interaction_service.get_by_external_id(
            session=session, interaction_id=interaction_id
        )
        if interaction is None:
            raise PageNotFound(f"no interaction {interaction_id!r}")
        if not auth_service.can_open(principal=principal, interaction=interaction):
            raise PageForbidden(
                f"interaction {interaction_id} is not yours: routing gave it to another agent"
            )
        view = desktop.interaction_view(session=session, interaction=interaction)
        view.extras = extras.for_interaction(session=session, view=view)
        context: dict[str, Any] = {
            "view": view,
            "queues": routing_service.get_all_queues(session=session),
            "verdict": verdicts.latest_by_interaction(
                session=session, interaction_ids=[interaction_id]
            ).get(interaction_id),
        }
        if principal.role == "agent" and principal.agent_id is not None:
            context["agent"] = routing_service.get_agent(
                session=session, agent_id=principal.agent_id
            )
            context["held"] = desktop.held_interactions(
                session=session, agent_id=principal.agent_id
            )
            context["states"] = AGENT_STATES
        return context


@router.get("/interactions/{interaction_id}")
async def interaction_page(
    request: Request, interaction_id: str, db: DatabaseDep, principal: CurrentUser
) -> Response:
    """The interaction in hand (agents) or drilled into (supervisors), live."""
    context = await run_in_threadpool(_interaction_context, db, principal, interaction_id)
    return page(request, "desktop.html", principal, context)


@router.get("/interactions/{interaction_id}/panels")
async def interaction_panels(
    request: Request, interaction_id: str, db: DatabaseDep, principal: CurrentUser
) -> JSONResponse:
    """The interaction's panels as HTML fragments, for the page's live partial updates."""
    context = await run_in_threadpool(_interaction_context, db, principal, interaction_id)
    context["user"] = principal
    chosen = dict(INTERACTION_PANELS)
    if context.get("agent") is not None:  # an agent's own side panel follows the work too
        chosen["panel-me"] = "panels/me.html"
    return JSONResponse(panels(request, chosen, context))


@router.get("/live/events")
async def live_events(
    request: Request,
    db: DatabaseDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    principal: CurrentUser,
    heartbeat: Annotated[float | None, Query(ge=0.5, le=60, allow_inf_nan=False)] = None,
) -> Response:
    """Server-sent events for this user's pages, filtered by role (``heartbeat``: seconds
    between keep-alive comments, 0.5 to 60)."""

    def held() -> list[str]:
        if principal.role != "agent" or principal.agent_id is None:
            return []
        with db.session() as session:
            rows = desktop.held_interactions(session=session, agent_id=principal.agent_id)
            return [i.external_id for i in rows]

    live_filter = live.LiveFilter(principal, await run_in_threadpool(held))
    frames = live.stream(
        runtime.bus,
        live_filter,
        heartbeat_s=heartbeat or max(0.5, min(settings.live_heartbeat_s, 60.0)),
        hello={"role": principal.role, "agent_id": principal.agent_id},
    )
    book = offers_of(runtime)
    if book is not None and principal.role == "agent" and principal.agent_id is not None:
        # An agent with a page open is present: routing pushes offers to them.
        frames = live.present(frames, book, principal.agent_id)
    return StreamingResponse(
        frames,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
