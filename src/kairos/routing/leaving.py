"""An agent who steps away (``away``: a break, signed out) leaves no customer waiting on them.

Their open offers are withdrawn by the offers (:mod:`kairos.routing.offers`). Here: every contact
waiting in their personal queue (transferred straight to them, and no agent has spoken or
written on it since) goes back to its queue at once, by a ``transfer`` to that queue ingested as
any other, so every board, wallboard and alert hears it. It keeps its place: a waiting contact
ranks by its start and its assessment, which the transfer does not change. A contact they took
(routed to them by ``next`` or an accepted offer, or given them by the platform) or answered is
theirs: they are handling it. One with no queue to go back to stays too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.db import utcnow
from kairos.events import Event, Transfer
from kairos.interactions import ingesting
from kairos.interactions.models import EventRecord, Interaction
from kairos.services import Services

#: The state in which an agent is not there to answer.
AWAY = "away"


def _waits_for(session: Session, interaction_row_id: int, agent_id: str) -> bool:
    """Whether the contact waits in ``agent_id``'s personal queue: its latest transfer sent it
    straight to them and no agent has spoken or written on it since."""
    rows = session.execute(
        select(EventRecord.type, EventRecord.payload)
        .where(EventRecord.interaction_id == interaction_row_id)
        .where(EventRecord.type.in_(("transfer", "utterance")))
        .order_by(EventRecord.seq.desc())
    ).all()
    for kind, payload in rows:
        body = payload or {}
        if kind == "utterance" and body.get("speaker") == "agent":
            return False  # answered: they are handling it
        if kind == "transfer":
            return bool(body.get("to_agent") == agent_id)
    return False  # routed to them or given them by the platform: theirs


def personal_queue(session: Session, agent_id: str) -> dict[str, str]:
    """The contacts waiting in ``agent_id``'s personal queue, with the queue each goes back to."""
    rows = session.execute(
        select(Interaction.id, Interaction.external_id, Interaction.queue).where(
            Interaction.agent_id == agent_id,
            Interaction.state != "ended",
            Interaction.queue.is_not(None),
        )
    ).all()
    return {str(i): str(q) for row_id, i, q in rows if _waits_for(session, row_id, agent_id)}


def _still_theirs(agent_id: str) -> Callable[[Session, list[Event]], list[Event]]:
    """The ingest's ``keep``: under the row locks, only contacts still held by the agent and
    still in their personal queue (a turn or a transfer may have arrived since they were read)."""

    def keep(session: Session, events: list[Event]) -> list[Event]:
        ids = [e.interaction_id for e in events]
        rows = session.execute(
            select(Interaction.id, Interaction.external_id, Interaction.agent_id, Interaction.state)
            .where(Interaction.external_id.in_(ids))
            .with_for_update()
        ).all()
        fresh = {
            str(i)
            for row_id, i, agent, state in rows
            if agent == agent_id and state != "ended" and _waits_for(session, row_id, agent_id)
        }
        return [e for e in events if e.interaction_id in fresh]

    return keep


def hand_back(runtime: Services, *, agent_id: str, at: datetime | None = None) -> list[str]:
    """``agent_id`` stepped away: the contacts in their personal queue go back to their queues.
    The ids of the contacts moved."""
    at = at or utcnow()
    with runtime.db.session() as session:
        found = personal_queue(session, agent_id)
    if not found:
        return []
    stamp = at.strftime("%Y%m%dT%H%M%S%f")
    events: list[Event] = [
        Transfer(
            event_id=f"{interaction_id}.away-{stamp}",
            interaction_id=interaction_id,
            occurred_at=at,
            to_queue=queue,
            reason=f"back to the queue: {agent_id} stepped away before answering",
        )
        for interaction_id, queue in sorted(found.items())
    ]
    response = ingesting.ingest(runtime, events, keep=_still_theirs(agent_id))
    moved = {ack.event_id for ack in response.events if ack.status == "applied"}
    return [e.interaction_id for e in events if e.event_id in moved]
