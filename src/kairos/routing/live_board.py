"""The live routing board: a site's waiting contacts and agents held in memory, kept current from
the bus, so that ``next`` (and push offers) decide without reading the centre from the database.

Built from the database when first used (at start), then kept current by the bus: arrivals and
placements (``interaction.started`` with a queue, ``interaction.queued``, ``transfer``), new
assessments (re-prioritise a waiting contact at once), abandons and ends
(``interaction.ended``), agent state changes, and decisions made elsewhere
(``routing.decided``). The bus listener never blocks its publisher: it queues the message and a
board thread applies it at once (a decision applies what is queued first: it sees all before it).

One board per routing policy (each queue names its policy), every agent on each; a decision is
the policies' candidates compared as the database path compares them (a moment of truth first,
then the longest wait), never a new contact held for its first assessment
(:mod:`kairos.routing.first_assessment`). What the board cannot know from a message (a new agent
or queue created through the API, which publish nothing) it reads from the database the first
time it meets it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from kairos.bus import BusMessage
from kairos.bus.messages import (
    AgentStateChanged,
    AssessmentUpdated,
    EventApplied,
    InteractionEscalated,
    InteractionQueued,
    Message,
    OutreachTaskCreated,
    QueueCreated,
    RoutingDecided,
)
from kairos.db import Database, utcnow
from kairos.detection.detector import IVR_MOT_PRONE
from kairos.detection.live import erased_key
from kairos.errors import Unavailable
from kairos.events import InteractionEnded, InteractionStarted, Transfer, Utterance
from kairos.interactions.let_go import TRANSFERRED
from kairos.interactions.models import Interaction
from kairos.routing.board import RoutingBoard
from kairos.routing.board_rows import QueueInfo, as_queue, customer_values, held_now, holder_now
from kairos.routing.board_thread import BoardThread
from kairos.routing.decisions import WAITING_STATES, agent_snapshot, waiting_snapshot
from kairos.routing.first_assessment import FirstAssessments
from kairos.routing.models import Agent, Queue
from kairos.routing.passes import Passes, let_go_since
from kairos.routing.pg_decide import DecisionLine
from kairos.routing.policies import MOT_THRESHOLD, make_policy
from kairos.routing.policy_base import RoutingPolicy
from kairos.routing.snapshots import AgentSnapshot, AgentState, WaitingInteraction

#: The topics the board follows.
TOPICS = ("events", "assessments", "agents", "routing", "interactions", "outreach")


class BoardUnavailable(Unavailable):
    """No process owns the routing board at this moment (a takeover): retry shortly."""

    code = "routing_unavailable"
    retry_after_s = 1


class _Board(RoutingBoard):
    """A policy's board on the live board: a decision does not change it by itself; the live
    board applies an assignment once stored (and every board learns of it)."""

    def assign(self, interaction_id: str, agent_id: str) -> None:
        """Nothing: :meth:`LiveBoard.assigned` applies a stored decision."""


class LiveBoard(BoardThread):
    """Waiting contacts and agents of one site, in memory, current with the bus."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.queues: dict[str, QueueInfo] = {}
        self.policies: dict[str, RoutingPolicy] = {}
        self.boards: dict[str, RoutingBoard] = {}
        #: interaction external id -> (row id, its policy's name)
        self.waiting: dict[str, tuple[int, str]] = {}
        self.agents: dict[str, AgentSnapshot] = {}
        self.agent_rows: dict[str, int] = {}
        #: interactions an agent holds (not ended), however they reached them: interaction -> agent
        self.held: dict[str, str] = {}
        self._skills: set[str] = set()
        #: Contacts held off the boards while offered to one agent: id -> (row id, snapshot).
        self.on_hold: dict[str, tuple[int, WaitingInteraction]] = {}
        #: Agents who transferred a waiting contact back to a queue: kept from them a while.
        self.passes = Passes()
        #: Agents who declined its offer or let it run out: not offered it again for a while.
        self.declined = Passes()
        #: New contacts with no assessment yet: held a moment for it (:mod:`.first_assessment`).
        self.first = FirstAssessments()
        #: Across processes: whether this process may still decide, checked in the transaction
        #: that stores a decision (the lease and its fencing token); None: one process only.
        self.fence: Callable[[Connection], bool] | None = None
        #: The same check inside the decision's own statement on PostgreSQL: the lease's site,
        #: owner, token and now; None when this process holds no lease (it may not decide).
        self.fence_params: Callable[[], dict[str, object] | None] | None = None
        #: Told when a contact on hold leaves (ends, is taken elsewhere): the offer is withdrawn.
        self.on_leave: Callable[[str], None] | None = None
        #: Called at the end of each rebuild, under the lock: open offers hold their contacts again.
        self.on_rebuild: Callable[[], None] | None = None
        #: Where decisions are stored on PostgreSQL: a connection kept for them.
        self.line = None if db.is_sqlite else DecisionLine(db)

    # -- the bus -----------------------------------------------------------------------------

    def _known(self, body: BusMessage) -> bool:
        kind = body.get("type")
        if kind == "routing.decided":
            return self.held.get(str(body.get("interaction_id"))) == body.get("agent_id")
        if kind == "agent.state_changed":
            agent = self.agents.get(str(body.get("agent_id")))
            return agent is not None and agent.state == body.get("state")
        if kind == "assessment.updated":  # most are of contacts talking to an agent already
            return self._idle_without(str(body.get("interaction_id")))
        return False

    def _idle_without(self, interaction_id: str) -> bool:
        """Nothing is applied, decided or rebuilt now (the lock is free) and the contact does not
        wait: its score cannot move the board (one put on later is read from the database)."""
        if not self.lock.acquire(blocking=False):  # never make the publisher wait
            return False
        idle = interaction_id not in self.waiting
        self.lock.release()
        return idle

    def close(self) -> None:
        """Stop the board thread and close the decisions' connection."""
        super().close()
        if self.line is not None:
            with self.lock:
                self.line.close()

    # -- building ------------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Read the whole site from the database (at start, or on meeting an unknown queue)."""
        with self.lock, self.db.session() as session:
            self._pending.clear()  # what they said is in the database now
            self.queues = {
                q.name: QueueInfo(q.name, q.channel, tuple(q.required_skills), q.policy)
                for q in session.scalars(select(Queue))
            }
            self._skills = {s for q in self.queues.values() for s in q.required_skills}
            self.policies = {p: make_policy(p) for p in {q.policy for q in self.queues.values()}}
            self.boards = {p: _Board() for p in self.policies}
            self.waiting, self.agents, self.agent_rows = {}, {}, {}
            self.first.clear()
            self.held = dict(held_now(session))
            loads: dict[str, int] = {}
            for agent_id in self.held.values():
                loads[agent_id] = loads.get(agent_id, 0) + 1
            for agent in session.scalars(select(Agent)):
                self._put_agent(agent.id, agent_snapshot(agent, loads.get(agent.external_id, 0)))
            rows = session.scalars(
                select(Interaction).where(
                    Interaction.queue.in_(sorted(self.queues)),
                    Interaction.agent_id.is_(None),
                    Interaction.state.in_(WAITING_STATES),
                )
            ).all()
            values = customer_values(session, [r.customer_id for r in rows])
            for row in rows:
                self._put_waiting(row, values.get(row.customer_id or -1))
            self._read_passes(session)
            if self.on_rebuild is not None:
                self.on_rebuild()
            self.built = True

    def _read_passes(self, session: Session) -> None:
        """Who let which waiting contact go lately, as stored (another process may have heard
        it, or this one before a restart)."""
        self.passes.clear()
        self.declined.clear()
        rows = let_go_since(session, utcnow(), self.passes.return_after_s)
        for interaction_id, agent_id, kind, at in rows:
            kept = self.passes if kind == TRANSFERRED else self.declined
            kept.add(interaction_id, agent_id, at)

    def _put_agent(self, row_id: int, agent: AgentSnapshot) -> None:
        self.agents[agent.id] = agent
        self.agent_rows[agent.id] = row_id
        # Only the skills some queue requires matter (and the board holds 64 at most).
        visible = dataclasses.replace(
            agent, skills={k: v for k, v in agent.skills.items() if k in self._skills}
        )
        for board in self.boards.values():
            board.put_agent(visible)

    def _put_waiting(self, row: Interaction, value: float | None) -> None:
        queue = self.queues.get(row.queue or "")
        if queue is None:
            self._remove_waiting(row.external_id)
            return
        snapshot = waiting_snapshot(row, as_queue(queue), value)
        previous = self.waiting.get(row.external_id)
        if previous is not None and previous[1] != queue.policy:
            self.boards[previous[1]].remove_waiting(row.external_id)
        self.boards[queue.policy].put_waiting(snapshot)
        self.waiting[row.external_id] = (row.id, queue.policy)
        assessed = snapshot.model_version is not None
        self.first.arrived(row.external_id, snapshot.enqueued_at, assessed)

    def _remove_waiting(self, interaction_id: str) -> None:
        previous = self.waiting.pop(interaction_id, None)
        self.first.assessed(interaction_id)  # gone: nothing to hold
        if previous is not None:
            self.boards[previous[1]].remove_waiting(interaction_id)

    def hold(self, interaction_id: str) -> tuple[int, WaitingInteraction] | None:
        """Take a waiting contact off the boards while it is offered; its row id and snapshot."""
        snapshot = self.snapshot(interaction_id)
        if snapshot is None:
            return None
        held = (self.waiting[interaction_id][0], snapshot)
        self._remove_waiting(interaction_id)
        self.on_hold[interaction_id] = held
        return held

    def unhold(self, interaction_id: str, *, back: bool) -> None:
        """End a hold: ``back`` puts the contact on the boards again (declined, expired)."""
        held = self.on_hold.pop(interaction_id, None)
        if held is None or not back:
            return
        row_id, snapshot = held
        policy = self.queues[snapshot.queue].policy if snapshot.queue in self.queues else None
        if policy is not None:
            self.boards[policy].put_waiting(snapshot)
            self.waiting[interaction_id] = (row_id, policy)

    def snapshot(self, interaction_id: str) -> WaitingInteraction | None:
        """A waiting contact as the board holds it."""
        where = self.waiting.get(interaction_id)
        return None if where is None else self.boards[where[1]].interactions[interaction_id]

    def forget_erased(self, keys: frozenset[str]) -> None:
        """Drop the contacts named by :func:`erased_key` (their customer was erased): an erased
        contact has ended, so the board holds one only if it missed the end (a stream entry the
        erasure deleted before the board read it)."""
        with self.lock:
            known = {*self.waiting, *self.held, *self.on_hold, *self.passes, *self.declined}
            for interaction_id in [i for i in known if erased_key(i) in keys]:
                if interaction_id in self.on_hold and self.on_leave is not None:
                    self.on_leave(interaction_id)  # its offer is withdrawn
                self.on_hold.pop(interaction_id, None)
                self._remove_waiting(interaction_id)
                self._release(interaction_id)
                self.passes.forget(interaction_id)
                self.declined.forget(interaction_id)

    # -- keeping current -----------------------------------------------------------------------

    def _apply(self, message: Message) -> None:
        self.applied += 1
        if isinstance(message, AssessmentUpdated):
            self._reassessed(message)
        elif isinstance(message, EventApplied):
            event = message.event
            if isinstance(event, Transfer):
                self._transferred(event)
            elif isinstance(event, InteractionStarted | InteractionEnded) or (
                isinstance(event, Utterance)
                and event.speaker == "agent"
                and (
                    event.interaction_id in self.waiting  # an agent answered it directly
                    or (event.agent_id is not None and event.interaction_id not in self.held)
                )
            ):
                self.refresh_interaction(event.interaction_id)
        elif isinstance(message, InteractionQueued):
            self.refresh_interaction(message.interaction_id)
        elif isinstance(message, OutreachTaskCreated) and message.task_interaction_id:
            # The task's call carries the assessment of the moment it follows up, written
            # beside the ingest (no assessment.updated): read the row again.
            self.refresh_interaction(message.task_interaction_id)
        elif isinstance(message, InteractionEscalated):
            self.refresh_interaction(message.source_interaction_id)
        elif isinstance(message, AgentStateChanged):
            self._agent_state(message.agent_id, message.state)
        elif isinstance(message, QueueCreated) and message.name not in self.queues:
            self.rebuild()  # contacts may wait in it by name already
        elif isinstance(message, RoutingDecided):
            self.assigned(message.interaction_id, message.agent_id)

    def _transferred(self, event: Transfer) -> None:
        """A contact handed on: back in a queue, it is not given again to the agent routing had
        given it (they let it go) for a while; see :mod:`kairos.routing.passes`."""
        holder = self.held.get(event.interaction_id)
        self.refresh_interaction(event.interaction_id)
        if holder is not None and event.interaction_id in self.waiting:
            self.passes.add(event.interaction_id, holder, utcnow())

    def _reassessed(self, message: AssessmentUpdated) -> None:
        """A new assessment re-prioritises a waiting contact at once (no database read)."""
        current = self.snapshot(message.interaction_id)
        if current is None:
            return
        a = message.assessment
        mot = a.mot_score
        if any(c.label == IVR_MOT_PRONE for c in a.reasons):
            mot = max(mot, MOT_THRESHOLD)
        updated = dataclasses.replace(
            current, mot_score=mot, deadline=a.deadline, stakes=tuple(a.stakes),
            emotion=a.emotion, churn_risk=a.churn_risk, model_version=a.model_version,
        )  # fmt: skip
        self.boards[self.waiting[message.interaction_id][1]].put_waiting(updated)
        self.first.assessed(message.interaction_id)  # its first assessment decides who gets it

    def refresh_interaction(self, interaction_id: str) -> None:
        """Read one interaction and put it on the board, or take it off."""
        with self.lock, self.db.session() as session:
            row = session.scalar(
                select(Interaction).where(Interaction.external_id == interaction_id)
            )
            holder, holds = self.held.get(interaction_id), holder_now(row)
            if holder is not None and holds != holder:
                self._release(interaction_id)
            if holds is not None and holds != holder:
                # Whoever holds it now (transferred to them, answered by them, routed back to
                # them) carries it in their load, as when the board is built.
                self.assigned(interaction_id, holds)
            waits = (
                row is not None
                and row.queue is not None
                and row.agent_id is None
                and row.state in WAITING_STATES
            )
            if interaction_id in self.on_hold:
                if not waits and self.on_leave is not None:
                    self.on_leave(interaction_id)  # withdrawn: it no longer waits
                return
            if not waits or row is None:
                self._remove_waiting(interaction_id)
                self.passes.forget(interaction_id)
                return
            if row.queue not in self.queues:
                self.rebuild()  # a queue created since: read everything again
                return
            value = customer_values(session, [row.customer_id]).get(row.customer_id or -1)
            self._put_waiting(row, value)

    def agent(self, agent_id: str) -> AgentSnapshot | None:
        """An agent as the board holds it; read from the database the first time it is asked."""
        known = self.agents.get(agent_id)
        if known is not None:
            return known
        with self.lock, self.db.session() as session:
            row = session.scalar(select(Agent).where(Agent.external_id == agent_id))
            if row is None:
                return None
            load = sum(1 for a in self.held.values() if a == agent_id)
            self._put_agent(row.id, agent_snapshot(row, load))
            return self.agents[agent_id]

    def set_agent(self, agent: AgentSnapshot) -> None:
        """Replace an agent's snapshot on every board."""
        self._put_agent(self.agent_rows[agent.id], agent)

    def _agent_state(self, agent_id: str, state: str) -> None:
        agent = self.agents.get(agent_id)
        if agent is None:
            self.agent(agent_id)  # a new agent: read it (every agent counts, free or not)
            return
        if agent.state == state:
            return
        new_state: AgentState = state  # type: ignore[assignment]  # the API admits only these
        self.set_agent(dataclasses.replace(agent, state=new_state))

    def assigned(self, interaction_id: str, agent_id: str, state: AgentState | None = None) -> None:
        """Record that ``agent_id`` took ``interaction_id`` (idempotent), in ``state`` if given."""
        self._remove_waiting(interaction_id)
        self.passes.forget(interaction_id)
        again = self.held.get(interaction_id) == agent_id
        if not again and interaction_id in self.held:
            self._release(interaction_id)
        self.held[interaction_id] = agent_id
        agent = self.agent(agent_id)
        if agent is not None and (not again or state not in (None, agent.state)):
            load, new = agent.load + (not again), state or agent.state  # one snapshot replaced
            self.set_agent(dataclasses.replace(agent, load=load, state=new))

    def _release(self, interaction_id: str) -> None:
        agent_id = self.held.pop(interaction_id, None)
        agent = self.agents.get(agent_id or "")
        if agent is not None:
            self.set_agent(dataclasses.replace(agent, load=max(0, agent.load - 1)))
