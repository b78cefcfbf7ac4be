"""Routing policies: which waiting interaction goes to which agent, and why.

A pure library (no database, no web): the routing service and the simulator both give it plain
snapshots (:mod:`kairos.routing.snapshots`) on a :class:`~kairos.routing.board.RoutingBoard`.

- ``fifo`` is the industry default and the peer every comparison is made against: longest wait
  first, any agent with the skills, the longest idle agent.
- ``moments`` puts moments of truth first (MoT score, time to the customer's deadline, wait,
  customer value), gives them the best-fit agent (empathy, proficiency, certification), holds a
  reserve of certified agents back from routine work when the centre is busy, and suggests that a
  supervisor assist or take over an interaction in progress when strain and stakes run high.

Priority is computed from the current snapshot at every decision, so a waiting interaction whose
assessment changes (``board.put_waiting`` with the new snapshot) is re-prioritised at once.

The base class, the MoT threshold and ``build_board`` are in :mod:`kairos.routing.policy_base`
(re-exported here).
"""

from __future__ import annotations

import math

import numpy as np

from kairos.routing.board import F64, I64, Bool, RoutingBoard, seconds
from kairos.routing.policy_base import MOT_THRESHOLD, RoutingPolicy, _bits, _Load, build_board
from kairos.routing.snapshots import (
    LiveInteraction,
    Reason,
    SupervisorAlert,
)


class FifoPolicy(RoutingPolicy):
    """The industry default: longest wait first, any agent with the skills, longest idle agent."""

    name = "fifo"

    def priority(self, board: RoutingBoard, now: float) -> F64:
        """Longest wait first."""
        return -board.w_enqueued

    def priority_of(self, board: RoutingBoard, slots: I64, now: float) -> F64:
        """Longest wait first, for ``slots``."""
        return -board.w_enqueued[slots]

    def agent_scores(self, board: RoutingBoard, slot: int, now: float) -> F64:
        """Longest idle first."""
        return -board.a_idle


