"""Reads for the pages: what waits, the moments in progress, what an agent holds, the trend of an
interaction's assessments."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from kairos.detection.assessment import Assessment
from kairos.interactions.models import (
    AssessmentRecord,
    EventRecord,
    Interaction,
    read_assessment,
)


def get_waiting(*, session: Session, states: Sequence[str], limit: int) -> list[Interaction]:
    """Interactions in a queue with no agent, in one of ``states``, longest waiting first."""
    query = (
        select(Interaction)
        .where(
            Interaction.agent_id.is_(None),
            Interaction.queue.is_not(None),
            Interaction.state.in_(states),
        )
        .order_by(Interaction.started_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def get_assessments(
    *, session: Session, interaction: Interaction, limit: int, offset: int
) -> tuple[int, list[tuple[AssessmentRecord, EventRecord | None]]]:
    """Every stored assessment of the interaction, oldest first, with the event it followed."""
    total = session.scalar(
        select(func.count())
        .select_from(AssessmentRecord)
        .where(AssessmentRecord.interaction_id == interaction.id)
    )
    rows = session.execute(
        select(AssessmentRecord, EventRecord)
        .outerjoin(EventRecord, EventRecord.event_id == AssessmentRecord.event_id)
        .where(AssessmentRecord.interaction_id == interaction.id)
        .order_by(AssessmentRecord.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return int(total or 0), [(a, e) for a, e in rows]


def get_unqueued(
    *, session: Session, limit: int, queues: Collection[str] = ()
) -> list[Interaction]:
    """Interactions in progress with neither a queue nor an agent, moments first, oldest first.

    Given the centre's ``queues`` (none: not checked), those waiting in a queue not among them
    too: no agent is offered them until the queue is created or the contact is transferred.
    """
    nowhere: ColumnElement[bool] = Interaction.queue.is_(None)
    if queues:
        nowhere = or_(nowhere, Interaction.queue.not_in(list(queues)))
    query = (
        select(Interaction)
        .where(
            Interaction.state != "ended",
            Interaction.agent_id.is_(None),
            nowhere,
        )
        .order_by(Interaction.mot_score.desc().nulls_last(), Interaction.started_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def get_moments_in_progress(*, session: Session, threshold: float, limit: int) -> list[Interaction]:
    """Interactions not ended whose MoT score reaches ``threshold``, highest first."""
    query = (
        select(Interaction)
        .where(Interaction.state != "ended", Interaction.mot_score >= threshold)
        .order_by(Interaction.mot_score.desc(), Interaction.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def get_held(*, session: Session, agent_id: str, limit: int = 50) -> list[Interaction]:
    """The interactions an agent holds that have not ended, newest first."""
    query = (
        select(Interaction)
        .where(Interaction.agent_id == agent_id, Interaction.state != "ended")
        .order_by(Interaction.last_event_at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def assessment_history(
    *, session: Session, interaction: Interaction, limit: int = 30
) -> list[Assessment]:
    """The interaction's latest stored assessments, oldest first."""
    payloads = session.scalars(
        select(AssessmentRecord.payload)
        .where(AssessmentRecord.interaction_id == interaction.id)
        .order_by(AssessmentRecord.id.desc())
        .limit(limit)
    ).all()
    read = [read_assessment(p) for p in reversed(payloads)]
    return [a for a in read if a is not None]
