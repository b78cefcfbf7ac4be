"""Early events: one that arrives before its interaction's start, in another request, waits.

A sender with several workers delivers out of order across requests; a 404 loses the event when
the sender does not retry it. Instead the event is parked (a row of ``parked_events``: a restart
keeps it), acknowledged ``parked`` with 202, and applied right after its ``interaction.started``
in the request that brings the start. An event still waiting after the hold is deleted, logged
with its id and counted (``kairos_events_parked_total{outcome="expired"}``); at most
``max_waiting`` wait at once, beyond which an early event is refused with 404 as before
(``KAIROS_EARLY_EVENT_HOLD_S``, ``KAIROS_EARLY_EVENTS_MAX``; a hold of 0 refuses them all).

Parking and releasing serialise on the interaction's id (a PostgreSQL advisory lock; SQLite has
one writer): a start that commits between a request's check and its parking is seen on the
recheck, and the request is retried to apply the event as a late one rather than park it.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from kairos.errors import Conflict, UnknownInteraction
from kairos.events import Event, InteractionStarted, event_adapter
from kairos.interactions import checks
from kairos.interactions.models import Interaction, ParkedEvent
from kairos.interactions.schemas import ParkedEventOut
from kairos.metrics import Registry
from kairos.redaction.stored import sanitise_event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Parking:
    """How early events wait: for how long, and how many at once."""

    hold: timedelta
    max_waiting: int

    @classmethod
    def of(cls, hold_s: float, max_waiting: int) -> Parking | None:
        """Parking held ``hold_s`` seconds, or None (early events refused) when it is 0."""
        return cls(timedelta(seconds=hold_s), max_waiting) if hold_s > 0 else None


@dataclass
class Settled:
    """What parking did to a request: the events to apply (with those that waited for their
    starts), the waiting ones among them, how many it parked anew, how many expired."""

    events: list[Event]
    released: list[Event]
    parked: int = 0
    expired: int = 0

    def count(self, metrics: Registry) -> None:
        """Add what it did to ``metrics`` (once the transaction has committed)."""
        for event in self.released:
            metrics.events_ingested.inc(type=event.type)
        for outcome, n in (
            ("parked", self.parked),
            ("released", len(self.released)),
            ("expired", self.expired),
        ):
            if n:
                metrics.events_parked.inc(n, outcome=outcome)


class StartedMeanwhile(Exception):
    """An interaction this request would park for was started by another request since its
    check: the request is retried, and applies the event instead."""


def settle(
    session: Session,
    *,
    early: list[Event],
    fresh: list[Event],
    source: str | None,
    parking: Parking | None,
    now: datetime,
) -> Settled:
    """Park ``early`` and put the events waiting for the starts in ``fresh`` right after them.

    ``parking`` None (a request that may not park: ``early`` is empty) still releases: a start
    made inside Kairos (an escalation, an outreach task) takes what waits for it too.
    """
    starts = {e.interaction_id: source for e in fresh if isinstance(e, InteractionStarted)}
    if not early and not starts:
        return Settled(fresh, [])
    lock(session, set(starts) | {e.interaction_id for e in early})
    settled = Settled(fresh, [])
    if early:
        assert parking is not None, "early events are refused where nothing may park"
        recheck(session, {e.interaction_id for e in early})
        already = held(session, [e.event_id for e in early])
        _no_reuse(early, already)
        new = [sanitise_event(e) for e in early if e.event_id not in already]
        if new:
            settled.expired = park(session, new, source=source, now=now, parking=parking)
            settled.parked = len(new)
    waiting = take(session, starts) if starts else []
    if not waiting:
        return settled
    # One sent again since (in this request, or applied to a stored interaction) is that one.
    known = {e.event_id for e in fresh} | checks.stored_event_ids(
        session, [e.event_id for e in waiting]
    )
    settled.released = [e for e in waiting if e.event_id not in known]
    settled.events = _after_starts(fresh, settled.released)
    return settled


def _no_reuse(early: list[Event], already: dict[str, tuple[str, str]]) -> None:
    """Refuse the request if an early event's id names another parked event."""
    conflicts = [
        {"event_id": e.event_id, "interaction_id": e.interaction_id, "field": "event_id",
         "message": problem}
        for e in early
        if e.event_id in already and (problem := checks.reused(e, already[e.event_id]))
    ]  # fmt: skip
    if conflicts:
        raise Conflict(
            f"{len(conflicts)} events conflict with parked events; nothing was applied",
            errors=conflicts,
        )


def _after_starts(fresh: list[Event], waiting: list[Event]) -> list[Event]:
    """``fresh`` with each interaction's ``waiting`` events right after its start."""
    by_interaction: dict[str, list[Event]] = {}
    for event in waiting:
        by_interaction.setdefault(event.interaction_id, []).append(event)
    ordered: list[Event] = []
    for event in fresh:
        ordered.append(event)
        if isinstance(event, InteractionStarted):
            ordered += by_interaction.pop(event.interaction_id, [])
    return ordered


