"""The queue mapping's writes on interactions: a waiting contact placed in a queue, or left out
of one with the reason why (``queue_note``). With :mod:`kairos.interactions.service`, the only
place that writes the interactions table; routing's queue mapping decides, this stores."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.orm import Session

from kairos.db import Database
from kairos.interactions.models import EventRecord, Interaction


def place_in_queue(
    *, db: Database, interaction_id: str, queue: str | None, note: str, remap: bool = False
) -> Interaction | None:
    """Store the queue mapping's placement of a waiting interaction; the changed row, or None.

    A first placement (``remap`` false) fills only an interaction no event gave a queue; a
    remap (an IVR choice, new stakes) moves only one the mapping placed and no agent holds.
    """
    with db.write_lock(), db.session() as session:
        interaction = session.scalar(
            select(Interaction).where(Interaction.external_id == interaction_id).with_for_update()
        )
        if interaction is None or interaction.agent_id is not None:
            return None
        if interaction.state not in ("open", "queued"):
            return None
        if remap and interaction.queue_note is None:
            return None  # its queue came from an event: the mapping leaves it alone
        if not remap and (interaction.queue is not None or interaction.queue_note is not None):
            return None
        if (interaction.queue, interaction.queue_note) == (queue, note):
            return None
        interaction.queue, interaction.queue_note = queue, note
        session.commit()
        return interaction


def ivr_choices(*, session: Session, interaction: Interaction) -> list[str]:
    """What the caller chose in the IVR: each selection's option, label and reason."""
    rows = session.scalars(
        select(EventRecord.payload).where(
            EventRecord.interaction_id == interaction.id, EventRecord.type == "ivr.selection"
        )
    )
    return [str(p[k]) for p in rows for k in ("option", "label", "reason") if p.get(k)]


def take_waiting(
    *,
    session: Session | Connection,
    interaction_row_id: int,
    queue: str,
    agent_id: str,
    states: tuple[str, ...],
) -> bool:
    """Give a waiting interaction to an agent in the caller's transaction, only if it still waits
    in ``queue`` with no agent (one conditional UPDATE: two deciders can never both take it).

    A Core statement built once, run on the session's connection: no ORM bulk-update machinery
    on the routing hot path. ``session``: a session, or the connection of the transaction."""
    connection = session if isinstance(session, Connection) else session.connection()
    result = connection.execute(
        _TAKE,
        {"row_id": interaction_row_id, "in_queue": queue, "agent": agent_id, "states": states},
    )
    return bool(result.rowcount == 1)


def withdraw_waiting(
    *, session: Session, interaction_row_id: int, states: tuple[str, ...], now: datetime
) -> bool:
    """End a waiting interaction no agent has taken, in the caller's transaction, only if still
    no agent has it; whether it did. One conditional UPDATE, exclusive with
    :func:`take_waiting` and routing's own: of a withdrawal and an assignment at once, exactly one
    changes the row (PostgreSQL re-checks the condition once the other's lock is gone). The
    ``interaction.ended`` event that follows fills in the outcome and keeps this end's time."""
    result = session.connection().execute(
        _WITHDRAW, {"row_id": interaction_row_id, "states": states, "now": now}
    )
    return bool(result.rowcount == 1)


_ROWS = cast(Table, Interaction.__table__)
_TAKE = (
    update(_ROWS)
    .where(
        _ROWS.c.id == bindparam("row_id"),
        _ROWS.c.agent_id.is_(None),
        _ROWS.c.queue == bindparam("in_queue"),
        _ROWS.c.state.in_(bindparam("states", expanding=True)),
    )
    .values(agent_id=bindparam("agent"), state="assigned")
)
_WITHDRAW = (
    update(_ROWS)
    .where(
        _ROWS.c.id == bindparam("row_id"),
        _ROWS.c.agent_id.is_(None),
        _ROWS.c.state.in_(bindparam("states", expanding=True)),
    )
    .values(state="ended", ended_at=bindparam("now"))
)
