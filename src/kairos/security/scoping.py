"""What an agent may see through the JSON API: the interactions routing gave them.

The rule is the pages' (``auth.service.can_open``): an agent opens an interaction only when it is
assigned to their routing agent; a customer only when one of their interactions is. Lists are
filtered to those; anything else answers 404, as if it did not exist.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from kairos.auth import service as auth_service
from kairos.auth.schemas import Principal
from kairos.customers.models import Customer, CustomerIdentity
from kairos.customers.service import normalise_identity
from kairos.events import Identity
from kairos.interactions.models import Interaction


def may_open_interaction(*, session: Session, principal: Principal, interaction_id: str) -> bool:
    """Whether the interaction exists and this user may open it."""
    interaction = session.scalar(
        select(Interaction).where(Interaction.external_id == interaction_id)
    )
    return interaction is not None and auth_service.can_open(
        principal=principal, interaction=interaction
    )


def _handled_by(agent_id: str) -> ColumnElement[bool]:
    return Interaction.agent_id == agent_id


def may_open_customer(*, session: Session, agent_id: str, customer_id: int) -> bool:
    """Whether one of the customer's interactions is this agent's."""
    query = select(exists().where(Interaction.customer_id == customer_id, _handled_by(agent_id)))
    return bool(session.scalar(query))


def agent_interactions(
    *,
    session: Session,
    agent_id: str,
    state: str | None = None,
    channel: str | None = None,
    customer_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_mot_score: float | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Interaction]]:
    """An agent's own interactions with the filters of ``interactions.service.get_all``."""
    query = select(Interaction).where(_handled_by(agent_id))
    if state:
        query = query.where(Interaction.state == state)
    if channel:
        query = query.where(Interaction.channel == channel)
    if customer_id is not None:
        query = query.where(Interaction.customer_id == customer_id)
    if since:
        query = query.where(Interaction.started_at >= since)
    if until:
        query = query.where(Interaction.started_at < until)
    if min_mot_score is not None:
        query = query.where(Interaction.mot_score >= min_mot_score)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Interaction.started_at.desc(), Interaction.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return total, list(rows)


def agent_customers(
    *,
    session: Session,
    agent_id: str,
    identity: Identity | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Customer]]:
    """The customers of an agent's interactions, newest first, like ``customers.get_all``."""
    query = select(Customer).where(
        exists().where(Interaction.customer_id == Customer.id, _handled_by(agent_id))
    )
    if identity is not None:
        kind, value = normalise_identity(identity)
        query = query.join(CustomerIdentity).where(
            CustomerIdentity.kind == kind, CustomerIdentity.value == value
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Customer.id.desc()).limit(limit).offset(offset)).all()
    return total, list(rows)
