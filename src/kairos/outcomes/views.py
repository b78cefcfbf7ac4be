"""HTTP routes: wrap-up, day figures, reviews, missed moments, scorecards, feedback, outreach."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from kairos.auth.actor import SupervisingActor
from kairos.deps import (
    BusDep,
    DatabaseDep,
    DbSession,
    MetricsDep,
    RuntimeDep,
    SettingsDep,
    check_period,
)
from kairos.limits import Day, Int64, Moment, RowId
from kairos.outcomes import (
    drivers,
    feedback,
    figures,
    outreach,
    service,
    summaries,
    survey_links,
)
from kairos.outcomes.schemas import (
    ActionIn,
    ActionList,
    ActionOut,
    ActionUpdate,
    DayFigures,
    DriverList,
    DriverOut,
    MissedList,
    ReviewOut,
    RuleIn,
    RuleList,
    RuleOut,
    RuleUpdate,
    ScorecardList,
    SummaryOut,
    SurveyIn,
    SurveyLink,
    SurveyOut,
    TaskKind,
    TaskList,
    ThemeList,
    WrapUpIn,
    WrapUpOut,
)

router = APIRouter(prefix="/v1", tags=["outcomes"])


@router.post(
    "/interactions/{interaction_id}/wrap-up",
    response_model=WrapUpOut,
    responses={404: {"description": "unknown interaction"}, 409: {"description": "wrapped up"}},
)
async def post_wrap_up(
    interaction_id: str, wrap_up_in: WrapUpIn, db: DatabaseDep, bus: BusDep
) -> WrapUpOut:
    """Record the wrap-up: resolved, confirmed by the customer, a note; the same body is a no-op."""
    return await run_in_threadpool(
        service.wrap_up,
        db=db,
        bus=bus,
        interaction_id=interaction_id,
        wrap_up_in=wrap_up_in,
    )


@router.get("/interactions/{interaction_id}/review", response_model=ReviewOut)
def get_review(interaction_id: str, session: DbSession) -> ReviewOut:
    """The quality review of an ended interaction: moment of truth, outcome, behaviours."""
    return service.get_review(session=session, interaction_id=interaction_id)


@router.get("/interactions/{interaction_id}/summary", response_model=SummaryOut)
def get_summary(interaction_id: str, session: DbSession) -> SummaryOut:
    """The contact's written summary, extractive and offline: what the customer needed, what
    was done, what was promised and by when, what is still open; each sentence with its
    evidence (the utterance it was said in, and its place on the interaction's page)."""
    interaction = service.get_interaction_or_raise(session=session, interaction_id=interaction_id)
    return summaries.summary_for(session=session, interaction=interaction)


@router.post("/interactions/{interaction_id}/review", response_model=ReviewOut)
async def post_review(interaction_id: str, db: DatabaseDep, bus: BusDep) -> ReviewOut:
    """Review an ended interaction again now (reviews also run on their own at the end)."""
    return await run_in_threadpool(
        service.review_interaction, db=db, bus=bus, interaction_id=interaction_id
    )


@router.get("/outcomes/today", response_model=DayFigures)
def today(session: DbSession, settings: SettingsDep, day: Day | None = None) -> DayFigures:
    """The day's figures for the wallboard: today unless ``day`` is given, a day in the centre's
    zone (``KAIROS_CENTRE_TIMEZONE``, else ``KAIROS_DEFAULT_TIMEZONE``, else UTC)."""
    zone = settings.centre_or_default_timezone
    return figures.day_figures(session=session, day=day, timezone=zone)


@router.get("/outcomes/drivers", response_model=DriverList)
def contact_drivers(
    session: DbSession,
    settings: SettingsDep,
    days: Annotated[int, Query(ge=1, le=92)] = 7,
) -> DriverList:
    """What customers contact about over the last ``days`` days (days in the centre's zone,
    today included), from their first words in every channel: each driver named by its
    commonest phrase, with its volume, share of moments of truth and trend."""
    zone = settings.centre_or_default_timezone
    tz = ZoneInfo(zone)
    today = datetime.now(tz).date()
    since = datetime.combine(today - timedelta(days=days - 1), time(0), tzinfo=tz)
    until = datetime.combine(today + timedelta(days=1), time(0), tzinfo=tz)
    found = drivers.stored_drivers(session=session, since=since, until=until, timezone=zone)
    return DriverList(
        since=since,
        until=until,
        timezone=zone,
        contacts=sum(d.volume for d in found),
        items=[
            DriverOut(
                name=d.name, phrases=d.phrases, volume=d.volume, moments=d.moments,
                mot_share=round(d.mot_share, 4), trend=d.trend, per_day=d.per_day,
                examples=d.examples,
            )
            for d in found
        ],
    )  # fmt: skip


@router.get("/outcomes/missed", response_model=MissedList)
def missed(
    session: DbSession,
    settings: SettingsDep,
    since: Moment | None = None,
    until: Moment | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> MissedList:
    """The morning list of missed moments that started in the period (by default today, the
    centre's day, as the wallboard counts it), with evidence and spans; ``total`` counts them
    all, ``limit`` and ``offset`` page through them."""
    check_period(since, until)
    since = since or figures.centre_days(1, settings.centre_or_default_timezone)
    return figures.missed_moments(
        session=session, since=since, until=until, limit=limit, offset=offset
    )


@router.get("/outcomes/agents", response_model=ScorecardList)
def agents(
    session: DbSession,
    settings: SettingsDep,
    since: Moment | None = None,
    until: Moment | None = None,
) -> ScorecardList:
    """Agent scorecards (by default today, the centre's day): moments won, resolution and CSAT
    first; MoT handle time apart."""
    check_period(since, until)
    since = since or figures.centre_days(1, settings.centre_or_default_timezone)
    return ScorecardList(items=figures.scorecards(session=session, since=since, until=until))


# -- surveys and feedback -----------------------------------------------------------------------


@router.post("/interactions/{interaction_id}/survey", response_model=SurveyOut, status_code=201)
async def post_survey(
    interaction_id: str,
    survey_in: SurveyIn,
    runtime: RuntimeDep,
) -> SurveyOut:
    """A post-contact survey answer (CSAT 1–5, NPS 0–10, free text) tied to the interaction."""
    return await run_in_threadpool(
        feedback.record_survey,
        runtime=runtime,
        interaction_id=interaction_id,
        survey_in=survey_in,
        source="api",
    )


@router.get("/interactions/{interaction_id}/surveys", response_model=list[SurveyOut])
def list_surveys(interaction_id: str, session: DbSession) -> list[SurveyOut]:
    """The interaction's survey answers with the detector's reading of their text."""
    return feedback.get_surveys(session=session, interaction_id=interaction_id)


@router.get("/interactions/{interaction_id}/survey-link", response_model=SurveyLink)
def survey_link(interaction_id: str, session: DbSession, settings: SettingsDep) -> SurveyLink:
    """The signed link to send the customer after the contact: it takes one answer and expires
    after ``KAIROS_SURVEY_LINK_DAYS``; supervisors, admins and event sources may read it, never
    the agent who handled the contact."""
    service.get_interaction_or_raise(session=session, interaction_id=interaction_id)
    token = survey_links.survey_token(interaction_id, secret=settings.secret_key)
    base = settings.public_url.rstrip("/")
    return SurveyLink(interaction_id=interaction_id, token=token, url=f"{base}/v1/surveys/{token}")


_FORM = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>How did we do?</title>
<style>body{font:16px system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem}
fieldset{border:0;padding:0;margin:0 0 1rem}label{margin-right:.6rem}textarea{width:100%%}
button{font:inherit;padding:.4rem 1rem}</style>
<h1>How did we do?</h1><form id="survey">
<fieldset><legend>How satisfied are you with the help you got? (1 = not at all, 5 = very)</legend>
%(csat)s</fieldset>
<fieldset><legend>How likely are you to recommend us? (0–10)</legend>%(nps)s</fieldset>
<fieldset><legend>Anything you want to tell us?</legend>
<textarea name="text" rows="4" maxlength="5000"></textarea></fieldset>
<button type="submit">Send</button></form><p id="done" role="status"></p>
<script>
document.getElementById("survey").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = new FormData(e.target), body = {};
  for (const k of ["csat", "nps"]) if (f.get(k) !== null) body[k] = Number(f.get(k));
  if ((f.get("text") || "").trim()) body.text = f.get("text");
  const r = await fetch(location.pathname, {method: "POST",
    headers: {"content-type": "application/json"}, body: JSON.stringify(body)});
  document.getElementById("done").textContent = r.ok ? "Thank you." : (await r.json()).message;
});
</script></html>"""


@router.get("/surveys/{token}", response_class=HTMLResponse, include_in_schema=False)
def survey_form(token: str, settings: SettingsDep) -> HTMLResponse:
    """The survey page a customer opens from the link."""
    survey_links.interaction_of_token(
        token, secret=settings.secret_key, max_age_s=settings.survey_link_days * 86400
    )
    radios = "".join(
        f'<label><input type="radio" name="csat" value="{n}">{n}</label>' for n in range(1, 6)
    )
    nps = "".join(
        f'<label><input type="radio" name="nps" value="{n}">{n}</label>' for n in range(11)
    )
    return HTMLResponse(_FORM % {"csat": radios, "nps": nps})


@router.post("/surveys/{token}", response_model=SurveyOut, status_code=201)
async def post_survey_by_link(
    token: str,
    survey_in: SurveyIn,
    runtime: RuntimeDep,
) -> SurveyOut:
    """A survey answer sent from the link's page."""
    interaction_id = survey_links.interaction_of_token(
        token,
        secret=runtime.settings.secret_key,
        max_age_s=runtime.settings.survey_link_days * 86400,
    )
    return await run_in_threadpool(
        feedback.record_survey,
        runtime=runtime,
        interaction_id=interaction_id,
        survey_in=survey_in,
        source="link",
    )


