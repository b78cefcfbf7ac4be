"""What an agent may see through the JSON API: the interactions routing gave them.

The rule is the pages' (``auth.service.can_open``): an agent opens an interaction only when it is
assigned to their routing agent; a customer only when one of their interactions is. Lists are
filtered to those; anything else answers 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from kairos.auth import service as auth_service
from kairos.auth.schemas import Principal
from kairos.customers import service as customer_service
from kairos.customers.models import Customer
from kairos.events import Identity
from kairos.interactions import service as interaction_service
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
    *, session: Session, agent_id: str, **filters: Any
) -> tuple[int, list[Interaction]]:
    """An agent's own interactions with the filters of ``interactions.service.get_all``."""
    return interaction_service.get_all(session=session, where=_handled_by(agent_id), **filters)


def agent_customers(
    *,
    session: Session,
    agent_id: str,
    identity: Identity | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Customer]]:
    """The customers of an agent's interactions, newest first, like ``customers.get_all``."""
    return customer_service.get_all(
        session=session,
        identity=identity,
        limit=limit,
        offset=offset,
        where=exists().where(Interaction.customer_id == Customer.id, _handled_by(agent_id)),
    )
