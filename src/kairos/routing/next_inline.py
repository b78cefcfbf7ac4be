"""``next`` on the event loop: decided on the calling thread when nothing would make it wait
(see :func:`next_now`), else by :func:`kairos.routing.live_next.next_for_agent` on a worker
thread."""

from __future__ import annotations

from kairos.routing import live_next
from kairos.routing.offers import offers_of
from kairos.routing.schemas import DecisionOut
from kairos.services import Services


def next_now(
    services: Services, *, agent_id: str, request_key: str | None = None
) -> tuple[DecisionOut | None, str] | None:
    """``next`` decided on the calling thread, when it waits for nothing but its own work: the
    board is in this process (its lease held here), built, and free (nobody else deciding), no
    offer waits for the agent, and the decision is stored in the process (SQLite: no round trip
    to a server, no wait for a disk). None: it would wait; call
    :func:`kairos.routing.live_next.next_for_agent` on a worker thread instead.

    The API's event loop calls this first: such a decision is about a millisecond of Python (the
    GIL held throughout, on whichever thread), and handing it to a worker thread and back costs
    two thread wake-ups, each a chance to wait for a CPU on a busy machine (docs/routing.md)."""
    owner = getattr(services, "routing_owner", None)
    if owner is not None and not owner.owning:  # handed over through Redis, or a 503
        return None
    board = live_next.live_board_of(services)
    if board is None or board.line is not None or not board.built or services.db.writing():
        return None  # PostgreSQL: the decision waits for the server's commit; not on the loop
    if not board.lock.acquire(blocking=False):
        return None
    try:
        book = offers_of(services)  # the offers change under the board's lock
        if book is not None and book.for_agent(agent_id) is not None:
            return None  # accepting it stores the decision its own way
        if owner is not None:
            result: tuple[DecisionOut | None, str] = owner.next_here(agent_id, request_key)
            return result
        return live_next.next_from_board(
            board, db=services.db, bus=services.bus, agent_id=agent_id, request_key=request_key
        )
    finally:
        board.lock.release()
