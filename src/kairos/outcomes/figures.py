"""What the reviews add up to: the day's figures, the morning list of missed moments, the
agents' scorecards. Reads only."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from kairos.db import utcnow
from kairos.interactions.contacts import took_place
from kairos.interactions.models import EventRecord, Interaction
from kairos.outcomes import survey_answers
from kairos.outcomes.models import InteractionReview
from kairos.outcomes.review import MOMENTS
from kairos.outcomes.schemas import (
    DayFigures,
    MissedList,
    MissedMoment,
    ReviewOut,
    Scorecard,
    TranscriptSpan,
)
from kairos.outcomes.service import review_out, why_of


def _day_bounds(day: date, timezone: str = "UTC") -> tuple[datetime, datetime]:
    """The day's first instant and the next day's, in UTC, for a day on ``timezone``'s clocks."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def centre_days(days: int, timezone: str, now: datetime | None = None) -> datetime:
    """The first instant (UTC) of the last ``days`` days on the centre's clocks, today included:
    ``days=1`` is today since the centre's midnight, as the wallboard counts its day.

    >>> centre_days(1, "America/Chicago", datetime(2026, 12, 6, 5, 30, tzinfo=UTC)).isoformat()
    '2026-12-05T06:00:00+00:00'
    """
    today = (now or utcnow()).astimezone(ZoneInfo(timezone)).date()
    return _day_bounds(today - timedelta(days=max(days, 1) - 1), timezone)[0]


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def day_figures(*, session: Session, day: date | None = None, timezone: str = "UTC") -> DayFigures:
    """The day's contacts, moments of truth won, lost and missed, resolution, CSAT, handle time.

    ``day`` is a day on ``timezone``'s clocks (the centre's, for the wallboard), today by default.
    """
    day = day or utcnow().astimezone(ZoneInfo(timezone)).date()
    start, end = _day_bounds(day, timezone)
    # Only the columns the figures need: on a busy day (5,000 contacts) loading whole reviews,
    # their JSON decoded, took most of the wallboard's refresh (0.3 s of 0.5 s).
    reviews = session.execute(
        select(
            InteractionReview.interaction_id,
            InteractionReview.status,
            InteractionReview.handle_seconds,
            InteractionReview.resolved,
        )
        .join(Interaction, Interaction.id == InteractionReview.interaction_id)
        .where(
            InteractionReview.started_at >= start, InteractionReview.started_at < end, took_place()
        )
    ).all()
    reviewed = {r.interaction_id: r for r in reviews}
    rows = session.execute(
        select(
            Interaction.id,
            Interaction.state,
            # A reviewed contact's result is its review's: its outcome JSON is not read.
            case((InteractionReview.id.is_(None), Interaction.outcome), else_=None),
        )
        .outerjoin(InteractionReview, InteractionReview.interaction_id == Interaction.id)
        .where(Interaction.started_at >= start, Interaction.started_at < end, took_place())
    ).all()
    by_status: dict[str, int] = {}
    routine_handle: list[float] = []
    mot_handle: list[float] = []
    for r in reviews:
        by_status[r.status] = by_status.get(r.status, 0) + 1
        if r.handle_seconds is not None:
            (routine_handle if r.status == "routine" else mot_handle).append(r.handle_seconds)
    known_results: list[bool] = []
    for interaction_pk, state, outcome in rows:
        if state != "ended":
            continue
        record = reviewed.get(interaction_pk)
        resolved = record.resolved if record is not None else (outcome or {}).get("resolved")
        if isinstance(resolved, bool):
            known_results.append(resolved)
    # One CSAT per contact, its latest, as its review reads it: not one per answer.
    csat = survey_answers.csat_of_contacts_started(session, start, end)
    won, lost, missed = (
        by_status.get("won", 0),
        by_status.get("lost", 0),
        by_status.get("missed", 0),
    )
    return DayFigures(
        day=day,
        timezone=timezone,
        contacts=len(rows),
        ended=sum(1 for _, state, _ in rows if state == "ended"),
        moments_of_truth=won + lost + missed,
        won=won,
        lost=lost,
        missed=missed,
        resolution_rate=_mean([1.0 if r else 0.0 for r in known_results]),
        csat_average=_mean([float(c) for c in csat]),
        csat_responses=len(csat),
        average_handle_seconds=_mean(routine_handle),
        mot_average_handle_seconds=_mean(mot_handle),
    )


# -- missed moments and scorecards --------------------------------------------------------------


