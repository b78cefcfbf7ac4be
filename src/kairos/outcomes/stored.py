"""The report's data from the database: reviews, their transcripts, themes, actions, outreach."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kairos.db import utcnow
from kairos.interactions.contacts import took_place
from kairos.interactions.edits import in_place
from kairos.interactions.models import EventRecord, Interaction
from kairos.outcomes import drivers, feedback
from kairos.outcomes.archive import Row
from kairos.outcomes.models import InteractionReview, OutreachTask, SurveyAnswer
from kairos.outcomes.report import ReportData, ThemeSummary, local_period
from kairos.outcomes.service import why_of


def _utterances(
    session: Session, since: datetime, until: datetime
) -> dict[int, list[tuple[str, str, str | None]]]:
    """Every utterance of the interactions reviewed in the period, by interaction, in order;
    an edited message once, its last edit in its place."""
    query = (
        select(EventRecord.interaction_id, EventRecord.payload, EventRecord.event_id)
        .join(InteractionReview, InteractionReview.interaction_id == EventRecord.interaction_id)
        .where(
            EventRecord.type == "utterance",
            InteractionReview.started_at >= since,
            InteractionReview.started_at < until,
        )
        .order_by(EventRecord.interaction_id, EventRecord.seq)
    )
    logged: dict[int, list[tuple[dict[str, Any], str]]] = {}
    for interaction_pk, payload, event_id in session.execute(query):
        logged.setdefault(interaction_pk, []).append((payload, event_id))
    return {
        interaction_pk: [
            (str(payload.get("speaker", "")), str(payload.get("text", "")), event_id)
            for payload, event_id in in_place(
                rows, event_id=lambda r: r[1], edit_of=lambda r: r[0].get("edit_of")
            )
        ]
        for interaction_pk, rows in logged.items()
    }


def rows_between(*, session: Session, since: datetime, until: datetime) -> list[Row]:
    """Every reviewed interaction that started in ``[since, until)``, as report rows."""
    query = (
        select(InteractionReview, Interaction.external_id, Interaction.channel)
        .join(Interaction, Interaction.id == InteractionReview.interaction_id)
        .where(
            InteractionReview.started_at >= since,
            InteractionReview.started_at < until,
            took_place(),
        )
        .order_by(InteractionReview.started_at, InteractionReview.id)
    )
    utterances = _utterances(session, since, until)
    out: list[Row] = []
    for record, external_id, channel in session.execute(query):
        evidence = [e for e in record.evidence or [] if "why" not in e]
        turns = utterances.get(record.interaction_id, [])
        agent_turns = sum(speaker == "agent" for speaker, _, _ in turns)
        out.append(
            Row(
                id=external_id,
                reason=record.reason,
                channel=channel,
                agent_id=record.agent_id,
                status=record.status,
                missed=record.missed,
                mot_live=record.mot_live,
                mot_hindsight=record.mot_hindsight,
                live_score=record.live_score,
                hindsight_score=record.hindsight_score,
                resolved=record.resolved,
                ended_well=record.ended_well,
                sentiment_start=record.sentiment_start,
                sentiment_end=record.sentiment_end,
                recovery=record.recovery,
                csat=record.csat,
                reask_count=record.reask_count,
                cube=record.cube or "",
                stakes=[str(s) for s in record.stakes or []],
                behaviours=list(record.behaviours or []),
                why=why_of(record),
                evidence=evidence,
                customer_value=record.customer_value,
                handle_seconds=record.handle_seconds,
                started_at=record.started_at,
                turns=turns if record.missed else [],
                agent_turns=agent_turns,
                customer_id=record.customer_id,
            )
        )
    return out


def report_data(
    *, session: Session, since: datetime, until: datetime, timezone: str = "UTC"
) -> ReportData:
    """The report for interactions started in ``[since, until)``, its times said in
    ``timezone`` (the centre's) beside UTC."""
    rows = rows_between(session=session, since=since, until=until)
    themes = []
    for theme in feedback.get_all_themes(session=session):
        examples = [
            str(t)
            for t in session.scalars(
                select(SurveyAnswer.text)
                .where(SurveyAnswer.theme_id == theme.id, SurveyAnswer.text.is_not(None))
                .order_by(SurveyAnswer.id)
                .limit(3)
            )
        ]
        themes.append(
            ThemeSummary(
                label=theme.label,
                keywords=theme.keywords,
                size=theme.size,
                negative_share=theme.negative_share,
                examples=examples,
                actions=[a.model_dump(mode="json") for a in theme.actions],
            )
        )
    task = OutreachTask
    outreach = [
        {"rule": rule or "(you said, we did)", "kind": kind, "status": status,
         "result": result or "", "count": count}
        for rule, kind, status, result, count in session.execute(
            select(task.rule_name, task.kind, task.status, task.result, func.count())
            .where(task.created_at >= since, task.created_at < until)
            .group_by(task.rule_name, task.kind, task.status, task.result)
            .order_by(task.kind, task.status, task.result)
        )
    ]  # fmt: skip
    surveys = session.scalar(
        select(func.count())
        .select_from(SurveyAnswer)
        .where(SurveyAnswer.received_at >= since, SurveyAnswer.received_at < until)
    )
    ungrouped = session.scalar(
        select(func.count())
        .select_from(SurveyAnswer)
        .where(
            SurveyAnswer.theme_id.is_(None),
            SurveyAnswer.text.is_not(None),
            SurveyAnswer.received_at >= since,
            SurveyAnswer.received_at < until,
        )
    )
    return ReportData(
        title="After the contact: moments of truth won, lost and missed",
        source="Kairos database",
        period=local_period(since, until, timezone),
        generated_at=utcnow(),
        timezone=timezone,
        drivers=drivers.stored_drivers(
            session=session, since=since, until=until, timezone=timezone
        ),
        rows=rows,
        themes=themes,
        themes_source="customers' survey comments",
        morning_list=True,
        outreach=outreach,
        surveys=int(surveys or 0),
        ungrouped_feedback=int(ungrouped or 0),
    )
