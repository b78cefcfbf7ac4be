"""Page routes for supervisors: the live wallboard and its panels."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kairos.assist import service as assist_service
from kairos.assist.schemas import SITUATIONS, PlaybookOut, PlaybookUpdate
from kairos.auth.csrf import check_csrf
from kairos.auth.deps import CurrentSupervisor, PageNotFound
from kairos.auth.schemas import Principal
from kairos.config import get_settings
from kairos.db import Database, utcnow
from kairos.deps import BusDep, DatabaseDep
from kairos.errors import ClientError, NotFound
from kairos.limits import RowId
from kairos.messages import service as message_service
from kairos.messages.schemas import KeyMessageIn
from kairos.outcomes import figures as outcome_figures
from kairos.outcomes import summaries, verdicts
from kairos.outcomes.schemas import MissedList, SummaryOut
from kairos.routing import service as routing_service
from kairos.web import board, driver_cache, extras, trends
from kairos.web.missed_charts import missed_charts
from kairos.web.rendering import back, flash, page, panels

router = APIRouter(include_in_schema=False)

#: Missed moments a page on the missed-moments page.
MISSED_PAGE = 50
#: The highest page number read as asked; any later page is the list's last, as one past its end.
MISSED_PAGES_MOST = 1_000_000

WALLBOARD_PANELS = {
    "panel-figures": "board/figures.html",
    "panel-queues": "board/queues.html",
    "panel-moments": "board/moments.html",
    "panel-alerts": "board/alerts.html",
    "panel-agents": "board/agents.html",
    "panel-keymessages": "board/keymessages.html",
}


def centre_timezone() -> str:
    """The contact centre's zone (KAIROS_CENTRE_TIMEZONE, else KAIROS_DEFAULT_TIMEZONE)."""
    return get_settings().centre_or_default_timezone


def _context(db: Database, principal: Principal) -> dict[str, Any]:
    zone = centre_timezone()
    with db.session() as session:
        wallboard = board.wallboard(session=session, principal=principal)
        wallboard.extras = extras.for_wallboard(session=session, timezone=zone)
        day = trends.day_trends(session=session, now=wallboard.now, timezone=zone)
        return {
            "drivers": driver_cache.drivers(db, zone),
            "board": wallboard,
            "trends": day,
            "charts": trends.charts(day),
            "centre_zone": zone,
            "moments_read": board.MOMENTS_READ,
        }


@router.get("/wallboard")
async def wallboard_page(
    request: Request, db: DatabaseDep, principal: CurrentSupervisor
) -> Response:
    """The supervisor's live wallboard."""
    context = await run_in_threadpool(_context, db, principal)
    return page(request, "wallboard.html", principal, context)


@router.get("/wallboard/panels")
async def wallboard_panels(
    request: Request, db: DatabaseDep, principal: CurrentSupervisor
) -> JSONResponse:
    """The wallboard's panels as HTML fragments and its charts, for live partial updates."""
    context = await run_in_threadpool(_context, db, principal)
    context["user"] = principal
    return JSONResponse(
        {"panels": panels(request, WALLBOARD_PANELS, context), "charts": context["charts"]}
    )


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _invalid(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


@router.post("/wallboard/messages")
async def post_key_message(
    request: Request,
    db: DatabaseDep,
    bus: BusDep,
    principal: CurrentSupervisor,
    title: str = Form(""),
    body: str = Form(""),
    cause: str = Form(""),
    expected_fix: str = Form(""),
    severity: str = Form("info"),
    queues: str = Form(""),
    reasons: str = Form(""),
    regions: str = Form(""),
    expires_in_minutes: int = Form(120, ge=1, le=366 * 24 * 60),
    csrf_token: str = Form(""),
) -> Response:
    """Post a key message to every matching interaction until it expires."""
    check_csrf(request, csrf_token)
    try:
        message_in = KeyMessageIn.model_validate(
            {
                "title": title,
                "body": body,
                "cause": cause.strip() or None,
                "expected_fix": expected_fix.strip() or None,
                "severity": severity,
                "queues": _split(queues),
                "reasons": _split(reasons),
                "regions": _split(regions),
                "expires_at": utcnow() + timedelta(minutes=max(1, expires_in_minutes)),
            }
        )
        out = await run_in_threadpool(
            message_service.create,
            db=db,
            bus=bus,
            message_in=message_in,
            created_by=principal.username,
        )
    except ValidationError as exc:
        flash(request, f"Key message not posted: {_invalid(exc)}.", "error")
    except ClientError as exc:
        flash(request, f"Key message not posted: {exc.message}.", "error")
    else:
        flash(request, f"Key message “{out.title}” posted.")
    return back("/wallboard")


@router.post("/wallboard/messages/{message_id}/expire")
async def expire_key_message(
    request: Request,
    message_id: RowId,
    db: DatabaseDep,
    bus: BusDep,
    principal: CurrentSupervisor,
    csrf_token: str = Form(""),
) -> Response:
    """Expire a key message now."""
    check_csrf(request, csrf_token)
    try:
        await run_in_threadpool(
            message_service.expire,
            db=db,
            bus=bus,
            message_id=message_id,
            expired_by=principal.username,
        )
    except ClientError as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, "Key message expired.")
    return back("/wallboard")


