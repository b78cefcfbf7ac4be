"""Which bus messages can move the live routing board (:mod:`kairos.routing.live_board`): the
others are dropped by its listener, so its thread is not woken (a condition notified and the
GIL handed over on every event) for what it would ignore."""

from __future__ import annotations

from kairos.bus import BusMessage

#: Applied events that can move the board (an utterance only when an agent speaks); the others
#: (a customer's words, IVR input, surveys) change nothing on it and are dropped unqueued.
MOVING = frozenset({"interaction.started", "transfer", "interaction.ended", "utterance"})


def inert(body: BusMessage) -> bool:
    """An applied event the board ignores whatever it holds: waking its thread is wasted (an
    agent's words can mean an agent answered a waiting contact directly; a customer's cannot)."""
    event = body.get("event") if body.get("type") == "event.applied" else None
    if not isinstance(event, dict):
        return False
    kind = event.get("type")
    return kind not in MOVING or (kind == "utterance" and event.get("speaker") != "agent")
