"""``next`` on the live board: the agent's next contact decided in memory, then stored.

Decisions on one site are made one at a time under the board's lock, and each is checked against
the interaction's row in the same transaction that stores it (it must still wait, in the same
queue, with no agent), so no contact is assigned twice and no agent goes over capacity, however
many requests arrive at once. Without a live board (PostgreSQL with several API processes),
:func:`next_for_agent` uses the database path of :mod:`kairos.routing.decisions`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, update

from kairos.bus import EventBus
from kairos.bus.messages import AgentStateChanged, Message
from kairos.db import (
    AwareDateTime,
    Database,
    Rider,
    pending_riders,
    riders_written,
    take_riders,
    utcnow,
)
from kairos.errors import Conflict, NotFound
from kairos.interactions import placement
from kairos.routing import decision_log, decisions, first_assessment, pg_decide
from kairos.routing.explain import explain
from kairos.routing.live_board import BoardUnavailable, LiveBoard
from kairos.routing.models import Agent, Assignment, RoutingDecision
from kairos.routing.schemas import DecisionOut
from kairos.routing.snapshots import AgentSnapshot, Decision, WaitingInteraction, jsonable
from kairos.services import Services

REPEATED = "assigned (a repeated request: the decision it made before)"

#: PostgreSQL: store a decision with one statement in its own transaction (one round trip).
#: False: in a transaction of several statements, as before 2026-12-05 (BEGIN, the lease's check
#: when the agent is made available, the statement, the audit row, COMMIT), kept as the peer
#: ``benchmarks/routing_http.py`` times beside it in the same run.
ONE_STATEMENT = True


def live_board_of(services: Services) -> LiveBoard | None:
    """The process's live routing board, if it runs one."""
    board = getattr(services, "routing_board", None)
    return board if isinstance(board, LiveBoard) else None


def next_for_agent(
    services: Services,
    *,
    agent_id: str,
    request_key: str | None = None,
    now: datetime | None = None,
) -> tuple[DecisionOut | None, str]:
    """The agent's next contact: from the live board when this process has one, else from the
    database. Answers the decision, or None and why."""
    from kairos.routing.offers import offers_of  # offers build on this module

    book = offers_of(services)
    offered = book.for_agent(agent_id) if book is not None else None
    if book is not None and offered is not None:
        # Asking for work while an offer waits on the desktop takes the offer.
        return book.accept(offered.id, agent_id, now=now), "assigned (the contact offered to you)"
    owner = getattr(services, "routing_owner", None)
    if owner is not None:  # several processes: the lease's owner decides
        result: tuple[DecisionOut | None, str] = owner.next_for_agent(agent_id, request_key)
        return result
    board = live_board_of(services)
    if board is None:
        return decisions.next_for_agent(
            db=services.db, bus=services.bus, agent_id=agent_id, now=now, request_key=request_key,
            return_after_s=services.settings.return_after_pass_s,
            assessment_wait_s=services.settings.routing_assessment_wait_s,
        )  # fmt: skip
    return next_from_board(
        board, db=services.db, bus=services.bus, agent_id=agent_id, now=now,
        request_key=request_key,
    )  # fmt: skip


def best_on_board(
    board: LiveBoard, agent_id: str, now: datetime, also_kept: frozenset[str] = frozenset()
) -> Decision | None:
    """Each policy's candidate for this agent; a moment of truth first, then the longest wait.
    Never a contact they transferred lately (``board.passes``), nor one of ``also_kept``, nor a
    new one held for its first assessment that they could take (``board.first``)."""
    candidates: list[Decision] = []
    held = first_assessment.held_for(board, agent_id, now)
    kept = board.passes.kept_from(agent_id, now) | also_kept | held
    for name, policy in sorted(board.policies.items()):
        decision = policy.next_for_agent(board.boards[name], agent_id, now=now, kept=kept)
        if decision is not None:
            candidates.append(decision)
    if not candidates:
        return None

    def key(d: Decision) -> tuple[bool, datetime]:
        snapshot = board.snapshot(d.interaction_id)
        return (not d.moment_of_truth, snapshot.enqueued_at if snapshot else now)

    return min(candidates, key=key)