def _period(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    until = until or utcnow()
    return since or until - timedelta(days=1), until


def missed_moments(
    *,
    session: Session,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
    agents: Collection[str] | None = None,
) -> MissedList:
    """The morning list: missed moments that started in the period, most valuable customer first.

    Without ``since``, the last 24 hours (the API and the page pass the centre's day).
    ``agents``: only these agents' moments and those no agent took (a team supervisor's list: its
    total counts what they review, not every team's).
    """
    since, until = _period(since, until)
    query = (
        select(InteractionReview, Interaction.external_id)
        .join(Interaction, Interaction.id == InteractionReview.interaction_id)
        .where(
            InteractionReview.missed,
            InteractionReview.started_at >= since,
            InteractionReview.started_at < until,
        )
    )
    if agents is not None:
        query = query.where(
            or_(InteractionReview.agent_id.is_(None), InteractionReview.agent_id.in_(agents))
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(
            func.coalesce(InteractionReview.customer_value, 0.5).desc(),
            InteractionReview.hindsight_score.desc(),
            InteractionReview.id,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    said = _utterances(session, [record.interaction_id for record, _ in rows])
    items = []
    for record, external_id in rows:
        out = review_out(record, external_id)
        items.append(
            MissedMoment(
                review=out,
                why=why_of(record),
                transcript=_evidence_spans(said.get(record.interaction_id, []), out),
            )
        )
    return MissedList(total=total, items=items)


def _utterances(session: Session, interaction_pks: list[int]) -> dict[int, list[EventRecord]]:
    """The utterances of the listed contacts, in order, in one query for the whole page."""
    said: dict[int, list[EventRecord]] = {}
    if not interaction_pks:
        return said
    for row in session.scalars(
        select(EventRecord)
        .where(EventRecord.interaction_id.in_(interaction_pks), EventRecord.type == "utterance")
        .order_by(EventRecord.interaction_id, EventRecord.seq)
    ):
        said.setdefault(row.interaction_id, []).append(row)
    return said


def _evidence_spans(rows: Sequence[EventRecord], out: ReviewOut) -> list[TranscriptSpan]:
    """The turns that carry evidence (detector cues, agent behaviours), with their marks: each
    kind of mark once on a turn (two deflections in one sentence are one "deflection" there)."""
    marks: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    for cue in out.evidence:
        if cue.get("event_id"):
            mark = {k: cue.get(k) for k in ("kind", "label", "text", "start", "end")}
            _mark(marks, str(cue["event_id"]), mark)
    for b in out.behaviours:
        if b.event_id:
            mark = {"kind": b.kind, "label": b.label, "text": b.text, "start": b.start,
                    "end": b.end}  # fmt: skip
            _mark(marks, b.event_id, mark)
    return [
        TranscriptSpan(
            seq=row.seq,
            event_id=row.event_id,
            speaker=str(row.payload.get("speaker", "")),
            text=str(row.payload.get("text", "")),
            marks=list(marks[row.event_id].values()),
        )
        for row in rows
        if row.event_id in marks
    ]


def _mark(
    marks: dict[str, dict[tuple[str, str], dict[str, Any]]], event_id: str, mark: dict[str, Any]
) -> None:
    """Add ``mark`` to the turn's marks unless one of its kind and label is there already."""
    key = (str(mark.get("kind")), str(mark.get("label")))
    marks.setdefault(event_id, {}).setdefault(key, mark)


def scorecards(
    *, session: Session, since: datetime | None = None, until: datetime | None = None
) -> list[Scorecard]:
    """Per agent: moments won first, then resolution and CSAT; MoT handle time reported apart."""
    since, until = _period(since, until)
    reviews = session.scalars(
        select(InteractionReview).where(
            InteractionReview.agent_id.is_not(None),
            InteractionReview.started_at >= since,
            InteractionReview.started_at < until,
        )
    ).all()
    cards: dict[str, list[InteractionReview]] = {}
    for r in reviews:
        cards.setdefault(str(r.agent_id), []).append(r)
    out = [scorecard_of(agent, rows) for agent, rows in cards.items()]
    out.sort(key=lambda c: (-c.moments_won, -(c.resolution_rate or 0.0), -(c.csat_average or 0.0),
                            c.agent_id))  # fmt: skip
    return out


def scorecard_of(agent_id: str, rows: Sequence[InteractionReview]) -> Scorecard:
    """One agent's scorecard from its reviews."""
    moments = [r for r in rows if r.status in MOMENTS]
    won = sum(r.status == "won" for r in moments)
    resolved = [r.resolved for r in rows if r.resolved is not None]
    csat = [float(r.csat) for r in rows if r.csat is not None]
    kinds: dict[str, int] = {}
    for r in rows:
        for b in r.behaviours or []:
            kinds[b["kind"]] = kinds.get(b["kind"], 0) + 1
    return Scorecard(
        agent_id=agent_id,
        moments_handled=len(moments),
        moments_won=won,
        moments_lost=sum(r.status == "lost" for r in moments),
        moments_missed=sum(r.status == "missed" for r in moments),
        win_rate=round(won / len(moments), 4) if moments else None,
        resolution_rate=_mean([1.0 if r else 0.0 for r in resolved]),
        csat_average=_mean(csat),
        csat_responses=len(csat),
        contacts=len(rows),
        empathy=kinds.get("empathy", 0),
        ownership=kinds.get("ownership", 0),
        blame=kinds.get("blame", 0),
        deflection=kinds.get("deflection", 0),
        premature_close=kinds.get("premature_close", 0),
        reasks=sum(r.reask_count for r in rows),
        routine_handle_seconds=_mean(
            [
                r.handle_seconds
                for r in rows
                if r.status == "routine" and r.handle_seconds is not None
            ]
        ),
        # A call that carried a thread's moment on was a moment's handling too.
        mot_handle_seconds=_mean(
            [
                r.handle_seconds
                for r in rows
                if r.status != "routine" and r.handle_seconds is not None
            ]
        ),
    )
