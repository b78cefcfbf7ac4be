"""Routing decisions: which waiting interaction goes to which agent and why, stored for audit
with the snapshots the policy saw, and the assignment (routing's tables; the interaction is
assigned through interactions' service). ``routing.decided`` is published once committed. The
stored decisions are read back by :mod:`kairos.routing.decision_log`."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kairos.bus import EventBus
from kairos.bus.messages import Message, RoutingDecided
from kairos.customers.models import Customer
from kairos.db import Database, utcnow
from kairos.detection.detector import IVR_MOT_PRONE
from kairos.errors import Conflict
from kairos.interactions import service as interaction_service
from kairos.interactions.models import Interaction
from kairos.routing import decision_log, first_assessment, passes
from kairos.routing.board_rows import serves
from kairos.routing.models import Agent, Assignment, Queue, RoutingDecision
from kairos.routing.policies import MOT_THRESHOLD, build_board, make_policy
from kairos.routing.schemas import DecisionOut
from kairos.routing.service import _state_message, get_agent_or_raise, get_all_queues, loads
from kairos.routing.snapshots import (
    AgentSnapshot,
    AgentState,
    Decision,
    WaitingInteraction,
    jsonable,
)

#: States in which an interaction with a queue and no agent is waiting ("assigned" with no agent
#: is one transferred back to a queue).
WAITING_STATES = ("open", "queued", "assigned")


# -- snapshots ----------------------------------------------------------------------------------


def agent_snapshot(agent: Agent, load: int) -> AgentSnapshot:
    """What routing sees of an agent row."""
    state: AgentState = agent.state  # type: ignore[assignment]  # the API admits only these
    return AgentSnapshot(
        id=agent.external_id,
        skills={str(k): int(v) for k, v in agent.skills.items()},
        languages=tuple(agent.languages),
        channels=tuple(agent.channels),
        max_concurrency=agent.max_concurrency,
        load=load,
        empathy=agent.empathy,
        mot_certified=agent.mot_certified,
        tenure_months=agent.tenure_months,
        state=state,
        idle_since=agent.state_since,
    )


def waiting_snapshot(
    interaction: Interaction, queue: Queue, customer_value: float | None
) -> WaitingInteraction:
    """What routing sees of a waiting interaction, from its latest assessment."""
    assessment = interaction.current_assessment
    mot_score = interaction.mot_score or 0.0
    if assessment is not None and any(c.label == IVR_MOT_PRONE for c in assessment.reasons):
        # The caller chose a reason the IVR menu marks as prone to moments of truth: routing
        # treats the call as one until it is answered, whatever little has been said so far.
        mot_score = max(mot_score, MOT_THRESHOLD)
    return WaitingInteraction(
        id=interaction.external_id,
        queue=queue.name,
        channel=interaction.channel,
        enqueued_at=interaction.started_at,
        required_skills=tuple(queue.required_skills),
        language=interaction.language,
        mot_score=mot_score,
        deadline=assessment.deadline if assessment else None,
        stakes=tuple(assessment.stakes) if assessment else (),
        emotion=assessment.emotion if assessment else 0.0,
        churn_risk=assessment.churn_risk if assessment else 0.0,
        # An unknown customer counts as average, neither favoured nor held back.
        customer_value=customer_value if customer_value is not None else 0.5,
        model_version=assessment.model_version if assessment else None,
    )


def _serves(agent: Agent, queue: Queue) -> bool:
    return serves(agent.skills, agent.channels, queue.required_skills, queue.channel)


# -- decisions ----------------------------------------------------------------------------------


def _waiting(
    session: Session, queues: dict[str, Queue], agent: Agent
) -> list[tuple[Interaction, Queue]]:
    query = (
        select(Interaction)
        .where(
            Interaction.queue.in_(sorted(queues)),
            Interaction.agent_id.is_(None),
            Interaction.state.in_(WAITING_STATES),
        )
        .order_by(Interaction.started_at, Interaction.id)
        # PostgreSQL: two agents asking at once never take the same interaction, and neither
        # waits for the other's rows.
        .with_for_update(skip_locked=True)
    )
    return [(row, queues[row.queue or ""]) for row in session.scalars(query)]


def _customer_values(session: Session, rows: list[tuple[Interaction, Queue]]) -> dict[int, float]:
    ids = sorted({i.customer_id for i, _ in rows if i.customer_id is not None})
    if not ids:
        return {}
    query = select(Customer.id, Customer.value).where(
        Customer.id.in_(ids), Customer.value.is_not(None)
    )
    return {cid: value for cid, value in session.execute(query) if value is not None}


def next_for_agent(
    *,
    db: Database,
    bus: EventBus,
    agent_id: str,
    now: datetime | None = None,
    request_key: str | None = None,
    return_after_s: float = passes.RETURN_AFTER_S,
    assessment_wait_s: float = first_assessment.WAIT_S,
) -> tuple[DecisionOut | None, str]:
    """Route the next waiting interaction to this agent by its queue's policy; record, assign.
    Not one they transferred back to a queue within ``return_after_s`` (:mod:`.passes`), nor a
    new one with no assessment yet, for ``assessment_wait_s`` (:mod:`.first_assessment`).

    The agent may serve queues with different policies: each policy picks its best candidate
    from its own queues, and a moment of truth goes before routine work, else the longer wait.

    ``request_key`` (the request's Idempotency-Key): a retried request gets the decision the
    first one made, and no second interaction.
    """
    try:
        return _next_for_agent(
            db=db, bus=bus, agent_id=agent_id, now=now, request_key=request_key,
            return_after_s=return_after_s, assessment_wait_s=assessment_wait_s,
        )  # fmt: skip
    except IntegrityError:
        if request_key is None:
            raise
        # The same request, twice at once: the other one decided; answer with its decision.
        with db.session() as session:
            agent = get_agent_or_raise(session=session, agent_id=agent_id)
            repeated = decision_log.repeated(session, agent, request_key)
        if repeated is None:
            raise
        return repeated, "assigned (a repeated request: the decision it made before)"


def _next_for_agent(
    *,
    db: Database,
    bus: EventBus,
    agent_id: str,
    now: datetime | None,
    request_key: str | None,
    return_after_s: float,
    assessment_wait_s: float,
) -> tuple[DecisionOut | None, str]:
    now = now or utcnow()
    outbox: list[Message] = []
    with db.write_lock(), db.session() as session:
        agent = get_agent_or_raise(session=session, agent_id=agent_id)
        if request_key is not None:
            repeated = decision_log.repeated(session, agent, request_key)
            if repeated is not None:
                return repeated, "assigned (a repeated request: the decision it made before)"
        load = loads(session=session)
        _check_available(agent, load, now, outbox)
        queues = {q.name: q for q in get_all_queues(session=session) if _serves(agent, q)}
        if not queues:
            _commit_and_publish(session, bus, outbox)
            return None, "no queue needs only the skills and channels this agent has"
        kept = passes.kept_in_database(session, agent_id, now, return_after_s)
        rows = [(i, q) for i, q in _waiting(session, queues, agent) if i.external_id not in kept]
        held = first_assessment.held_in_database(
            [(i.external_id, i.started_at, i.created_at, bool(i.assessment)) for i, _ in rows],
            now, assessment_wait_s,
        )  # fmt: skip
        values = _customer_values(session, rows)
        snapshots = {
            i.external_id: (i, waiting_snapshot(i, q, values.get(i.customer_id or -1)))
            for i, q in rows
            if i.external_id not in held
        }
        agents = _agent_snapshots(session, queues, load)
        decision = _best_decision(queues, snapshots, agents, agent_id, now)
        if decision is None:
            _commit_and_publish(session, bus, outbox)
            why = f"nothing waiting that this agent can take ({len(rows)} waiting)"
            if held:
                why += f"; {first_assessment.why_held(len(held), assessment_wait_s)}"
            return None, why
        interaction, snapshot = snapshots[decision.interaction_id]
        me = next(a for a in agents if a.id == agent_id)
        inputs = {
            "interaction": jsonable(snapshot),
            "agent": jsonable(me),
            "waiting": len(rows),
            "agents": len(agents),
        }
        record = _record(session, decision, interaction, agent, snapshot, inputs, now, request_key)
        if load.get(agent.id, 0) + 1 >= agent.max_concurrency:
            previous, agent.state, agent.state_since = agent.state, "busy", now
            outbox.append(_state_message(agent, previous))
        out = decision_log.decision_out(record, interaction.external_id, agent.external_id)
        outbox.insert(0, RoutingDecided(**out.model_dump(mode="json")))
        session.commit()
    for message in outbox:
        bus.send(message)
    return out, "assigned"


def _check_available(
    agent: Agent, load: dict[int, int], now: datetime, outbox: list[Message]
) -> None:
    """Refuse (409) an agent who may not take work now; an agent Kairos made busy who has room
    again becomes available (its message goes to ``outbox``)."""
    if agent.state == "busy" and load.get(agent.id, 0) < agent.max_concurrency:
        # Kairos marks an agent busy when routing fills it; an interaction of theirs has
        # ended since, so they have room again. (Wrap-up is the agent's or platform's call:
        # an agent set to wrap_up stays there until set available.)
        previous, agent.state, agent.state_since = agent.state, "available", now
        outbox.append(_state_message(agent, previous))
    if agent.state != "available":
        raise Conflict(
            f"agent {agent.external_id!r} is {agent.state}; only an available agent takes work"
        )
    if load.get(agent.id, 0) >= agent.max_concurrency:
        raise Conflict(
            f"agent {agent.external_id!r} holds {agent.max_concurrency} interactions already"
        )


def _agent_snapshots(
    session: Session, queues: dict[str, Queue], load: dict[int, int]
) -> list[AgentSnapshot]:
    """Every agent as the policies see them, with only the skills the served queues require."""
    # Only the skills some served queue requires matter here; dropping the rest keeps the
    # board inside its 64 skills however many skills the centre records.
    needed = {skill for q in queues.values() for skill in q.required_skills}
    return [
        dataclasses.replace(
            agent_snapshot(a, load.get(a.id, 0)),
            skills={k: int(v) for k, v in a.skills.items() if k in needed},
        )
        for a in session.scalars(select(Agent).order_by(Agent.id))
    ]


def _best_decision(
    queues: dict[str, Queue],
    snapshots: dict[str, tuple[Interaction, WaitingInteraction]],
    agents: list[AgentSnapshot],
    agent_id: str,
    now: datetime,
) -> Decision | None:
    """Each served queue's policy proposes; a moment of truth first, then the longest waiting."""
    candidates: list[Decision] = []
    for policy_name in sorted({q.policy for q in queues.values()}):
        policy = make_policy(policy_name)
        waiting = [s for _, s in snapshots.values() if queues[s.queue].policy == policy_name]
        try:
            board = build_board(waiting, agents)
        except ValueError as exc:  # more than 64 languages or skills in play at once
            raise Conflict(f"cannot route: {exc}") from None
        decision = policy.next_for_agent(board, agent_id, now=now)
        if decision is not None:
            candidates.append(decision)
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda d: (not d.moment_of_truth, snapshots[d.interaction_id][1].enqueued_at),
    )


