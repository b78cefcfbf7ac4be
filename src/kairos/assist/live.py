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
from kairos.bus.messages import CoachingNudge, EventApplied, NudgeOut, parse
from kairos.events import Event, Utterance


def nudge_message(event: Event) -> CoachingNudge | None:
    """The ``coaching.nudge`` message for one applied event, or None when there is none."""
    if not isinstance(event, Utterance) or event.speaker != "agent":
        return None
    nudges = coach(event.text)
    if not nudges:
        return None
    return CoachingNudge(
        interaction_id=event.interaction_id,
        agent_id=event.agent_id,
        event_id=event.event_id,
        occurred_at=event.occurred_at,
        nudges=[NudgeOut.model_validate(n.model_dump(mode="json")) for n in nudges],
    )


class CoachingListener:
    """Turns applied agent utterances into ``coaching.nudge`` messages on ``assist``."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    def __call__(self, topic: str, message: BusMessage) -> None:
        applied = parse(message)
        if not isinstance(applied, EventApplied):
            return
        nudge = nudge_message(applied.event)
        if nudge is not None:
            self.bus.send(nudge)
