"""Server-sent events for the pages, fed from the bus and filtered per user.

An agent receives only what concerns the interactions routing gave them (and their own state); a
supervisor what concerns their teams' agents and the contacts still waiting; an admin everything.
A comment line every ``heartbeat_s`` keeps proxies from closing an idle stream and lets the
server notice a page that went away; closing the page ends the subscription.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable
from typing import Any, Protocol

from kairos.auth.schemas import Principal
from kairos.bus import BusMessage, EventBus

TOPICS = (
    "events",
    "assessments",
    "agents",
    "routing",
    "supervision",
    "interactions",
    "assist",
    "messages",
    "outcomes",
)
#: Topics an agent's page never needs.
_SUPERVISOR_ONLY = frozenset({"supervision"})
_REMEMBERED = 20_000


class LiveFilter:
    """Decides, message by message, what one signed-in user's page may receive."""

    def __init__(self, principal: Principal, held: Iterable[str] = ()) -> None:
        self.principal = principal
        #: Interactions this agent holds now (agents only).
        self.held: set[str] = set(held)
        #: The agent each interaction was last seen with (supervisors).
        self.agent_of: OrderedDict[str, str | None] = OrderedDict()

    def _remember(self, interaction_id: str, agent_id: str | None) -> None:
        self.agent_of[interaction_id] = agent_id
        self.agent_of.move_to_end(interaction_id)
        while len(self.agent_of) > _REMEMBERED:
            self.agent_of.popitem(last=False)

    def _sees_interaction(self, interaction_id: str | None, agent_hint: str | None) -> bool:
        if self.principal.sees_all:
            return True
        if interaction_id is None:
            return False
        if self.principal.role == "agent":
            return interaction_id in self.held
        agent_id = agent_hint if agent_hint is not None else self.agent_of.get(interaction_id)
        return self.principal.sees_agent(agent_id)

    def admit(self, message: BusMessage) -> bool:
        """Whether to send ``message`` (a bus envelope with ``topic``) to this page."""
        topic = message.get("topic")
        kind = message.get("type")
        me = self.principal.agent_id if self.principal.role == "agent" else None
        if topic in _SUPERVISOR_ONLY and not self.principal.supervises:
            return False
        if topic == "agents":
            return self.principal.sees_agent(message.get("agent_id"))
        if topic == "routing" and kind == "routing.decided":
            interaction_id, agent_id = message.get("interaction_id"), message.get("agent_id")
            if me is not None and agent_id == me:
                self.held.add(str(interaction_id))
            if interaction_id is not None:
                self._remember(str(interaction_id), agent_id)
            return self.principal.sees_agent(agent_id)
        if topic == "routing" and kind in ("routing.offered", "routing.offer_ended"):
            agent_id = message.get("agent_id")
            return agent_id == me if me is not None else self.principal.sees_agent(agent_id)
        if topic == "messages":
            if self.principal.supervises or kind == "key_message.expired":
                return True
            return bool(self.held & set(message.get("interaction_ids") or ()))
        if topic == "events":
            event = message.get("event") or {}
            interaction_id = event.get("interaction_id")
            hint = event.get("agent_id") if event.get("speaker") == "agent" else None
            if me is not None and hint == me and interaction_id is not None:
                # The platform may give an agent a contact without Kairos routing it: the
                # agent's own words in it make it theirs.
                self.held.add(interaction_id)
            admitted = self._sees_interaction(interaction_id, hint)
            if event.get("type") == "transfer" and interaction_id is not None:
                to_agent = event.get("to_agent")
                self._remember(interaction_id, to_agent)
                if me is not None:
                    if to_agent == me:
                        self.held.add(interaction_id)
                        admitted = True
                    else:
                        self.held.discard(interaction_id)
            return admitted
        interaction_id = message.get("interaction_id")
        agent_id = message.get("agent_id")
        source = message.get("source_interaction_id")  # an escalation: the call carries a chat
        if source is not None and self._sees_interaction(str(source), agent_id):
            return True
        if topic == "assessments" and interaction_id is not None:
            self._remember(str(interaction_id), agent_id)
        return self._sees_interaction(
            str(interaction_id) if interaction_id is not None else None, agent_id
        )

    def shown(self, message: BusMessage) -> BusMessage | None:
        """What this page receives of ``message``: all of it when admitted; for a supervisor, a
        contact routed to an agent outside their teams leaves their list of waiting contacts
        (every supervisor sees those), so their page hears that it was taken and no more (not
        the agent, nor the decision's reasons). Before 2026-12-07 it heard nothing, and a
        wallboard kept "ROUTE waiting for an agent" for a contact another team had."""
        if self.admit(message):
            return message
        if self.principal.supervises and message.get("type") == "routing.decided":
            interaction_id = message.get("interaction_id")
            return {"topic": "routing", "type": "routing.taken", "interaction_id": interaction_id}
        return None


def encode(message: BusMessage) -> str:
    """One SSE frame."""
    return f"data: {json.dumps(message, default=str, separators=(',', ':'))}\n\n"


async def stream(
    bus: EventBus,
    live_filter: LiveFilter,
    *,
    heartbeat_s: float = 15.0,
    hello: dict[str, Any] | None = None,
) -> AsyncIterator[str]:
    """SSE frames for one page until it goes away; the subscription closes with it."""
    subscription = bus.subscribe(*TOPICS, maxsize=2_000)
    try:
        yield "retry: 2000\n\n"
        yield encode({"topic": "live", "type": "live.connected", **(hello or {})})
        while True:
            message = await subscription.get(timeout=heartbeat_s)
            if message is None:
                yield ": heartbeat\n\n"
                continue
            shown = live_filter.shown(message)
            if shown is not None:
                yield encode(shown)
    finally:
        subscription.close()


class Presence(Protocol):
    """Who is at their desktop (routing's push offers)."""

    def attach(self, agent_id: str) -> None:
        """A page of the agent's opened."""

    def detach(self, agent_id: str) -> None:
        """A page of the agent's went away."""


async def present(
    frames: AsyncIterator[str], presence: Presence, agent_id: str
) -> AsyncIterator[str]:
    """The frames of an agent's stream, the agent present while it is open (from the first
    frame: the subscription exists by then, so no offer made on arrival is missed)."""
    attached = False
    try:
        async for frame in frames:
            yield frame
            if not attached:
                attached = True
                await asyncio.to_thread(presence.attach, agent_id)
    finally:
        if attached:
            presence.detach(agent_id)
