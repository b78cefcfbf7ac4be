"""What the live board reads from the database: the queues' shape, who holds what, customers'
values."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.customers.models import Customer
from kairos.interactions.models import Interaction
from kairos.routing.models import Queue


@dataclass(frozen=True, slots=True)
class QueueInfo:
    """What the board keeps of a queue."""

    name: str
    channel: str | None
    required_skills: tuple[str, ...]
    policy: str


def serves(
    skills: Iterable[str], channels: Collection[str], required: Iterable[str], channel: str | None
) -> bool:
    """Whether an agent with ``skills`` and ``channels`` takes contacts from a queue that requires
    ``required`` on ``channel``: every skill it requires, and its channel unless the agent names
    none. The database path's ``next`` reads only such queues; the live board's counts only their
    held contacts (:func:`kairos.routing.first_assessment.held_for`)."""
    return set(required) <= set(skills) and (channel is None or not channels or channel in channels)


def as_queue(info: QueueInfo) -> Queue:
    return Queue(name=info.name, channel=info.channel, required_skills=list(info.required_skills),
                 policy=info.policy)  # fmt: skip


def held_now(session: Session) -> list[tuple[str, str]]:
    """Interactions an agent holds now, however they came to hold it: not ended, with an agent
    (the load :func:`kairos.routing.service.loads` counts, for agents Kairos knows)."""
    query = select(Interaction.external_id, Interaction.agent_id).where(
        Interaction.state != "ended", Interaction.agent_id.is_not(None)
    )
    return [(i, a) for i, a in session.execute(query) if a is not None]


def holder_now(row: Interaction | None) -> str | None:
    """The agent who holds the interaction now (as :func:`held_now` counts it), if any."""
    if row is None or row.state == "ended":
        return None
    return row.agent_id


def customer_values(session: Session, customer_ids: list[int | None]) -> dict[int, float]:
    ids = sorted({c for c in customer_ids if c is not None})
    values: dict[int, float] = {}
    for start in range(0, len(ids), 500):
        query = select(Customer.id, Customer.value).where(
            Customer.id.in_(ids[start : start + 500]), Customer.value.is_not(None)
        )
        values.update((cid, v) for cid, v in session.execute(query) if v is not None)
    return values
