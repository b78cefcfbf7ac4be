"""Tables: interactions, the event log, and the assessments the detector made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, ForeignKey, Index, String, column, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from kairos.db import AwareDateTime, Base, utcnow
from kairos.detection.assessment import Assessment


class Interaction(Base):
    """One contact on one channel, from start to end."""

    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_state_started", "state", "started_at"),
        Index("ix_interactions_customer_started", "customer_id", "started_at"),
        # One escalation per source: a second one is refused, even when two race.
        Index("uq_interactions_escalated_from", "escalated_from_id", unique=True),
        # Only interactions the detector has not caught up with: what workers sweep for.
        # Only contacts in progress, by their last event: what the idle sweep reads, in its order.
        Index(
            "ix_interactions_open_last_event",
            "last_event_at",
            "id",
            postgresql_where=column("state") != literal_column("'ended'"),
            sqlite_where=column("state") != literal_column("'ended'"),
        ),
        Index(
            "ix_interactions_unassessed",
            "id",
            postgresql_where=column("assessed_seq") < column("event_count"),
            sqlite_where=column("assessed_seq") < column("event_count"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(20), default="open")
    queue: Mapped[str | None] = mapped_column(String(100))
    queue_note: Mapped[str | None] = mapped_column(
        String(300),
        doc="set by the queue mapping: the rule that chose the queue, or why there is none; "
        "cleared when an event names the queue",
    )
    agent_id: Mapped[str | None] = mapped_column(String(200), index=True)
    source: Mapped[str | None] = mapped_column(
        String(100), doc="the event source whose token started it (None: open to every source)"
    )
    language: Mapped[str | None] = mapped_column(String(20))
    timezone: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(AwareDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    last_event_at: Mapped[datetime] = mapped_column(AwareDateTime())
    event_count: Mapped[int] = mapped_column(default=0)
    assessed_seq: Mapped[int] = mapped_column(
        default=0,
        server_default="0",
        doc="the last event (by seq) the detector has seen; behind event_count while a worker "
        "has yet to catch up",
    )
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    mot_score: Mapped[float | None] = mapped_column(index=True)
    cube: Mapped[str | None] = mapped_column(String(64))
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reask_count: Mapped[int] = mapped_column(
        default=0, server_default="0", doc="times the customer was asked for a known fact"
    )
    escalated_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="SET NULL"),
        doc="the chat or social interaction this call continues",
    )
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    @property
    def current_assessment(self) -> Assessment | None:
        """The detector's latest view of this interaction, as the contract's type."""
        return read_assessment(self.assessment)


def read_assessment(payload: dict[str, Any] | None) -> Assessment | None:
    """A stored assessment (the JSON of an :class:`Assessment`) read back as one."""
    return Assessment.model_validate(payload) if payload else None


# Interactions with stored events the detector has not seen yet (workers catch them up).
UNASSESSED: ColumnElement[bool] = Interaction.assessed_seq < Interaction.event_count


class EventRecord(Base):
    """One applied event, exactly once (``event_id`` is unique): the interaction's log."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_interaction_seq", "interaction_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), unique=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(doc="position in the interaction, from 1")
    type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(AwareDateTime())
    received_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class LetGo(Base):
    """An agent let a contact go: transferred it back to a queue (``transferred``) or declined
    its offer, or let it run out (``declined``). Routing keeps it from them a while
    (``KAIROS_RETURN_AFTER_PASS_S``), in every process and mode, see ``kairos.routing.passes``."""

    __tablename__ = "let_go"
    __table_args__ = (Index("ix_let_go_passed_at", "passed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[str] = mapped_column(String(200), doc="the agent's external id")
    kind: Mapped[str] = mapped_column(String(20), doc="transferred or declined")
    passed_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class AssessmentRecord(Base):
    """An assessment the detector made after an event, with the model version and its cues."""

    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_interaction_id", "interaction_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(200), unique=True)
    mot_score: Mapped[float]
    cube: Mapped[str] = mapped_column(String(64))
    model_version: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class ParkedEvent(Base):
    """An event that arrived before its interaction's start, held until the start lands.

    Senders with several workers deliver out of order across requests; the event waits here (in
    the database: a restart keeps it) and is applied right after its ``interaction.started``.
    One still waiting after the hold is deleted, logged and counted, never dropped unseen.
    """

    __tablename__ = "parked_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), unique=True)
    interaction_id: Mapped[str] = mapped_column(
        String(200), index=True, doc="the external id of the interaction it waits for"
    )
    type: Mapped[str] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(
        String(100), doc="the event source whose token sent it (None: no source token)"
    )
    occurred_at: Mapped[datetime] = mapped_column(AwareDateTime())
    parked_at: Mapped[datetime] = mapped_column(AwareDateTime(), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, doc="the event, redacted as stored")
