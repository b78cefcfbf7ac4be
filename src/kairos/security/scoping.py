"""What an agent may see through the JSON API: the interactions routing gave them.

The rule is the pages' (``auth.service.can_open``): an agent opens an interaction only when it is
assigned to their routing agent; a customer only when one of their interactions is. Lists are
filtered to those; anything else answers 404, as if it did not exist.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from kairos.auth import service as auth_service
from kairos.auth.schemas import Principal
from kairos.db import Database
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


def interaction_source(db: Database, interaction_id: str) -> str | None:
    """The event source that started the interaction (None: none did, or no such interaction)."""
    with db.session() as session:
        return session.scalar(
            select(Interaction.source).where(Interaction.external_id == interaction_id)
        )
