"""The routing policy's shape: the base class every policy extends (how it picks pairs from a
board, given how it scores each side), the MoT threshold, and the board built from snapshots.
The policies themselves are in :mod:`kairos.routing.policies`."""

from __future__ import annotations

import abc
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import numpy as np

from kairos.routing.board import F64, I64, Bool, RoutingBoard, best, seconds, top
from kairos.routing.snapshots import (
    AgentSnapshot,
    Decision,
    Reason,
    WaitingInteraction,
)

#: The MoT score at which an interaction counts as a moment of truth: the detector's score is a
#: calibrated probability, and this is "more likely than not" (the same line as detection.HIGH).
MOT_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class _Load:
    """How busy the centre is at one decision, for the certified reserve."""

    occupancy: float
    free_certified: int
    reserve: int
    high: bool


def _bits(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


class RoutingPolicy(abc.ABC):
    """Picks (interaction, agent) pairs from a board; subclasses say how to score each side."""

    name: ClassVar[str]

    def __init__(self, *, mot_threshold: float = MOT_THRESHOLD) -> None:
        self.mot_threshold = mot_threshold

    @abc.abstractmethod
    def priority(self, board: RoutingBoard, now: float) -> F64:
        """A score for every waiting slot at ``now`` (seconds); higher goes first."""

    @abc.abstractmethod
    def agent_scores(self, board: RoutingBoard, slot: int, now: float) -> F64:
        """A score for every agent for the interaction in ``slot``; higher is a better fit."""

    def allowed_agents(self, board: RoutingBoard, slot: int, load: _Load) -> Bool:
        """Agents this policy lets take the interaction in ``slot`` now."""
        return board.eligible_agents(slot)

    def allowed_interactions(self, board: RoutingBoard, agent_slot: int, load: _Load) -> Bool:
        """Waiting interactions this policy lets the agent in ``agent_slot`` take now."""
        return board.eligible_interactions(agent_slot)

    def load(self, board: RoutingBoard) -> _Load:
        """The centre's load; the base policies keep no reserve."""
        return _Load(occupancy=0.0, free_certified=0, reserve=0, high=False)

    def reasons(
        self, board: RoutingBoard, slot: int, agent_slot: int, now: float, load: _Load
    ) -> tuple[Reason, ...]:
        """Why this pair: the factors and their values."""
        interaction = board.interactions[board.waiting_id(slot)]
        return (
            Reason("waited_seconds", round(now - seconds(interaction.enqueued_at), 3)),
            Reason("agent_idle_seconds", round(now - float(board.a_idle[agent_slot]), 3)),
        )

    # -- decisions --------------------------------------------------------------------------

    def _ranked(self, board: RoutingBoard, priority: F64) -> Iterator[int]:
        """Waiting slots from the highest priority down; equal priorities in id order."""
        slots = np.flatnonzero(board.w_active)
        if len(slots) == 0:
            return
        order = slots[np.argsort(-priority[slots], kind="stable")]
        ordered = priority[order]
        i = 0
        while i < len(order):
            j = i + 1
            while j < len(order) and ordered[j] == ordered[i]:
                j += 1
            run = order[i:j]
            yield from (
                [int(run[0])]
                if j - i == 1
                else sorted((int(s) for s in run), key=lambda s: board.waiting_id(s))
            )
            i = j

    def _decide(
        self,
        board: RoutingBoard,
        slot: int,
        agent_slot: int,
        score: float,
        now: float,
        load: _Load,
    ) -> Decision:
        interaction_id = board.waiting_id(slot)
        agent_id = board.agent_id(agent_slot)
        decision = Decision(
            interaction_id=interaction_id,
            agent_id=agent_id,
            policy=self.name,
            score=round(float(score), 6),
            moment_of_truth=bool(board.w_mot[slot] >= self.mot_threshold),
            reasons=self.reasons(board, slot, agent_slot, now, load),
        )
        board.assign(interaction_id, agent_id)
        return decision

    def choose(self, board: RoutingBoard, *, now: datetime, limit: int = 1) -> list[Decision]:
        """The next ``limit`` pairs, best first; each is applied to the board (agent load)."""
        now_s = seconds(now)
        priority = self.priority(board, now_s)
        decisions: list[Decision] = []
        load = self.load(board)
        # Interactions needing the same skills, channel and language share their agent pool, so
        # a pool with nobody free is found empty once, not once per interaction.
        pools: dict[tuple[int, int, int, bool], bool] = {}
        for slot in self._ranked(board, priority):
            key = (
                int(board.w_skills[slot]),
                int(board.w_channel[slot]),
                int(board.w_language[slot]),
                bool(board.w_mot[slot] >= self.mot_threshold),
            )
            if pools.get(key) is False:
                continue
            allowed = self.allowed_agents(board, slot, load)
            if not allowed.any():
                pools[key] = False
                continue
            agent_slot = best(self.agent_scores(board, slot, now_s), allowed, board.a_ids)
            assert agent_slot is not None
            decisions.append(self._decide(board, slot, agent_slot, priority[slot], now_s, load))
            if len(decisions) >= limit:
                break
            load = self.load(board)
            pools.clear()
        return decisions

    def next_for_agent(
        self, board: RoutingBoard, agent_id: str, *, now: datetime, kept: Collection[str] = ()
    ) -> Decision | None:
        """The interaction the agent ``agent_id`` should take next, or None; never one of
        ``kept`` (contacts the agent let go, see :mod:`kairos.routing.passes`)."""
        agent_slot = board.agent_slot(agent_id)
        if agent_slot is None or not board.takes_work(agent_slot):
            return None
        now_s = seconds(now)
        load = self.load(board)
        # The priority of the allowed contacts only (the same values the whole board's would
        # hold: the same operations on each), not of every slot: an agent may take a few of
        # the waiting contacts, and this is the most frequent decision.
        allowed = self.allowed_for_agent(board, agent_slot, load, now_s)
        kept_slots = [
            s for s in map(board.waiting_slot, kept) if s is not None and s < len(allowed)
        ]
        if kept_slots:
            allowed = allowed.copy()
            allowed[kept_slots] = False
        slots = np.flatnonzero(allowed)
        if len(slots) == 0:
            return None
        priority = self.priority_of(board, slots, now_s)
        at = top(priority, lambda i: board.w_ids[slots[i]])
        return self._decide(board, int(slots[at]), agent_slot, priority[at], now_s, load)

    def priority_of(self, board: RoutingBoard, slots: I64, now: float) -> F64:
        """:meth:`priority` of the waiting ``slots`` only (subclasses compute just those)."""
        return self.priority(board, now)[slots]

    def allowed_for_agent(
        self, board: RoutingBoard, agent_slot: int, load: _Load, now: float
    ) -> Bool:
        """What :meth:`next_for_agent` may give this agent: the allowed interactions, here."""
        return self.allowed_interactions(board, agent_slot, load)

    def agent_for(
        self, board: RoutingBoard, interaction_id: str, *, now: datetime
    ) -> Decision | None:
        """The best allowed agent for one waiting interaction (say, one that just arrived), or None.

        The mirror of :meth:`next_for_agent`: when no other waiting interaction could be placed
        before ``interaction_id`` came, this is the decision ``choose`` would make, at the cost of
        one interaction instead of the whole waiting set.
        """
        slot = board.waiting_slot(interaction_id)
        if slot is None:
            return None
        now_s = seconds(now)
        load = self.load(board)
        allowed = self.allowed_agents(board, slot, load)
        if not allowed.any():
            return None
        agent_slot = best(self.agent_scores(board, slot, now_s), allowed, board.a_ids)
        assert agent_slot is not None
        return self._decide(board, slot, agent_slot, self.priority(board, now_s)[slot], now_s, load)

    def reserve_held(self, board: RoutingBoard) -> bool:
        """Whether free certified agents are being kept from routine work now (never, here)."""
        return False

    def choose_from(
        self,
        waiting: Sequence[WaitingInteraction],
        agents: Sequence[AgentSnapshot],
        *,
        now: datetime,
        limit: int = 1,
    ) -> list[Decision]:
        """``choose`` on a board built from plain snapshots (convenient; slower per call)."""
        return self.choose(build_board(waiting, agents), now=now, limit=limit)


def build_board(
    waiting: Sequence[WaitingInteraction], agents: Sequence[AgentSnapshot]
) -> RoutingBoard:
    """A board holding these snapshots."""
    board = RoutingBoard()
    for agent in agents:
        board.put_agent(agent)
    for interaction in waiting:
        board.put_waiting(interaction)
    return board