async def _mark(request: Request, db: Database, alert_id: int, by: str, what: str | None) -> None:
    try:
        await run_in_threadpool(
            routing_service.mark_alert, db=db, alert_id=alert_id, by=by, what=what
        )
    except ClientError as exc:
        flash(request, exc.message, "error")


@router.post("/wallboard/alerts/{alert_id}/seen")
async def alert_seen(
    request: Request,
    alert_id: RowId,
    db: DatabaseDep,
    principal: CurrentSupervisor,
    csrf_token: str = Form(""),
) -> Response:
    """Record that this supervisor saw an alert."""
    check_csrf(request, csrf_token)
    await _mark(request, db, alert_id, principal.username, None)
    return back("/wallboard")


@router.post("/wallboard/alerts/{alert_id}/acted")
async def alert_acted(
    request: Request,
    alert_id: RowId,
    db: DatabaseDep,
    principal: CurrentSupervisor,
    what: str = Form("acted", max_length=500),
    csrf_token: str = Form(""),
) -> Response:
    """Record that this supervisor is acting on an alert (assisting, taking over)."""
    check_csrf(request, csrf_token)
    await _mark(request, db, alert_id, principal.username, what.strip() or "acted")
    return back("/wallboard")


@router.get("/wallboard/missed")
async def missed_page(
    request: Request,
    db: DatabaseDep,
    principal: CurrentSupervisor,
    days: int = 1,
    page_number: Annotated[int, Query(alias="page")] = 1,
) -> Response:
    """The morning list: moments of truth missed or lost, with evidence; agents' scorecards.
    ``days``: the centre's days, today included (1: today since the centre's midnight, as the
    wallboard counts its day); ``page``: MISSED_PAGE moments a page, ``days`` kept."""
    days, zone = min(max(days, 1), 31), centre_timezone()

    def load() -> dict[str, Any]:
        now = utcnow()
        since = outcome_figures.centre_days(days, zone, now)
        # A supervisor reviews their own teams' agents; contacts no agent took stay visible.
        agents = None if principal.sees_all else {*principal.team_agents, principal.username}
        with db.session() as session:

            def listed(number: int) -> MissedList:
                return outcome_figures.missed_moments(
                    session=session, since=since, until=now, limit=MISSED_PAGE,
                    offset=(number - 1) * MISSED_PAGE, agents=agents,
                )  # fmt: skip

            # A page past any list's end reads as its last page; one past what the database's
            # offset holds (page=10**20) was an internal error (500) until 2026-12-07.
            number = min(max(page_number, 1), MISSED_PAGES_MOST)
            missed = listed(number)
            last = max(1, -(-missed.total // MISSED_PAGE))
            if number > last:  # past the end (the list got shorter): its last page
                number = last
                missed = listed(number)
            cards = outcome_figures.scorecards(session=session, since=since, until=now)
        cards = [c for c in cards if principal.sees_agent(c.agent_id)]
        with db.session() as session:
            charts = missed_charts(
                session=session, since=since, now=now, timezone=zone,
                sees_agent=principal.sees_agent,
            )  # fmt: skip
        ids = [m.review.interaction_id for m in missed.items]
        first = (number - 1) * MISSED_PAGE
        paging = {"number": number, "last": last, "first": first + 1 if missed.items else 0,
                  "to": first + len(missed.items)}  # fmt: skip
        with db.session() as session:
            said = verdicts.latest_by_interaction(session=session, interaction_ids=ids)
        return {"missed": missed, "cards": cards, "days": days, "charts": charts,
                "summaries": _summaries(db, ids), "paging": paging, "since": since,
                "centre_zone": zone, "verdicts": said}  # fmt: skip

    return page(request, "missed.html", principal, await run_in_threadpool(load))


def _summaries(db: Database, interaction_ids: list[str]) -> dict[str, SummaryOut]:
    """Each reviewed contact's written summary, for the review beside its evidence."""
    with db.session() as session:
        return summaries.summaries_for(session=session, interaction_ids=interaction_ids)


@router.get("/wallboard/playbooks")
async def playbooks_page(
    request: Request, db: DatabaseDep, principal: CurrentSupervisor
) -> Response:
    """Every playbook at a glance, read only: situation, what it applies to, actions, limits."""

    def load() -> list[PlaybookOut]:
        with db.session() as session:
            return assist_service.get_all_playbooks(session=session)

    playbooks = await run_in_threadpool(load)
    return page(
        request, "playbooks.html", principal, {"playbooks": playbooks, "situations": SITUATIONS}
    )


@router.get("/wallboard/playbooks/{playbook_id}")
async def playbook_editor(
    request: Request, playbook_id: RowId, db: DatabaseDep, principal: CurrentSupervisor
) -> Response:
    """One playbook's editor."""

    def load() -> PlaybookOut:
        with db.session() as session:
            try:
                return assist_service.get_or_raise(session=session, playbook_id=playbook_id)
            except NotFound as exc:
                raise PageNotFound(exc.message) from None

    playbook = await run_in_threadpool(load)
    return page(
        request, "playbook_edit.html", principal, {"pb": playbook, "situations": SITUATIONS}
    )


@router.post("/wallboard/playbooks/{playbook_id}")
async def save_playbook(
    request: Request,
    playbook_id: RowId,
    db: DatabaseDep,
    bus: BusDep,
    principal: CurrentSupervisor,
    title: str = Form(""),
    summary: str = Form(""),
    stakes: list[str] = Form([]),
    reasons: str = Form(""),
    cube: str = Form(""),
    actions: str = Form(""),
    steps: str = Form(""),
    wording: str = Form(""),
    version: RowId | None = Form(None),
    csrf_token: str = Form(""),
) -> Response:
    """Save a supervisor's edit of a playbook (refused over someone else's newer edit)."""
    check_csrf(request, csrf_token)
    empowered = []
    for line in _lines(actions):
        action, _, limit = line.partition("|")
        empowered.append({"action": action.strip(), "limit": limit.strip() or None})
    try:
        update = PlaybookUpdate.model_validate(
            {
                "title": title,
                "summary": summary,
                "stakes": stakes,
                "reasons": _split(reasons),
                "cube": cube.strip() or None,
                "actions": empowered,
                "steps": _lines(steps),
                "wording": _lines(wording),
                "version": version,
            }
        )
        out = await run_in_threadpool(
            assist_service.update_playbook,
            db=db,
            bus=bus,
            playbook_id=playbook_id,
            playbook_in=update,
            updated_by=principal.username,
        )
    except ValidationError as exc:
        flash(request, f"Playbook not saved: {_invalid(exc)}.", "error")
    except ClientError as exc:
        flash(request, f"Playbook not saved: {exc.message}.", "error")
    else:
        flash(request, f"Playbook “{out.title}” saved (version {out.version}).")
    return back(f"/wallboard/playbooks/{playbook_id}")