def _record(
    session: Session,
    decision: Decision,
    interaction: Interaction,
    agent: Agent,
    snapshot: WaitingInteraction,
    inputs: dict[str, Any],
    now: datetime,
    request_key: str | None,
) -> RoutingDecision:
    """Store the decision and the assignment; the interaction is assigned by its owner."""
    record = RoutingDecision(
        interaction_id=interaction.id,
        agent_id=agent.id,
        queue=snapshot.queue,
        policy=decision.policy,
        score=decision.score,
        moment_of_truth=decision.moment_of_truth,
        inputs=inputs,
        reasons=[{"factor": r.factor, "value": r.value} for r in decision.reasons],
        model_version=snapshot.model_version,
        decided_at=now,
        request_key=request_key,
    )
    session.add(record)
    session.flush()
    session.add(
        Assignment(
            interaction_id=interaction.id,
            agent_id=agent.id,
            decision_id=record.id,
            empowered=decision.moment_of_truth,
            assigned_at=now,
        )
    )
    interaction_service.assign(interaction=interaction, agent_id=agent.external_id)
    return record


def _commit_and_publish(session: Session, bus: EventBus, outbox: list[Message]) -> None:
    """Commit what changed on a path that routed nothing (an agent back from busy), then publish."""
    if outbox:
        session.commit()
        for message in outbox:
            bus.send(message)
