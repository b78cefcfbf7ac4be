"""What the live board reads from the database: the queues' shape, who holds what, customers'
values."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.customers.models import Customer
from kairos.interactions.models import Interaction
from kairos.routing.models import Agent, Assignment, Queue


@dataclass(frozen=True, slots=True)
class QueueInfo:
    """What the board keeps of a queue."""

    name: str
    channel: str | None
    required_skills: tuple[str, ...]
    policy: str


def as_queue(info: QueueInfo) -> Queue:
    return Queue(name=info.name, channel=info.channel, required_skills=list(info.required_skills),
                 policy=info.policy)  # fmt: skip


def held_now(session: Session) -> list[tuple[str, str]]:
    """Interactions an agent holds now through routing: assigned to it and not ended."""
    query = (
        select(Interaction.external_id, Agent.external_id)
        .join(Assignment, Assignment.interaction_id == Interaction.id)
        .join(Agent, Agent.id == Assignment.agent_id)
        .where(Interaction.state != "ended", Interaction.agent_id == Agent.external_id)
        .distinct()
    )
    return [(i, a) for i, a in session.execute(query)]


def routed_back(session: Session, row: Interaction, holder: str | None) -> bool:
    """Whether the interaction's agent now, not ``holder``, holds it through routing (as
    :func:`held_now` counts it): not ended, and routing once gave it to that agent."""
    if row.state == "ended" or row.agent_id is None or row.agent_id == holder:
        return False
    query = (
        select(Assignment.id)
        .join(Agent, Agent.id == Assignment.agent_id)
        .where(Assignment.interaction_id == row.id, Agent.external_id == row.agent_id)
        .limit(1)
    )
    return session.scalar(query) is not None


def customer_values(session: Session, customer_ids: list[int | None]) -> dict[int, float]:
    ids = sorted({c for c in customer_ids if c is not None})
    values: dict[int, float] = {}
    for start in range(0, len(ids), 500):
        query = select(Customer.id, Customer.value).where(
            Customer.id.in_(ids[start : start + 500]), Customer.value.is_not(None)
        )
        values.update((cid, v) for cid, v in session.execute(query) if v is not None)
    return values
