"""``next`` on PostgreSQL decided on the event loop: the board's choice made there, the decision
stored by its one statement (:mod:`kairos.routing.pg_decide`) on a psycopg asynchronous
connection (:mod:`kairos.routing.pg_loop`), the loop awaiting the round trip instead of handing
the decision to a worker thread and back (two thread wake-ups, and the worker's own CPU).

The guarantees are those of :func:`kairos.routing.live_next.next_from_board`, by the same means:
the board's lock is held from the choice until the board has applied the stored decision (taken
without waiting on the loop; :attr:`kairos.routing.pg_loop.LoopLine.busy` keeps the loop's
other requests off the reentrant lock meanwhile), the statement checks the lease and its fencing
token and takes the contact only if it still waits, and the decision runs in a task of its own
that a cancelled request does not stop halfway (the board applies what was stored). A failure
(the server gone, the lease lost) raises as on the worker thread, the board unchanged but for an
agent made available (as there).

Whatever would make the loop wait, or that this path does not handle, is left to the worker
thread (:func:`next_on_loop` answers None): the board busy or not this process's, bus messages
not yet applied (applying some reads the database), an agent the board has not met, an offer
waiting for the agent, a repeated request's key to look up, or a contact found taken meanwhile.
"""

from __future__ import annotations

import asyncio
import dataclasses

from kairos.bus import EventBus
from kairos.bus.messages import Message
from kairos.db import Database, pending_riders, riders_written, utcnow
from kairos.routing import live_next, pg_decide, pg_loop
from kairos.routing.live_board import BoardUnavailable, LiveBoard
from kairos.routing.live_next import _check, _inputs, _out, _state
from kairos.routing.offers import offers_of
from kairos.routing.schemas import DecisionOut
from kairos.services import Services

#: Decide on the event loop on PostgreSQL; False: on a worker thread, as before 2026-12-05 (kept
#: as the peer ``benchmarks/routing_http.py`` times beside it in the same run).
ON_LOOP = True

Decided = tuple[DecisionOut | None, str]


async def next_on_loop(
    services: Services, *, agent_id: str, request_key: str | None = None
) -> Decided | None:
    """``next`` decided on the event loop (PostgreSQL's live board); None: hand it to a worker
    thread (:func:`kairos.routing.live_next.next_for_agent`)."""
    board = live_next.live_board_of(services)
    if not ON_LOOP or not live_next.ONE_STATEMENT or request_key is not None:
        return None
    if board is None or board.line is None or not board.built or board.line.on_loop.busy:
        return None
    owner = getattr(services, "routing_owner", None)
    if owner is not None and not owner.owning:  # handed over through Redis, or a 503
        return None
    # A task of its own: a request cancelled while it awaits the server does not leave the
    # board without the decision the server stored.
    task = asyncio.ensure_future(_attempt(services, board, agent_id))
    return await asyncio.shield(task)


async def _attempt(services: Services, board: LiveBoard, agent_id: str) -> Decided | None:
    line = board.line.on_loop if board.line is not None else None
    if line is None or line.busy or not board.lock.acquire(blocking=False):
        return None
    outbox: list[Message] = []
    line.busy = True
    try:
        book = offers_of(services)
        if book is not None and book.for_agent(agent_id) is not None:
            return None  # accepting it stores the decision its own way
        if not board.caught_up() or agent_id not in board.agents:
            return None  # the board would read the database first
        decided = await _decide(board, services.db, agent_id, outbox)
    finally:
        line.busy = False
        board.lock.release()
        _publish(services.bus, outbox)
    return decided


def _publish(bus: EventBus, outbox: list[Message]) -> None:
    for message in outbox:
        bus.send(message)


async def _decide(
    board: LiveBoard, db: Database, agent_id: str, outbox: list[Message]
) -> Decided | None:
    """Under the board's lock: choose, store with one statement, apply; None: the contact chosen
    was taken meanwhile (the worker thread's path reads it again and chooses anew)."""
    assert board.line is not None
    line, dialect = board.line.on_loop, db.engine.dialect
    now = utcnow()
    agent = board.agents[agent_id]
    flip = _check(agent, agent_id)
    if flip:
        agent = dataclasses.replace(agent, state="available", idle_since=now)
        board.set_agent(agent)
        outbox.append(_state(agent_id, "available", "busy", now))
    fills = agent.load + 1 >= agent.max_concurrency
    decision = live_next.best_on_board(board, agent_id, now)
    if decision is None:
        if flip:  # nothing to take: the agent is made available all the same
            sql, values = pg_loop.available_statement(
                dialect, lease=live_next.lease_of(board), agent_row=board.agent_rows[agent_id],
                now=now,
            )  # fmt: skip
            if not (await line.one(sql, values))[0]:
                raise BoardUnavailable("this process no longer owns the routing board; retry")
        return None, f"nothing waiting that this agent can take ({len(board.waiting)} waiting)"
    snapshot = board.snapshot(decision.interaction_id)
    assert snapshot is not None
    row_id = board.waiting[decision.interaction_id][0]
    inputs, reasons = _inputs(board, decision, snapshot, agent)
    riders = [r for r in pending_riders() if pg_decide.rides(r)]
    params = live_next.pg_params(decision, row_id, snapshot, agent, board.agent_rows[agent_id],
                                 now, None, inputs, reasons, fills=fills, flip=flip)  # fmt: skip
    sql, values = pg_loop.decision_statement(
        dialect, lease=live_next.lease_of(board), params=params, riders=riders
    )
    stored, held = await line.one(sql, values)
    if not held:
        raise BoardUnavailable("this process no longer owns the routing board; retry")
    if stored is None:
        return None  # taken or moved meanwhile (the agent made available, if it was, is told)
    riders_written(riders)
    out = _out(int(stored), decision, snapshot, agent, now, inputs, reasons)
    live_next.settle(board, out, fills=fills, now=now, outbox=outbox)
    return out, "assigned"
