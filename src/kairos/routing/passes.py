"""Agents who let a contact go: who transferred it back to a queue, who declined its offer or
let the offer run out. Routing gives it to someone else first: for ``return_after_s`` it is not
given back to them (by ``next`` or an offer), and then it may be, so that a contact nobody else
can take still reaches an agent rather than waiting for ever."""

from __future__ import annotations

from datetime import datetime, timedelta


class Passes:
    """Which agent let which waiting contact go, and until when routing keeps it from them."""

    def __init__(self, return_after_s: float = 120.0) -> None:
        self.return_after_s = return_after_s
        #: agent -> {interaction -> until when it is kept from them}
        self._by_agent: dict[str, dict[str, datetime]] = {}

    def add(self, interaction_id: str, agent_id: str, now: datetime) -> None:
        """``agent_id`` let ``interaction_id`` go at ``now``."""
        for agent in list(self._by_agent):  # what ran out (few: agents let few contacts go)
            self.kept_from(agent, now)
        until = now + timedelta(seconds=self.return_after_s)
        self._by_agent.setdefault(agent_id, {})[interaction_id] = until

    def forget(self, interaction_id: str) -> None:
        """The contact was taken or ended: what was passed on no longer matters."""
        for agent_id in [a for a, kept in self._by_agent.items() if interaction_id in kept]:
            kept = self._by_agent[agent_id]
            del kept[interaction_id]
            if not kept:
                del self._by_agent[agent_id]

    def kept_from(self, agent_id: str, now: datetime) -> frozenset[str]:
        """The contacts routing does not give ``agent_id`` at ``now``."""
        kept = self._by_agent.get(agent_id)
        if not kept:
            return frozenset()
        for interaction_id in [i for i, until in kept.items() if until <= now]:
            del kept[interaction_id]
        if not kept:
            del self._by_agent[agent_id]
        return frozenset(kept)

    def passed(self, interaction_id: str, agent_id: str, now: datetime) -> bool:
        """Whether ``agent_id`` let ``interaction_id`` go and routing still keeps it from them."""
        until = self._by_agent.get(agent_id, {}).get(interaction_id)
        return until is not None and until > now
