"""The discrete-event model: SimPy keeps the clock, the real routing board makes every decision.

One :class:`~kairos.routing.board.RoutingBoard` lives for the whole day and is updated in place:
an arrival is ``put_waiting``, an abandonment ``remove_waiting``, an agent who finishes or changes
shift ``put_agent``. Decisions come from the policy itself: ``agent_for`` when a contact arrives,
``next_for_agent`` when an agent frees up, and a pass over the free certified agents when the
``moments`` reserve is released. Between events no waiting contact has an agent the policy would
let it have, so these targeted calls make the same decisions as ``choose`` over the whole board.

Contacts are SimPy timeouts with callbacks rather than one process each (SimPy's ``bank_renege``
shape): a day has about 100,000 contacts, and a process with an ``AnyOf`` condition per contact
costs more than the routing itself. Agents are not SimPy resources because the board, not SimPy,
decides who serves whom.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import simpy

from kairos.events import CHANNELS
from kairos.routing.board import RoutingBoard
from kairos.routing.policies import MomentsPolicy, RoutingPolicy, make_policy
from kairos.routing.snapshots import AgentSnapshot, Decision, LiveInteraction, WaitingInteraction
from kairos.simulation.day import DIGITAL, F64, I64, VOICE, Bool, Day
from kairos.simulation.scenario import DIGITAL_CHANNELS, LANGUAGES, SKILLS, VOICE_CHANNELS, Scenario

#: The simulated day starts here (aware, as everything in Kairos); only differences matter.
START = datetime(2026, 11, 23, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RunResult:
    """What happened to each contact of a day under one policy."""

    policy: str
    answered: F64  # seconds from the start, NaN when never answered
    agent: I64  # agent index, -1 when never answered
    abandoned: Bool
    handle: F64  # seconds, NaN when never answered
    decisions: int
    supervisor_alerts: int
    wall_s: float


class _Center:
    """One day of one policy: the board, the agents' shifts, the contacts' timers."""

    def __init__(self, scenario: Scenario, day: Day, policy: RoutingPolicy) -> None:
        self.scenario = scenario
        self.day = day
        self.policy = policy
        self.env = simpy.Environment()
        self.board = RoutingBoard()
        c = day.contacts
        n = len(c)
        self.answered = np.full(n, np.nan)
        self.agent = np.full(n, -1, dtype=np.int64)
        self.abandoned = np.zeros(n, dtype=np.bool_)
        self.handle = np.full(n, np.nan)
        self.decisions = 0
        self.alerts = 0
        self._alerting = isinstance(policy, MomentsPolicy)
        # Plain Python lists: indexing them is several times faster than NumPy scalars.
        self._arrival: list[float] = c.arrival.tolist()
        self._patience: list[float] = c.patience.tolist()
        self._base_handle: list[float] = c.base_handle.tolist()
        self._skill: list[int] = c.skill.tolist()
        self._mot: list[float] = c.mot_score.tolist()
        self._emotion: list[float] = c.emotion.tolist()
        self._deadline: list[float] = c.deadline.tolist()
        self._channel = [CHANNELS[k] for k in c.channel.tolist()]
        self._language = [LANGUAGES[k] for k in c.language.tolist()]
        self._skills = [(SKILLS[k],) for k in self._skill]
        self._value = (1.0 - np.exp(-c.value / max(scenario.customer_annual_value, 1e-9))).tolist()
        self._churn = (c.mot_score * scenario.churn_after_poor_mot).tolist()
        self._proficiency: list[list[int]] = day.agents.proficiency.tolist()
        self._slope = scenario.proficiency_handle_slope
        self._agent_ids = [f"a{j:05d}" for j in range(len(day.agents))]
        self._add_agents()

    # -- set-up -------------------------------------------------------------------------------

    def _add_agents(self) -> None:
        a = self.day.agents
        for j, agent_id in enumerate(self._agent_ids):
            skills = {SKILLS[k]: level for k, level in enumerate(self._proficiency[j]) if level}
            languages = tuple(LANGUAGES[k] for k in np.flatnonzero(a.speaks[j]))
            self.board.put_agent(
                AgentSnapshot(
                    id=agent_id,
                    skills=skills,
                    languages=languages,
                    channels=VOICE_CHANNELS if a.pool[j] == VOICE else DIGITAL_CHANNELS,
                    max_concurrency=int(a.concurrency[j]),
                    empathy=float(a.empathy[j]),
                    mot_certified=bool(a.certified[j]),
                    tenure_months=int(a.tenure_months[j]),
                    state="away",
                    idle_since=START,
                )
            )
        # Each pool's agents in shift order: the first ``staffed[k, pool]`` work interval k.
        self._order: dict[int, list[int]] = {}
        for pool in (VOICE, DIGITAL):
            members = np.flatnonzero(a.pool == pool)
            self._order[pool] = members[np.argsort(a.rank[members])].tolist()

    def _now(self) -> datetime:
        return START + timedelta(seconds=self.env.now)

    # -- processes ----------------------------------------------------------------------------

    def _arrivals(self) -> Any:
        env = self.env
        for i, at in enumerate(self._arrival):
            if at > env.now:
                yield env.timeout(at - env.now)
            self._arrive(i)

    def _shifts(self) -> Any:
        staffed = self.day.staffed.tolist()
        on = {VOICE: 0, DIGITAL: 0}
        for k, row in enumerate(staffed):
            if k:
                yield self.env.timeout(self.day.interval_s)
            held = self.policy.reserve_held(self.board)
            for pool in (VOICE, DIGITAL):
                target = row[pool]
                order = self._order[pool]
                for j in order[on[pool] : target]:
                    self._set_state(j, "available")
                for j in order[target : on[pool]]:
                    self._set_state(j, "away")
                for j in order[on[pool] : target]:
                    self._pull(self._agent_ids[j])
                on[pool] = target
            if held and not self.policy.reserve_held(self.board):
                self._sweep_certified()

    # -- events -------------------------------------------------------------------------------

    def _arrive(self, i: int) -> None:
        interaction_id = f"i{i:07d}"
        now = self._now()
        deadline = self._deadline[i]
        self.board.put_waiting(
            WaitingInteraction(
                id=interaction_id,
                queue=f"{self._channel[i]}-{self._skills[i][0]}",
                channel=self._channel[i],
                enqueued_at=now,
                required_skills=self._skills[i],
                language=self._language[i],
                mot_score=self._mot[i],
                deadline=None if deadline != deadline else START + timedelta(seconds=deadline),
                emotion=self._emotion[i],
                churn_risk=self._churn[i],
                customer_value=self._value[i],
            )
        )
        if self.board.can_take_work().any():
            decision = self.policy.agent_for(self.board, interaction_id, now=now)
            if decision is not None:
                self._start(decision)
                return
        patience = self._patience[i]
        if patience != float("inf"):
            self._after(patience, lambda _: self._renege(i))

    def _renege(self, i: int) -> None:
        if self.board.remove_waiting(f"i{i:07d}") is not None:
            self.abandoned[i] = True

    def _start(self, decision: Decision) -> None:
        i = int(decision.interaction_id[1:])
        j = int(decision.agent_id[1:])
        self.decisions += 1
        self.answered[i] = self.env.now
        self.agent[i] = j
        level = self._proficiency[j][self._skill[i]] or 3
        handle = self._base_handle[i] * max(0.2, 1.0 - self._slope * (level - 3))
        self.handle[i] = handle
        if self._alerting and decision.moment_of_truth:
            self._alert(i, decision.agent_id)
        self._after(handle, lambda _: self._finish(j))

    def _alert(self, i: int, agent_id: str) -> None:
        assert isinstance(self.policy, MomentsPolicy)
        deadline = self._deadline[i]
        live = LiveInteraction(
            id=f"i{i:07d}",
            agent_id=agent_id,
            emotion=self._emotion[i],
            mot_score=self._mot[i],
            minutes_to_deadline=None if deadline != deadline else (deadline - self.env.now) / 60,
        )
        if self.policy.supervisor_alert(live) is not None:
            self.alerts += 1

    def _finish(self, j: int) -> None:
        agent_id = self._agent_ids[j]
        # With nobody waiting there is nothing to hand out, reserve or not (the usual case).
        waiting = bool(self.board.interactions)
        held = waiting and self.policy.reserve_held(self.board)
        snapshot = self.board.agents[agent_id]
        self.board.put_agent(
            dataclasses.replace(snapshot, load=snapshot.load - 1, idle_since=self._now())
        )
        if waiting and snapshot.state == "available":
            self._pull(agent_id)
        if held and self.board.interactions and not self.policy.reserve_held(self.board):
            self._sweep_certified()

    def _set_state(self, j: int, state: str) -> None:
        snapshot = self.board.agents[self._agent_ids[j]]
        if snapshot.state != state:
            self.board.put_agent(
                dataclasses.replace(snapshot, state=state, idle_since=self._now())  # type: ignore[arg-type]
            )

    def _pull(self, agent_id: str) -> None:
        """Give the agent work until it is full or nothing it may take is waiting."""
        now = self._now()
        while self.board.interactions:
            decision = self.policy.next_for_agent(self.board, agent_id, now=now)
            if decision is None:
                return
            self._start(decision)

    def _sweep_certified(self) -> None:
        """The reserve was just released: free certified agents may take routine work again."""
        free = self.board.can_take_work() & self.board.a_certified
        for slot in np.flatnonzero(free).tolist():
            self._pull(self.board.agent_id(slot))

    def _after(self, delay: float, callback: Callable[[simpy.Event], None]) -> None:
        self.env.timeout(delay).callbacks.append(callback)

    def run(self) -> None:
        self.env.process(self._arrivals())
        self.env.process(self._shifts())
        # Arrivals stop at the horizon; the run goes on until every contact is answered or gone.
        self.env.run()


def simulate(scenario: Scenario, day: Day, policy: str | RoutingPolicy) -> RunResult:
    """Run ``day`` under ``policy`` (a name or an instance): what happened to each contact.

    The policy takes the scenario's ``mot_threshold``, so routing and the metrics agree on it.
    """
    chosen = make_policy(policy) if isinstance(policy, str) else policy
    chosen.mot_threshold = scenario.mot_threshold
    started = time.perf_counter()
    center = _Center(scenario, day, chosen)
    center.run()
    return RunResult(
        policy=chosen.name,
        answered=center.answered,
        agent=center.agent,
        abandoned=center.abandoned,
        handle=center.handle,
        decisions=center.decisions,
        supervisor_alerts=center.alerts,
        wall_s=time.perf_counter() - started,
    )
