"""The stored routing decisions read back: ``GET /v1/routing/decisions``, the desktop's latest
decision on a contact, and the answer to a ``next`` repeated with its request key. Written by
:mod:`kairos.routing.decisions` (the database path) and the live board's ``next``."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from kairos.interactions.models import Interaction
from kairos.routing.explain import explain
from kairos.routing.models import Agent, RoutingDecision
from kairos.routing.schemas import DecisionOut


def decision_out(record: RoutingDecision, interaction_id: str, agent_id: str) -> DecisionOut:
    """A stored decision as the API shows it, its reasons in plain words."""
    summary = explain(
        moment_of_truth=record.moment_of_truth, reasons=record.reasons, inputs=record.inputs
    )
    return DecisionOut(
        summary=summary,
        id=record.id,
        interaction_id=interaction_id,
        agent_id=agent_id,
        queue=record.queue,
        policy=record.policy,
        score=record.score,
        moment_of_truth=record.moment_of_truth,
        empowered_handling=record.moment_of_truth,
        reasons=record.reasons,
        inputs=record.inputs,
        model_version=record.model_version,
        decided_at=record.decided_at,
    )


def repeated(session: Session, agent: Agent, request_key: str) -> DecisionOut | None:
    """The decision an earlier request with this key made for this agent, if any."""
    record = session.scalar(
        select(RoutingDecision).where(
            RoutingDecision.agent_id == agent.id, RoutingDecision.request_key == request_key
        )
    )
    if record is None:
        return None
    interaction = session.get(Interaction, record.interaction_id)
    assert interaction is not None
    return decision_out(record, interaction.external_id, agent.external_id)


def get_all_decisions(
    *,
    session: Session,
    interaction_id: str | None = None,
    agent_id: str | None = None,
    policy: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[DecisionOut]]:
    """Stored decisions matching the filters, newest first, and how many match in all."""
    filters: list[ColumnElement[bool]] = []
    if interaction_id is not None:
        filters.append(Interaction.external_id == interaction_id)
    if agent_id is not None:
        filters.append(Agent.external_id == agent_id)
    if policy is not None:
        filters.append(RoutingDecision.policy == policy)
    query = (
        select(RoutingDecision, Interaction.external_id, Agent.external_id)
        .join(Interaction, Interaction.id == RoutingDecision.interaction_id)
        .join(Agent, Agent.id == RoutingDecision.agent_id)
        .where(*filters)
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(RoutingDecision.id.desc()).limit(limit).offset(offset))
    return total, [decision_out(r, i, a) for r, i, a in rows]


def latest_for(*, session: Session, interaction_id: int) -> RoutingDecision | None:
    """The latest routing decision about an interaction."""
    return session.scalar(
        select(RoutingDecision)
        .where(RoutingDecision.interaction_id == interaction_id)
        .order_by(RoutingDecision.id.desc())
        .limit(1)
    )
