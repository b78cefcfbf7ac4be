"""The rows of a customer's interactions that an erasure deletes, and the skeleton it keeps.

Every table that holds what was said or done in those contacts loses its rows. The interaction
row itself stays as a skeleton (channel, queue, agent, times, cube cell and MoT score), renamed
and cut from the customer, so the planning history (arrivals and handle times per cube cell) and
the agents' figures still add up; nothing in it says who the customer was or what they said.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from kairos.channels.models import AudioHookBeginning
from kairos.customers.models import Fact
from kairos.db import rowcount
from kairos.interactions.models import AssessmentRecord, EventRecord, Interaction, ParkedEvent
from kairos.outcomes.models import (
    FeedbackAction,
    FeedbackTheme,
    InteractionReview,
    MomentVerdict,
    OutreachTask,
    SurveyAnswer,
    WrapUp,
)
from kairos.routing.models import AlertRecord, RoutingDecision

#: What an erased interaction's external id becomes: ``erased-<erasure>-<row id>``.
ERASED_PREFIX = "erased-"


def deleted(session: Session, statement: Any) -> int:
    """Run a bulk DELETE (or UPDATE) without synchronising the session: rows touched."""
    return rowcount(session, statement.execution_options(synchronize_session=False))


def delete_contacts(
    session: Session, *, customer_id: int, ids: list[int], external_ids: list[str]
) -> dict[str, int]:
    """Delete what the interactions ``ids`` (and the customer) hold; rows per table."""
    counts: dict[str, int] = {}
    for_contacts = [
        ("events", EventRecord, EventRecord.interaction_id.in_(ids)),
        (
            "audiohook_beginnings",
            AudioHookBeginning,
            AudioHookBeginning.interaction_id.in_(ids),
        ),
        ("assessments", AssessmentRecord, AssessmentRecord.interaction_id.in_(ids)),
        ("wrap_ups", WrapUp, WrapUp.interaction_id.in_(ids)),
        ("moment_verdicts", MomentVerdict, MomentVerdict.interaction_id.in_(ids)),
        ("routing_decisions", RoutingDecision, RoutingDecision.interaction_id.in_(ids)),
        ("parked_events", ParkedEvent, ParkedEvent.interaction_id.in_(external_ids)),
        ("supervisor_alerts", AlertRecord, AlertRecord.interaction_id.in_(external_ids)),
        (
            "facts",
            Fact,
            or_(Fact.interaction_id.in_(ids), Fact.customer_id == customer_id),
        ),
        (
            "interaction_reviews",
            InteractionReview,
            or_(
                InteractionReview.interaction_id.in_(ids),
                InteractionReview.customer_id == customer_id,
            ),
        ),
        (
            "outreach_tasks",
            OutreachTask,
            or_(
                OutreachTask.customer_id == customer_id,
                OutreachTask.source_interaction_id.in_(external_ids),
                OutreachTask.task_interaction_id.in_(external_ids),
            ),
        ),
    ]
    counts["survey_answers"], counts["feedback_themes"] = _delete_answers(
        session, customer_id=customer_id, ids=ids
    )
    for table, model, where in for_contacts:
        counts[table] = deleted(session, delete(model).where(where))
    return counts


def _delete_answers(session: Session, *, customer_id: int, ids: list[int]) -> tuple[int, int]:
    """Delete the customer's survey answers; their themes shrink, and a theme left with no
    answer (its label and keywords were their words alone) goes, or is blanked if an action
    hangs on it (the action's title is a supervisor's words and stays)."""
    where = or_(SurveyAnswer.interaction_id.in_(ids), SurveyAnswer.customer_id == customer_id)
    per_theme: dict[int, int] = {
        int(theme_id): int(n)
        for theme_id, n in session.execute(
            select(SurveyAnswer.theme_id, func.count())
            .where(where, SurveyAnswer.theme_id.is_not(None))
            .group_by(SurveyAnswer.theme_id)
        )
        if theme_id is not None
    }
    answers = deleted(session, delete(SurveyAnswer).where(where))
    themes = 0
    for theme_id, n in per_theme.items():
        theme = session.get(FeedbackTheme, theme_id, with_for_update=True)
        if theme is None:
            continue
        theme.size = max(0, theme.size - n)
        left = session.scalar(
            select(func.count()).select_from(SurveyAnswer).where(SurveyAnswer.theme_id == theme_id)
        )
        if left:
            continue
        themes += 1
        acted = session.scalar(
            select(func.count())
            .select_from(FeedbackAction)
            .where(FeedbackAction.theme_id == theme_id)
        )
        if acted:
            theme.label, theme.keywords = "(erased)", []
        else:
            session.delete(theme)
    session.flush()
    return answers, themes


def scrub_interactions(session: Session, *, erasure_id: int, ids: list[int]) -> int:
    """Keep each interaction as a skeleton for the figures: who and what are gone."""
    for row_id in ids:
        session.execute(
            update(Interaction)
            .where(Interaction.id == row_id)
            .values(
                external_id=f"{ERASED_PREFIX}{erasure_id}-{row_id}",
                customer_id=None,
                reason=None,
                subject=None,
                queue_note=None,
                language=None,
                timezone=None,
                outcome=None,
                assessment=None,
                escalated_from_id=None,
                assessed_seq=Interaction.event_count,  # nothing left for a worker to read
            )
            .execution_options(synchronize_session=False)
        )
    return len(ids)
