"""Live coaching: each agent utterance applied is checked, and a nudge published when it blames,
deflects or closes too soon.

:class:`CoachingListener` listens to ``event.applied`` on the bus topic ``events`` (so it sees an
utterance only after its ingest committed) and publishes ``coaching.nudge`` on ``assist`` with the
interaction, the agent and the nudges. The same utterance always gives the same nudges, and
:func:`kairos.assist.service.nudges_for` rebuilds them from the event log for a page opened late.
An agent's edited message (an utterance with ``edit_of``) first withdraws the nudges on the words
it replaces (``coaching.withdrawn``), then is coached on its own words.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from kairos.assist.coaching import coach
from kairos.bus import BusMessage, EventBus
from kairos.bus.messages import CoachingNudge, CoachingWithdrawn, EventApplied, NudgeOut, parse
from kairos.db import Database, utcnow
from kairos.events import Event, Utterance
from kairos.interactions.edits import in_place
from kairos.interactions.models import EventRecord, Interaction

log = logging.getLogger(__name__)
#: How far back a catch-up after a bus gap looks for agent turns whose nudge may be lost.
CATCH_UP_S = 3_600
#: How long a nudge sent is remembered (so it is not sent again).
NUDGED_S = 2 * CATCH_UP_S


def nudge_message(event: Event) -> CoachingNudge | None:
    """The ``coaching.nudge`` message for one applied event, or None when there is none."""
    if not isinstance(event, Utterance) or event.speaker != "agent":
        return None
    return _nudge(
        event.text, event.interaction_id, event.agent_id, event.event_id, event.occurred_at
    )


def _nudge(
    text: str, interaction_id: str, agent_id: str | None, event_id: str, occurred_at: datetime
) -> CoachingNudge | None:
    nudges = coach(text)
    if not nudges:
        return None
    return CoachingNudge(
        interaction_id=interaction_id,
        agent_id=agent_id,
        event_id=event_id,
        occurred_at=occurred_at,
        nudges=[NudgeOut.model_validate(n.model_dump(mode="json")) for n in nudges],
    )


class CoachingListener:
    """Turns applied agent utterances into ``coaching.nudge`` messages on ``assist``.

    Each utterance's nudge is sent once (:meth:`EventBus.first_time` on its event id). With
    ``db``, after a bus gap (:meth:`catch_up`) the agent utterances stored in the last
    :data:`CATCH_UP_S` of the interactions in progress are coached again and the nudges not sent
    yet are sent: an ``event.applied`` lost while Redis was away still reaches the desktop.
    """

    def __init__(self, bus: EventBus, db: Database | None = None) -> None:
        self.bus, self.db = bus, db

    def __call__(self, topic: str, message: BusMessage) -> None:
        applied = parse(message)
        if not isinstance(applied, EventApplied):
            return
        event = applied.event
        if isinstance(event, Utterance) and event.speaker == "agent" and event.edit_of:
            self._withdraw(event)
        self._send(nudge_message(event))

    def _withdraw(self, edit: Utterance) -> None:
        """Withdraw the nudges on the words ``edit`` replaces (the page drops those it shows)."""
        key = f"withdrawn:{edit.event_id}"
        if not self.bus.first_time(key, ttl_s=NUDGED_S):
            return
        withdrawal = CoachingWithdrawn(
            interaction_id=edit.interaction_id,
            agent_id=edit.agent_id,
            event_id=edit.event_id,
            withdrawn=str(edit.edit_of),
        )
        if not self.bus.send(withdrawal):
            self.bus.forget(key)

    def _send(self, nudge: CoachingNudge | None) -> bool:
        if nudge is None:
            return False
        key = f"nudged:{nudge.event_id}"
        if not self.bus.first_time(key, ttl_s=NUDGED_S):
            return False
        if not self.bus.send(nudge):  # dropped (Redis away): the catch-up after the gap sends it
            self.bus.forget(key)
            return False
        return True

    def catch_up(self) -> None:
        """Send the nudges of recent agent turns not sent yet."""
        if self.db is None:
            return
        since = utcnow() - timedelta(seconds=CATCH_UP_S)
        with self.db.session() as session:
            rows = session.execute(
                select(Interaction.external_id, Interaction.agent_id, EventRecord)
                .join(EventRecord, EventRecord.interaction_id == Interaction.id)
                .where(
                    Interaction.state != "ended",
                    EventRecord.type == "utterance",
                    EventRecord.received_at >= since,
                )
                .order_by(EventRecord.id)
                .limit(20_000)
            ).all()
        sent = 0
        # An edited message is coached on its last words only: its earlier ones are gone.
        latest = in_place(
            rows, event_id=lambda r: r[2].event_id, edit_of=lambda r: r[2].payload.get("edit_of")
        )
        for interaction_id, agent_id, row in latest:
            payload = row.payload
            if payload.get("speaker") != "agent":
                continue
            sent += self._send(
                _nudge(
                    str(payload.get("text") or ""), interaction_id,
                    payload.get("agent_id") or agent_id, row.event_id, row.occurred_at,
                )
            )  # fmt: skip
        if sent:
            log.info("coaching: %d nudges sent after a bus gap", sent)
