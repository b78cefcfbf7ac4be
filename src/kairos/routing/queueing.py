"""Every contact lands in a queue: the queue mapping applied from the bus.

:class:`QueuePlacer` follows ``events`` and ``assessments``: an ``interaction.started`` that
names no queue is placed by the mapping at once; an IVR choice, or an assessment that finds new
stakes, places a contact again while it waits (only one the mapping placed: a queue an event
named stays). Each placement is stored on the interaction with its note (the rule, or why it is
not queued) and announced as ``interaction.queued``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.bus import BusMessage, EventBus
from kairos.bus.messages import AssessmentUpdated, EventApplied, InteractionQueued, parse
from kairos.db import Database
from kairos.events import InteractionStarted, IvrSelection
from kairos.interactions import placement
from kairos.interactions.models import Interaction
from kairos.routing import service
from kairos.routing.models import Queue
from kairos.routing.queue_map import Contact, QueueMap, check_queues

log = logging.getLogger(__name__)


def prepare(db: Database, queue_map: QueueMap) -> None:
    """At start: create the queues the mapping declares (kept if they exist), then refuse a
    mapping that names a queue that is nowhere."""
    with db.session() as session:
        existing = set(session.scalars(select(Queue.name)))
    for queue_in in queue_map.queues:
        if queue_in.name not in existing:
            service.create_queue(db=db, queue_in=queue_in)
            log.info("created queue %r from the queue mapping", queue_in.name)
            existing.add(queue_in.name)
    check_queues(queue_map, sorted(existing))


class QueuePlacer:
    """A bus listener on ``events`` and ``assessments`` that applies the queue mapping."""

    def __init__(
        self,
        db: Database,
        bus: EventBus,
        queue_map: QueueMap,
        on_placed: Callable[[Interaction], None] | None = None,
    ) -> None:
        self.db, self.bus, self.map = db, bus, queue_map
        self.on_placed = on_placed

    def __call__(self, topic: str, body: BusMessage) -> None:
        message = parse(body)
        if isinstance(message, EventApplied):
            event = message.event
            if isinstance(event, InteractionStarted) and event.queue is None:
                self.place(event.interaction_id, remap=False)
            elif isinstance(event, IvrSelection) and self.map.uses_ivr:
                self.place(event.interaction_id, remap=True)
        elif (
            isinstance(message, AssessmentUpdated)
            and self.map.uses_stakes
            and message.agent_id is None
            and message.state in ("open", "queued")
            and message.assessment.stakes
        ):
            self.place(message.interaction_id, remap=True)

    def contact(self, session: Session, interaction: Interaction) -> Contact:
        """What the mapping looks at for ``interaction``."""
        assessment = interaction.current_assessment
        ivr: tuple[str, ...] = ()
        if self.map.uses_ivr:
            ivr = tuple(placement.ivr_choices(session=session, interaction=interaction))
        return Contact(
            channel=interaction.channel,
            reason=interaction.reason,
            language=interaction.language,
            ivr=ivr,
            stakes=tuple(assessment.stakes) if assessment is not None else (),
        )

    def place(self, interaction_id: str, *, remap: bool) -> None:
        """Apply the mapping to one interaction; store and announce a change."""
        with self.db.session() as session:
            interaction = session.scalar(
                select(Interaction).where(Interaction.external_id == interaction_id)
            )
            if interaction is None or interaction.agent_id is not None:
                return
            where = self.map.place(self.contact(session, interaction))
        changed = placement.place_in_queue(
            db=self.db, interaction_id=interaction_id, queue=where.queue, note=where.note,
            remap=remap,
        )  # fmt: skip
        if changed is None:
            return
        self.bus.send(
            InteractionQueued(interaction_id=interaction_id, queue=where.queue, note=where.note)
        )
        if self.on_placed is not None:
            self.on_placed(changed)