def _check(agent: AgentSnapshot | None, agent_id: str) -> bool:
    """Refuse an agent who may not take work; whether it must go from busy back to available."""
    if agent is None:
        raise NotFound(f"no agent {agent_id!r}")
    # Kairos marks an agent busy when routing fills it; one of theirs has ended since.
    flip = agent.state == "busy" and agent.load < agent.max_concurrency
    if agent.state != "available" and not flip:
        raise Conflict(f"agent {agent_id!r} is {agent.state}; only an available agent takes work")
    if agent.load >= agent.max_concurrency:
        raise Conflict(f"agent {agent_id!r} holds {agent.max_concurrency} interactions already")
    return flip


def next_from_board(
    board: LiveBoard,
    *,
    db: Database,
    bus: EventBus,
    agent_id: str,
    now: datetime | None = None,
    request_key: str | None = None,
) -> tuple[DecisionOut | None, str]:
    """Decide on the live board, store the decision and the assignment, publish once committed."""
    outbox: list[Message] = []
    with board.lock:
        board.drain()
        # The time of the decision: after the lock and what the bus said (an end that freed
        # the agent is earlier than this), not when the request arrived.
        now = now or utcnow()
        agent = board.agent(agent_id)
        if request_key is not None and agent is not None:
            with db.session() as session:
                row = session.get(Agent, board.agent_rows[agent_id])
                repeated = decision_log.repeated(session, row, request_key) if row else None
            if repeated is not None:
                return repeated, REPEATED
        flip = _check(agent, agent_id)
        assert agent is not None
        if flip:
            agent = dataclasses.replace(agent, state="available", idle_since=now)
            board.set_agent(agent)
            outbox.append(_state(agent_id, "available", "busy", now))
        fills = agent.load + 1 >= agent.max_concurrency
        # On PostgreSQL the decision is one statement in its own transaction, the lease's check,
        # the agent's state and the request's audit row in it: one round trip.
        alone = board.line is not None and ONE_STATEMENT
        with db.write_lock(), decision_transaction(board, alone=alone) as connection:
            # Else on PostgreSQL the statement that stores the decision checks the lease itself.
            fence = board.fence if not alone and (db.is_sqlite or flip) else None
            if fence is not None and not fence(connection):
                raise BoardUnavailable("this process no longer owns the routing board; retry")
            if flip and not alone:
                _set_state(connection, board.agent_rows[agent_id], "available", now)
            riders = [r for r in pending_riders() if pg_decide.rides(r)] if alone else []
            out = _decide_and_store(
                connection, board, agent, now, request_key, fills=fills, flip=flip and alone,
                riders=riders,
            )  # fmt: skip
            if not alone:
                riders = take_riders(connection)  # the request's audit row: one commit
                connection.commit()
            if out is not None or not alone:  # alone, they are stored with a decision only
                riders_written(riders)
        if out is not None:
            outbox.insert(0, out)  # the stored decision is the message
            board.assigned(out.interaction_id, agent_id, "busy" if fills else None)
            if fills:
                outbox.append(_state(agent_id, "busy", "available", now))
        why = "assigned" if out is not None else _nothing(board, agent_id, now)
    for message in outbox:
        bus.send(message)
    return out, why


def _nothing(board: LiveBoard, agent_id: str, now: datetime) -> str:
    """Why ``next`` gave the agent nothing, naming contacts they transferred that still wait
    and counting the new contacts held that they could take (under the board's lock)."""
    why = f"nothing waiting that this agent can take ({len(board.waiting)} waiting)"
    kept = sorted(board.passes.kept_from(agent_id, now))
    if kept:
        why += (
            f"; {', '.join(kept[:3])}, which this agent transferred, goes to another agent first"
            f" (to this one only after {board.passes.return_after_s:g} s)"
        )
    held = first_assessment.held_for(board, agent_id, now)
    if held:
        why += f"; {first_assessment.why_held(len(held), board.first.wait_s)}"
    return why