def lock(session: Session, interaction_ids: set[str]) -> None:
    """Serialise parking and releasing on these interactions until the transaction ends."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: one writer at a time already
    keys = sorted({zlib.crc32(i.encode()) - 2**31 for i in interaction_ids})
    for key in keys:  # in order, so two requests never wait on each other's
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def recheck(session: Session, interaction_ids: set[str]) -> None:
    """Raise ``StartedMeanwhile`` if one of these interactions exists now."""
    found = session.scalar(
        select(Interaction.external_id).where(Interaction.external_id.in_(sorted(interaction_ids)))
    )
    if found is not None:
        raise StartedMeanwhile(found)


def held(session: Session, event_ids: list[str]) -> dict[str, tuple[str, str]]:
    """The interaction and type of each of these event ids that is parked already."""
    rows = session.execute(
        select(ParkedEvent.event_id, ParkedEvent.interaction_id, ParkedEvent.type).where(
            ParkedEvent.event_id.in_(event_ids)
        )
    )
    return {event_id: (interaction, kind) for event_id, interaction, kind in rows}


def park(
    session: Session, events: list[Event], *, source: str | None, now: datetime, parking: Parking
) -> int:
    """Store ``events`` (redacted) to wait for their starts; 404 when too many wait already.
    Those whose hold is over go first: how many expired."""
    expired = expire(session, now - parking.hold)
    count = waiting(session)
    if count + len(events) > parking.max_waiting:
        raise UnknownInteraction(
            f"{len(events)} events name interactions not started yet and {count} events "
            "already wait for their starts; nothing was applied: send them after the start",
            errors=[
                {
                    "index": None,
                    "event_id": e.event_id,
                    "interaction_id": e.interaction_id,
                    "field": "interaction_id",
                    "message": "unknown interaction, and no room to wait for its start",
                }
                for e in events[:20]
            ],
        )
    session.add_all(
        ParkedEvent(
            event_id=e.event_id,
            interaction_id=e.interaction_id,
            type=e.type,
            source=source,
            occurred_at=e.occurred_at,
            parked_at=now,
            payload=e.model_dump(mode="json"),
        )
        for e in events
    )
    session.flush()
    return expired


def take(session: Session, starts: dict[str, str | None]) -> list[Event]:
    """The events waiting for these interactions (started now, by their source), oldest first,
    removed from the wait; another source's event for a source's interaction keeps waiting."""
    rows = session.scalars(
        select(ParkedEvent)
        .where(ParkedEvent.interaction_id.in_(sorted(starts)))
        .order_by(ParkedEvent.occurred_at, ParkedEvent.id)
    ).all()
    taken = [r for r in rows if r.source is None or starts[r.interaction_id] in (None, r.source)]
    if taken:
        session.execute(delete(ParkedEvent).where(ParkedEvent.id.in_([r.id for r in taken])))
    return [event_adapter.validate_python(r.payload) for r in taken]


def expire(session: Session, before: datetime) -> int:
    """Delete the events parked before ``before`` (their start never came), each logged."""
    rows = session.execute(
        select(ParkedEvent.id, ParkedEvent.event_id, ParkedEvent.interaction_id).where(
            ParkedEvent.parked_at < before
        )
    ).all()
    for _, event_id, interaction_id in rows:
        log.warning(
            "parked event %s expired: interaction %s was never started", event_id, interaction_id
        )
    if rows:
        session.execute(delete(ParkedEvent).where(ParkedEvent.id.in_([r[0] for r in rows])))
    return len(rows)


def get_all(
    *,
    session: Session,
    interaction_id: str | None = None,
    source: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[ParkedEvent]]:
    """The events waiting for their starts, longest waiting first, and how many match in all."""
    query = select(ParkedEvent)
    if interaction_id is not None:
        query = query.where(ParkedEvent.interaction_id == interaction_id)
    if source is not None:
        query = query.where(ParkedEvent.source == source)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ParkedEvent.parked_at, ParkedEvent.id).limit(limit).offset(offset)
    ).all()
    return total, list(rows)


def parked_out(row: ParkedEvent, *, hold_s: float) -> ParkedEventOut:
    """A parked event as listed, with when it expires under a hold of ``hold_s`` seconds."""
    return ParkedEventOut(
        event_id=row.event_id,
        interaction_id=row.interaction_id,
        type=row.type,
        source=row.source,
        occurred_at=row.occurred_at,
        parked_at=row.parked_at,
        expires_at=row.parked_at + timedelta(seconds=hold_s) if hold_s > 0 else None,
        payload=row.payload,
    )


def waiting(session: Session) -> int:
    """How many events wait for their starts now."""
    return session.scalar(select(func.count()).select_from(ParkedEvent)) or 0