@router.get("/feedback/themes", response_model=ThemeList)
def list_themes(session: DbSession) -> ThemeList:
    """Feedback themes, largest first, each with its actions."""
    return ThemeList(items=feedback.get_all_themes(session=session))


@router.post("/feedback/themes/rebuild", response_model=ThemeList)
async def rebuild_themes(db: DatabaseDep, bus: BusDep) -> ThemeList:
    """Group the free-text answers not yet in a theme (existing themes keep theirs)."""
    items = await run_in_threadpool(feedback.rebuild_themes, db=db, bus=bus)
    return ThemeList(items=items)


@router.get("/feedback/actions", response_model=ActionList)
def list_actions(session: DbSession) -> ActionList:
    """Every action, newest first, with how many customers were told it shipped."""
    return ActionList(items=feedback.get_all_actions(session=session))


@router.post("/feedback/actions", response_model=ActionOut, status_code=201)
def create_action(action_in: ActionIn, db: DatabaseDep, bus: BusDep) -> ActionOut:
    """A new action answering a theme, with its owner."""
    return feedback.create_action(db=db, bus=bus, action_in=action_in)


@router.patch("/feedback/actions/{action_id}", response_model=ActionOut)
def update_action(
    action_id: RowId, action_update: ActionUpdate, db: DatabaseDep, bus: BusDep, metrics: MetricsDep
) -> ActionOut:
    """Change an action; ``status: shipped`` tells the customers who raised it (not those who
    opted out of proactive contact: their message is kept, ``suppressed``)."""
    return feedback.update_action(
        db=db, bus=bus, action_id=action_id, action_update=action_update, metrics=metrics
    )


