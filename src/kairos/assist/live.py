"""Live coaching: each agent utterance applied is checked, and a nudge published when it blames,
deflects or closes too soon.

:class:`CoachingListener` listens to ``event.applied`` on the bus topic ``events`` (so it sees an
utterance only after its ingest committed) and publishes ``coaching.nudge`` on ``assist`` with the
interaction, the agent and the nudges. It keeps no state: the same utterance always gives the same
nudges, and :func:`kairos.assist.service.nudges_for` rebuilds them from the event log for a page
opened late.
"""

from __future__ import annotations

from kairos.assist.coaching import coach
from kairos.bus import BusMessage, EventBus


def nudge_message(event: BusMessage) -> BusMessage | None:
    """The ``coaching.nudge`` message for one applied event, or None when there is none."""
    if event.get("type") != "utterance" or event.get("speaker") != "agent":
        return None
    nudges = coach(str(event.get("text") or ""))
    if not nudges:
        return None
    return {
        "type": "coaching.nudge",
        "interaction_id": event.get("interaction_id"),
        "agent_id": event.get("agent_id"),
        "event_id": event.get("event_id"),
        "occurred_at": event.get("occurred_at"),
        "nudges": [n.model_dump(mode="json") for n in nudges],
    }


class CoachingListener:
    """Turns applied agent utterances into ``coaching.nudge`` messages on ``assist``."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    def __call__(self, topic: str, message: BusMessage) -> None:
        if message.get("type") != "event.applied":
            return
        nudge = nudge_message(message.get("event") or {})
        if nudge is not None:
            self.bus.publish("assist", nudge)