class MomentsPolicy(RoutingPolicy):
    """Moments of truth first, to the best-fit agent, with certified agents held in reserve."""

    name = "moments"

    def __init__(
        self,
        *,
        mot_threshold: float = MOT_THRESHOLD,
        # The MoT score leads: a 0.9 moment of truth outranks a routine contact that arrived
        # together with it by the whole weight.
        mot_weight: float = 1.0,
        # A deadline inside the horizon adds up to this much, linearly as it nears; the recital
        # at 7 tonight matters more at 6:30 than at noon.
        deadline_weight: float = 0.6,
        # Two hours: long enough to rebook a flight or dispatch a tow while it still helps.
        deadline_horizon_minutes: float = 120.0,
        # A deadline passed less than this long ago still presses at its full weight: the
        # customer has just missed it, and a rebooking or a call-back now still saves something.
        # Past it the deadline is history: it adds no priority and no longer suggests taking
        # over (the minutes are still reported, below zero), so an old passed deadline does not
        # keep a contact at the top or its alert at "take over" for ever.
        deadline_grace_minutes: float = 30.0,
        # Wait grows without a cap so routine contacts are never starved: at 0.5 per 5 minutes,
        # a routine call overtakes a fresh 0.9 moment of truth after about 9 minutes.
        wait_weight: float = 0.5,
        wait_scale_seconds: float = 300.0,
        # Customer value and churn risk break near-ties between similar contacts, no more.
        value_weight: float = 0.2,
        churn_weight: float = 0.2,
        # Agent fit for moments of truth: empathy and certification count most (published MoT
        # work stresses the rep's empathy and authority to act), then skill proficiency.
        empathy_weight: float = 1.0,
        proficiency_weight: float = 0.6,
        certified_weight: float = 1.0,
        # Routine contacts go to uncertified agents first, keeping certified ones free ...
        keep_certified_weight: float = 0.5,
        # ... and lean only lightly on proficiency: any agent with the skill can do routine work.
        routine_proficiency_weight: float = 0.1,
        # A small idle term spreads work evenly between agents of equal fit (seconds scale).
        idle_weight: float = 0.1,
        idle_scale_seconds: float = 600.0,
        # The reserve: at or above this occupancy (load / capacity of agents on shift) ...
        reserve_occupancy: float = 0.85,
        # ... this share of the certified agents on shift (at least ``reserve_min``) is kept
        # free for moments of truth; routine work may not take the last ones.
        reserve_fraction: float = 0.2,
        reserve_min: int = 1,
        # Pull routing (an agent asks for work): an uncertified agent is not given a moment of
        # truth that a free certified agent could take, for up to this long; after that, any
        # agent with the skills may take it (a certified agent marked free may not be asking).
        hold_for_certified_seconds: float = 30.0,
        # Supervisor alert: strain (emotion or voice stress) at or above this with stakes at play.
        alert_strain: float = 0.7,
        # Strain this high with a deadline that presses (inside the horizon, or passed within the
        # grace window) suggests taking over, not assisting.
        take_over_strain: float = 0.85,
    ) -> None:
        super().__init__(mot_threshold=mot_threshold)
        self.hold_for_certified_seconds = hold_for_certified_seconds
        self.mot_weight = mot_weight
        self.deadline_weight = deadline_weight
        self.deadline_horizon_minutes = deadline_horizon_minutes
        self.deadline_grace_minutes = deadline_grace_minutes
        self.wait_weight = wait_weight
        self.wait_scale_seconds = wait_scale_seconds
        self.value_weight = value_weight
        self.churn_weight = churn_weight
        self.empathy_weight = empathy_weight
        self.proficiency_weight = proficiency_weight
        self.certified_weight = certified_weight
        self.keep_certified_weight = keep_certified_weight
        self.routine_proficiency_weight = routine_proficiency_weight
        self.idle_weight = idle_weight
        self.idle_scale_seconds = idle_scale_seconds
        self.reserve_occupancy = reserve_occupancy
        self.reserve_fraction = reserve_fraction
        self.reserve_min = reserve_min
        self.alert_strain = alert_strain
        self.take_over_strain = take_over_strain

    def deadline_presses(self, minutes_to_deadline: float | None) -> bool:
        """Whether a deadline this many minutes away (below zero: passed) presses: inside the
        horizon ahead, or passed within the grace window."""
        return (
            minutes_to_deadline is not None
            and -self.deadline_grace_minutes <= minutes_to_deadline <= self.deadline_horizon_minutes
        )

    def _deadline_pressure(self, deadline: F64, now: float) -> F64:
        minutes = (deadline - now) / 60.0
        pressure = np.clip(1.0 - minutes / self.deadline_horizon_minutes, 0.0, 1.0)
        # NaN (no deadline) compares False: no pressure, as for one passed past the grace window.
        return np.where(minutes >= -self.deadline_grace_minutes, pressure, 0.0)

    def priority(self, board: RoutingBoard, now: float) -> F64:
        """MoT score, deadline pressure, wait, customer value and churn risk, weighted."""
        return self._priority(
            board.w_mot, board.w_deadline, board.w_enqueued, board.w_value, board.w_churn, now
        )

    def priority_of(self, board: RoutingBoard, slots: I64, now: float) -> F64:
        """:meth:`priority` for ``slots``: the same operations on each, so the same values."""
        return self._priority(
            board.w_mot[slots], board.w_deadline[slots], board.w_enqueued[slots],
            board.w_value[slots], board.w_churn[slots], now,
        )  # fmt: skip

    def _priority(
        self, mot: F64, deadline: F64, enqueued: F64, value: F64, churn: F64, now: float
    ) -> F64:
        return (
            self.mot_weight * mot
            + self.deadline_weight * self._deadline_pressure(deadline, now)
            + self.wait_weight * (now - enqueued) / self.wait_scale_seconds
            + self.value_weight * value
            + self.churn_weight * churn
        )

    def _idle(self, board: RoutingBoard, now: float) -> F64:
        return np.clip((now - board.a_idle) / self.idle_scale_seconds, 0.0, 1.0)

    def agent_scores(self, board: RoutingBoard, slot: int, now: float) -> F64:
        """Fit for a moment of truth; for routine work, uncertified and longest idle first."""
        proficiency = (board.proficiency(slot) - 1.0) / 4.0
        idle = self.idle_weight * self._idle(board, now)
        certified = board.a_certified.astype(np.float64)
        if board.w_mot[slot] >= self.mot_threshold:
            return (
                self.empathy_weight * board.a_empathy
                + self.proficiency_weight * proficiency
                + self.certified_weight * certified
                + idle
            )
        return (
            self.routine_proficiency_weight * proficiency
            - self.keep_certified_weight * certified
            + idle
        )

    def load(self, board: RoutingBoard) -> _Load:
        """Occupancy of the agents on shift and how many certified agents are free."""
        on_shift = board.a_active & board.a_on_shift
        capacity = int(board.a_max[on_shift].sum())
        occupancy = float(board.a_load[on_shift].sum()) / capacity if capacity else 1.0
        certified = on_shift & board.a_certified
        free = int((board.can_take_work() & board.a_certified).sum())
        reserve = max(self.reserve_min, math.ceil(self.reserve_fraction * int(certified.sum())))
        return _Load(occupancy, free, reserve, occupancy >= self.reserve_occupancy)

    def _holds_reserve(self, load: _Load) -> bool:
        return load.high and load.free_certified <= load.reserve

    def reserve_held(self, board: RoutingBoard) -> bool:
        """Whether free certified agents are being kept from routine work now."""
        return self._holds_reserve(self.load(board))

    def allowed_agents(self, board: RoutingBoard, slot: int, load: _Load) -> Bool:
        """Eligible agents, less the certified reserve when a routine contact asks in a rush."""
        allowed = board.eligible_agents(slot)
        if board.w_mot[slot] < self.mot_threshold and self._holds_reserve(load):
            allowed = allowed & ~board.a_certified
        return allowed

    def allowed_for_agent(
        self, board: RoutingBoard, agent_slot: int, load: _Load, now: float
    ) -> Bool:
        """As for any policy, but a moment of truth waits a little for a free certified agent."""
        allowed = self.allowed_interactions(board, agent_slot, load)
        if not board.a_certified[agent_slot]:
            allowed = allowed & ~self._held_for_certified(board, allowed, now)
        return allowed

    def _held_for_certified(self, board: RoutingBoard, allowed: Bool, now: float) -> Bool:
        """Moments of truth among ``allowed`` that a free certified agent could take now."""
        held = np.zeros_like(allowed)
        n = len(allowed)  # the slots used so far, as eligible_interactions gives them
        fresh = board.w_enqueued[:n] > now - self.hold_for_certified_seconds
        candidates = np.flatnonzero(allowed & (board.w_mot[:n] >= self.mot_threshold) & fresh)
        if len(candidates) == 0:
            return held
        free_certified = board.can_take_work() & board.a_certified
        if not free_certified.any():
            return held
        for slot in candidates:
            held[slot] = bool((board.eligible_agents(int(slot)) & free_certified).any())
        return held

    def allowed_interactions(self, board: RoutingBoard, agent_slot: int, load: _Load) -> Bool:
        """Eligible interactions; a certified agent in the reserve takes moments of truth only."""
        allowed = board.eligible_interactions(agent_slot)
        if board.a_certified[agent_slot] and self._holds_reserve(load):
            allowed = allowed & (board.w_mot[: len(allowed)] >= self.mot_threshold)
        return allowed

    def reasons(
        self, board: RoutingBoard, slot: int, agent_slot: int, now: float, load: _Load
    ) -> tuple[Reason, ...]:
        """Priority factors, the agent's fit and the reserve's state."""
        interaction = board.interactions[board.waiting_id(slot)]
        agent = board.agents[board.agent_id(agent_slot)]
        deadline = float(board.w_deadline[slot])
        minutes = None if math.isnan(deadline) else round((deadline - now) / 60.0, 2)
        required = int(board.w_skills[slot])
        proficiency = (
            None
            if not required
            # One skill (the usual case): its level, which is the mean NumPy would give.
            else float(board.a_proficiency[agent_slot, required.bit_length() - 1])
            if required & (required - 1) == 0
            else float(board.a_proficiency[agent_slot, _bits(required)].mean())
        )
        reasons = [
            Reason("mot_score", round(interaction.mot_score, 4)),
            Reason("minutes_to_deadline", minutes if minutes is not None else "none"),
            Reason("waited_seconds", round(now - seconds(interaction.enqueued_at), 3)),
            Reason("customer_value", round(interaction.customer_value, 4)),
            Reason("churn_risk", round(interaction.churn_risk, 4)),
            Reason("agent_empathy", round(agent.empathy, 4)),
            Reason("agent_mot_certified", agent.mot_certified),
            Reason(
                "agent_proficiency", round(proficiency, 2) if proficiency is not None else "any"
            ),
            Reason("occupancy", round(load.occupancy, 4)),
            Reason("reserve_held", self._holds_reserve(load)),
        ]
        return tuple(reasons)

    def supervisor_alert(self, live: LiveInteraction) -> SupervisorAlert | None:
        """A suggestion to assist or take over when strain and stakes cross the line, else None."""
        strain = max(live.emotion, live.stress)
        at_stake = bool(live.stakes) or live.mot_score >= self.mot_threshold
        if strain < self.alert_strain or not at_stake:
            return None
        take_over = strain >= self.take_over_strain and self.deadline_presses(
            live.minutes_to_deadline
        )
        reasons = (
            Reason("emotion", round(live.emotion, 4)),
            Reason("stress", round(live.stress, 4)),
            Reason("mot_score", round(live.mot_score, 4)),
            Reason("stakes", ",".join(live.stakes) or "none"),
            Reason(
                "minutes_to_deadline",
                round(live.minutes_to_deadline, 2)
                if live.minutes_to_deadline is not None
                else "none",
            ),
        )
        return SupervisorAlert(
            interaction_id=live.id,
            agent_id=live.agent_id,
            action="take_over" if take_over else "assist",
            severity=round(min(1.0, 0.5 * strain + 0.5 * max(live.mot_score, 0.5)), 4),
            reasons=reasons,
        )


__all__ = [
    "MOT_THRESHOLD",
    "POLICIES",
    "FifoPolicy",
    "MomentsPolicy",
    "RoutingPolicy",
    "build_board",
    "make_policy",
]

POLICIES: dict[str, type[RoutingPolicy]] = {"fifo": FifoPolicy, "moments": MomentsPolicy}


def make_policy(name: str) -> RoutingPolicy:
    """A policy by name with its default hyper-parameters."""
    try:
        return POLICIES[name]()
    except KeyError:
        raise ValueError(f"unknown routing policy {name!r}; known: {', '.join(POLICIES)}") from None
