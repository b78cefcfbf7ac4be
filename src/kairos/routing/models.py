"""Tables: queues, agents, routing decisions (the audit trail) and assignments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kairos.db import AwareDateTime, Base, utcnow


class Queue(Base):
    """A queue of waiting interactions with the skills it needs and its routing policy."""

    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    channel: Mapped[str | None] = mapped_column(String(20))
    required_skills: Mapped[list[Any]] = mapped_column(JSON, default=list)
    policy: Mapped[str] = mapped_column(String(20), default="fifo")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class Agent(Base):
    """A person who handles interactions."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    skills: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, doc="skill -> 1..5")
    languages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    channels: Mapped[list[Any]] = mapped_column(JSON, default=list)
    max_concurrency: Mapped[int] = mapped_column(default=1)
    empathy: Mapped[float] = mapped_column(default=0.5)
    mot_certified: Mapped[bool] = mapped_column(default=False)
    tenure_months: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(20), default="away")
    state_since: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class RoutingDecision(Base):
    """One waiting interaction given to one agent, with the inputs and reasons: the audit trail."""

    __tablename__ = "routing_decisions"
    __table_args__ = (
        Index("ix_routing_decisions_interaction_id", "interaction_id", "id"),
        Index("ix_routing_decisions_agent_id", "agent_id", "id"),
        # A repeated request (same Idempotency-Key) answers with the decision it made before.
        Index("uq_routing_decisions_request", "agent_id", "request_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    queue: Mapped[str | None] = mapped_column(String(100))
    policy: Mapped[str] = mapped_column(String(20), index=True)
    score: Mapped[float]
    moment_of_truth: Mapped[bool] = mapped_column(default=False)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, doc="the snapshots the policy saw")
    reasons: Mapped[list[Any]] = mapped_column(JSON, doc="[{factor, value}, ...]")
    model_version: Mapped[str | None] = mapped_column(String(100), doc="of the assessment used")
    decided_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    request_key: Mapped[str | None] = mapped_column(
        String(200), doc="the Idempotency-Key of the request that asked for it"
    )


class Assignment(Base):
    """Routing gave an agent an interaction (the audit of who was given what). An agent's load
    is every interaction that is theirs now, however it reached them, not these rows.

    ``empowered`` marks a moment of truth handled with empowered handling: its handle time is
    reported apart and never counts against the agent.
    """

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_agent_id", "agent_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Not unique: a transfer back to a queue routes the interaction again.
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("routing_decisions.id", ondelete="SET NULL")
    )
    empowered: Mapped[bool] = mapped_column(default=False)
    assigned_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class AlertRecord(Base):
    """A supervisor alert as it was raised, when it cleared, and who saw and acted on it."""

    __tablename__ = "supervisor_alerts"
    __table_args__ = (Index("ix_supervisor_alerts_interaction", "interaction_id", "raised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[str] = mapped_column(String(200), doc="the interaction's external id")
    agent_id: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40), doc="assist or take_over")
    severity: Mapped[float]
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    raised_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    seen_by: Mapped[str | None] = mapped_column(String(200))
    seen_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    acted_by: Mapped[str | None] = mapped_column(String(200))
    acted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    acted: Mapped[str | None] = mapped_column(String(500), doc="what the supervisor did")


class RoutingLease(Base):
    """Who owns a site's live routing board: one process at a time, until ``expires_at``.

    ``token`` (the fencing token) goes up by one at every change of owner; a decision is stored
    only while its process still holds the lease with its token, checked in the same transaction.
    """

    __tablename__ = "routing_leases"

    site: Mapped[str] = mapped_column(String(100), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    token: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime())