@contextmanager
def decision_transaction(board: LiveBoard, *, alone: bool = False) -> Iterator[Connection]:
    """Where a decision is stored: the board's own connection on PostgreSQL (no checkout, no
    ping, the statement prepared on the server), a session's on SQLite (in the process).
    ``alone`` (PostgreSQL): each statement is its own transaction (autocommit)."""
    if board.line is not None:
        with board.line.statement() if alone else board.line.transaction() as connection:
            yield connection
        return
    with board.db.session() as session:
        yield session.connection()


def _state(agent_id: str, state: str, previous: str, now: datetime) -> AgentStateChanged:
    return AgentStateChanged(agent_id=agent_id, state=state, previous=previous, at=now)


def _set_state(connection: Connection, agent_row_id: int, state: str, now: datetime) -> None:
    connection.execute(_SET_STATE, {"row_id": agent_row_id, "to": state, "since": now})


# Core statements built once and run on the session's connection: the decision's transaction
# spends its time in the database, not in building statements or the ORM's bulk machinery.
_AGENTS = cast(Table, Agent.__table__)
_DECISIONS = cast(Table, RoutingDecision.__table__)
_SET_STATE = (
    update(_AGENTS)
    .where(_AGENTS.c.id == bindparam("row_id"))
    .values(state=bindparam("to"), state_since=bindparam("since", type_=AwareDateTime()))
)
_INSERT_DECISION = insert(_DECISIONS).returning(_DECISIONS.c.id)
_INSERT_ASSIGNMENT = insert(cast(Table, Assignment.__table__))


def _decide_and_store(
    connection: Connection,
    board: LiveBoard,
    agent: AgentSnapshot,
    now: datetime,
    request_key: str | None,
    *,
    fills: bool,
    flip: bool,
    riders: list[Rider],
) -> DecisionOut | None:
    """The best decision whose interaction still waits, stored; stale entries leave the board.
    ``fills``: the decision fills the agent up (it is marked busy in the same transaction);
    ``flip`` (PostgreSQL, one statement): the agent made available by the statement, decision or
    not (else by the caller); ``riders``, stored by the statement that stores the decision."""
    for _ in range(20):
        decision = best_on_board(board, agent.id, now)
        if decision is None:
            if flip:  # alone, nothing to take: the agent is made available all the same
                _flip_alone(connection, board, agent.id, now)
            return None
        snapshot = board.snapshot(decision.interaction_id)
        assert snapshot is not None
        row_id = board.waiting[decision.interaction_id][0]
        out = store(connection, board, decision, row_id, snapshot, agent, now, request_key,
                    fills=fills, flip=flip, riders=riders)  # fmt: skip
        if out is not None:
            return out
        # Taken or moved meanwhile (the bus will tell the board): not this one.
        board.refresh_interaction(decision.interaction_id)
    return None


def store(
    connection: Connection,
    board: LiveBoard,
    decision: Decision,
    row_id: int,
    snapshot: WaitingInteraction,
    agent: AgentSnapshot,
    now: datetime,
    request_key: str | None,
    *,
    fills: bool,
    flip: bool = False,
    riders: list[Rider] | None = None,
) -> DecisionOut | None:
    """Take the contact and store the decision and the assignment (the agent made busy when
    ``fills``); None when the contact was taken or moved meanwhile. On PostgreSQL all of it,
    the lease's check and the ``riders`` included, is one statement
    (:mod:`kairos.routing.pg_decide`); on SQLite, in the process, a few."""
    inputs, reasons = _inputs(board, decision, snapshot, agent)
    agent_row = board.agent_rows[agent.id]
    if board.db.is_sqlite:
        if not placement.take_waiting(
            session=connection, interaction_row_id=row_id, queue=snapshot.queue,
            agent_id=agent.id, states=decisions.WAITING_STATES,
        ):  # fmt: skip
            return None
        decision_id = store_rows(connection, decision, row_id, snapshot, agent_row, now,
                                 request_key, inputs, reasons)  # fmt: skip
        if fills:
            _set_state(connection, agent_row, "busy", now)
        return _out(decision_id, decision, snapshot, agent, now, inputs, reasons)
    stored, held = pg_decide.store(connection, lease=_lease(board), params={
        "agent": agent.id, "agent_row": agent_row, "row_id": row_id,
        "queue": snapshot.queue, "states": decisions.WAITING_STATES, "policy": decision.policy,
        "score": decision.score, "mot": decision.moment_of_truth, "inputs": inputs,
        "reasons": reasons, "model_version": snapshot.model_version, "decided_at": now,
        "request_key": request_key, "busy": fills, "flip": flip,
    }, riders=riders or ())  # fmt: skip
    if not held:
        raise BoardUnavailable("this process no longer owns the routing board; retry")
    if stored is None:
        return None
    return _out(stored, decision, snapshot, agent, now, inputs, reasons)


