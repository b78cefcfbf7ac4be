"""What the review of an ended interaction reads: its turns, whether it came back, whether routing
handled it as a moment of truth, and how long it was handled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kairos.interactions import contacts
from kairos.interactions.edits import in_place
from kairos.interactions.journey import same_issue
from kairos.interactions.models import EventRecord, Interaction
from kairos.outcomes.review import Turn
from kairos.routing.models import Assignment, RoutingDecision

#: Outreach task interactions carry this prefix: they are never a customer's recontact.
OUTREACH_TASK_PREFIX = contacts.OUTREACH_PREFIX

#: The disposition of an outreach call withdrawn before anyone took it: no contact took place.
WITHDRAWN = contacts.WITHDRAWN

#: Whether this is an outreach call withdrawn before any agent took it (no moment to count).
never_happened = contacts.never_happened


def recontact_of(session: Session, interaction: Interaction, days: int) -> Interaction | None:
    """The customer's next contact on the same issue within ``days`` of this one, if any.

    Only the customer's own: the call this one was escalated to carries it on, and an outreach
    task is Kairos calling; neither is the customer coming back.
    """
    if interaction.customer_id is None:
        return None
    until = interaction.started_at + timedelta(days=days)
    later = session.scalars(
        select(Interaction)
        .where(
            Interaction.customer_id == interaction.customer_id,
            Interaction.id != interaction.id,
            Interaction.started_at > interaction.started_at,
            Interaction.started_at <= until,
            or_(
                Interaction.escalated_from_id.is_(None),
                Interaction.escalated_from_id != interaction.id,
            ),
            Interaction.external_id.not_like(f"{OUTREACH_TASK_PREFIX}%"),
        )
        .order_by(Interaction.started_at)
        .limit(50)
    ).all()
    return next((i for i in later if same_issue(i, interaction)), None)


class _LoggedEvent(Protocol):
    """What :func:`turns` reads of a logged event: an ``EventRecord`` or a row of its columns."""

    type: str
    payload: dict[str, Any]
    event_id: str
    occurred_at: datetime


def utterance_rows(session: Session, interaction: Interaction) -> Sequence[_LoggedEvent]:
    """The interaction's logged utterances in the order they were said (one that arrived after
    the end stands where it was said, not as the last words), as rows of the columns
    :func:`turns` reads (no ORM objects: the review reads each once and changes none)."""
    rows = session.execute(
        select(EventRecord.type, EventRecord.payload, EventRecord.event_id, EventRecord.occurred_at)
        .where(EventRecord.interaction_id == interaction.id, EventRecord.type == "utterance")
        .order_by(EventRecord.occurred_at, EventRecord.seq)
    ).all()
    return cast(Sequence[_LoggedEvent], rows)


def turns(rows: Sequence[_LoggedEvent]) -> list[Turn]:
    """The utterances of the log as the review reads them: an edit in its original's place (the
    words it replaced are not read), as the live detector reads them."""
    said = [r for r in rows if r.type == "utterance" and r.payload.get("text")]
    return [
        Turn(
            speaker=str(r.payload.get("speaker", "customer")),
            text=str(r.payload.get("text", "")),
            event_id=r.event_id,
            occurred_at=r.occurred_at,
        )
        for r in in_place(
            said, event_id=lambda r: r.event_id, edit_of=lambda r: r.payload.get("edit_of")
        )
    ]


def handled_as_moment(session: Session, interaction: Interaction) -> bool:
    """Whether routing decided it as a moment of truth or gave it with empowered handling."""
    decided = session.scalar(
        select(func.count())
        .select_from(RoutingDecision)
        .where(RoutingDecision.interaction_id == interaction.id, RoutingDecision.moment_of_truth)
    )
    empowered = session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.interaction_id == interaction.id, Assignment.empowered)
    )
    return bool(decided or empowered)


def handle_seconds(session: Session, interaction: Interaction) -> float | None:
    """Seconds from the first assignment (else the start) to the end; None while it goes on."""
    if interaction.ended_at is None:
        return None
    assigned = session.scalar(
        select(func.min(Assignment.assigned_at)).where(Assignment.interaction_id == interaction.id)
    )
    begin = assigned or interaction.started_at
    if begin.tzinfo is None:  # SQLite's aggregate bypasses the column type
        begin = begin.replace(tzinfo=UTC)
    return max(0.0, (interaction.ended_at - begin).total_seconds())