# -- outreach -----------------------------------------------------------------------------------


@router.get("/outreach/rules", response_model=RuleList)
def list_rules(session: DbSession) -> RuleList:
    """The outreach rules."""
    return RuleList(items=outreach.get_all_rules(session=session))


@router.post("/outreach/rules", response_model=RuleOut, status_code=201)
def create_rule(rule_in: RuleIn, db: DatabaseDep, bus: BusDep, actor: SupervisingActor) -> RuleOut:
    """A new outreach rule (supervisors)."""
    return outreach.create_rule(db=db, bus=bus, rule_in=rule_in, updated_by=actor)


@router.patch("/outreach/rules/{rule_id}", response_model=RuleOut)
def update_rule(
    rule_id: RowId, rule_update: RuleUpdate, db: DatabaseDep, bus: BusDep, actor: SupervisingActor
) -> RuleOut:
    """Change a rule (supervisors): threshold, queue, channel, time, certification, on or off."""
    return outreach.update_rule(
        db=db, bus=bus, rule_id=rule_id, rule_update=rule_update, updated_by=actor
    )


@router.get("/outreach/tasks", response_model=TaskList)
def list_tasks(
    session: DbSession,
    kind: Literal[TaskKind, "you_said"] | None = None,  # a rule's, or a shipped action's
    rule_id: RowId | None = None,
    status: Literal["queued", "sending", "done", "suppressed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> TaskList:
    """Outreach tasks, newest first, each with the rule (or action) that made it; ``suppressed``
    ones were not made because the customer opted out (``result`` says of what)."""
    total, items = outreach.get_all_tasks(
        session=session, kind=kind, rule_id=rule_id, status=status, limit=limit, offset=offset
    )
    return TaskList(total=total, items=items)