def _lease(board: LiveBoard) -> dict[str, Any] | None:
    """The lease this process must hold to store a decision (None: the board has none)."""
    if board.fence_params is None:
        return None
    lease = board.fence_params()
    if lease is None:
        raise BoardUnavailable("this process no longer owns the routing board; retry")
    return lease


def _flip_alone(connection: Connection, board: LiveBoard, agent_id: str, now: datetime) -> None:
    """PostgreSQL, nothing to take: the agent Kairos held busy is made available all the same."""
    agent_row = board.agent_rows[agent_id]
    if not pg_decide.make_available(connection, lease=_lease(board), agent_row=agent_row,
                                    now=now):  # fmt: skip
        raise BoardUnavailable("this process no longer owns the routing board; retry")


def store_rows(
    connection: Connection,
    decision: Decision,
    row_id: int,
    snapshot: WaitingInteraction,
    agent_row: int,
    now: datetime,
    request_key: str | None,
    inputs: dict[str, Any],
    reasons: list[dict[str, Any]],
) -> int:
    """The decision and the assignment of a contact already taken, as two rows (Core inserts:
    no unit of work to flush); the decision's id."""
    decision_id: int = connection.execute(
        _INSERT_DECISION,
        {
            "interaction_id": row_id, "agent_id": agent_row, "queue": snapshot.queue,
            "policy": decision.policy, "score": decision.score,
            "moment_of_truth": decision.moment_of_truth, "inputs": inputs, "reasons": reasons,
            "model_version": snapshot.model_version, "decided_at": now,
            "request_key": request_key,
        },
    ).scalar_one()  # fmt: skip
    connection.execute(
        _INSERT_ASSIGNMENT,
        {"interaction_id": row_id, "agent_id": agent_row, "decision_id": decision_id,
         "empowered": decision.moment_of_truth, "assigned_at": now},
    )  # fmt: skip
    return decision_id


def _inputs(
    board: LiveBoard, decision: Decision, snapshot: WaitingInteraction, agent: AgentSnapshot
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The decision's stored inputs (the snapshots the policy saw) and raw reasons."""
    inputs: dict[str, Any] = {
        "interaction": jsonable(snapshot),
        "agent": jsonable(agent),
        "waiting": len(board.waiting),
        "agents": len(board.agents),
    }
    return inputs, [{"factor": r.factor, "value": r.value} for r in decision.reasons]


def _out(
    decision_id: int,
    decision: Decision,
    snapshot: WaitingInteraction,
    agent: AgentSnapshot,
    now: datetime,
    inputs: dict[str, Any],
    reasons: list[dict[str, Any]],
) -> DecisionOut:
    summary = explain(moment_of_truth=decision.moment_of_truth, reasons=reasons, inputs=inputs)
    # Built from values this module made: no need to validate them again.
    return DecisionOut.model_construct(
        summary=summary,
        id=decision_id, interaction_id=decision.interaction_id, agent_id=agent.id,
        queue=snapshot.queue, policy=decision.policy, score=decision.score,
        moment_of_truth=decision.moment_of_truth, empowered_handling=decision.moment_of_truth,
        reasons=reasons, inputs=inputs, model_version=snapshot.model_version, decided_at=now,
    )  # fmt: skip
