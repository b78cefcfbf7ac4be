"""Contacts whose end never arrived: ended as timed out after their channel's silence limit.

A platform that never sends an interaction's end (a dropped webhook, a crashed connector, a chat
the customer just closed) would leave the contact in progress for ever: counted in its agent's
load, live on the wallboard. :func:`end_idle` ends each contact that has had no event for longer
than its channel's limit (``KAIROS_IDLE_END_<CHANNEL>_MINUTES``) by ingesting an
``interaction.ended`` for it, the normal end path: the agent's load is released, the boards
hear it, the review and the outcome follow as for any end.

The end is dated at the contact's last event (the last sign of life, not the sweep's clock, so
handle times are not stretched by the limit) and says why: disposition ``timed out`` and a note
with the limit. Its ``event_id`` is fixed per contact, and the contact is locked and checked
again in the ingest transaction (still not ended, no event since the sweep looked), so two
processes sweeping at once end it once, and a contact heard from in between is left alone. An
end the platform sends later is applied as a second end: acknowledged, logged, keeping the
timed-out end's time and fields (it fills only what that end left out).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, literal_column, or_, select
from sqlalchemy.orm import Session

from kairos.db import utcnow
from kairos.events import Event, InteractionEnded, Outcome
from kairos.interactions import ingesting
from kairos.interactions.models import Interaction
from kairos.periodic import Periodic
from kairos.services import Services

log = logging.getLogger(__name__)

#: The disposition of a contact the idle sweep ended.
TIMED_OUT = "timed out"


def end_event_id(interaction_id: str) -> str:
    """The one ``event_id`` of the timed-out end of ``interaction_id`` (a hash when the id is too
    long to carry in it).

    >>> end_event_id("chat-42")
    'chat-42.timed-out'
    >>> len(end_event_id("x" * 200))
    42
    """
    if len(interaction_id) <= 180:
        return f"{interaction_id}.timed-out"
    return "timed-out." + hashlib.sha256(interaction_id.encode()).hexdigest()[:32]


def _idle_where(limits: Mapping[str, timedelta], now: datetime) -> ColumnElement[bool]:
    return or_(
        *(
            and_(Interaction.channel == channel, Interaction.last_event_at < now - limit)
            for channel, limit in limits.items()
        )
    )


def idle_query(
    limits: Mapping[str, timedelta], now: datetime, limit: int = 500
) -> Select[str, str, datetime]:
    """The sweep's statement. ``state <> 'ended'`` is written as a literal, the very predicate of
    the partial index ``ix_interactions_open_last_event``: SQLite uses a partial index only for a
    query whose WHERE names its predicate, and a bound parameter is not the literal."""
    return (
        select(Interaction.external_id, Interaction.channel, Interaction.last_event_at)
        .where(Interaction.state != literal_column("'ended'"), _idle_where(limits, now))
        .order_by(Interaction.last_event_at, Interaction.id)
        .limit(limit)
    )


def idle(
    *, session: Session, limits: Mapping[str, timedelta], now: datetime, limit: int = 500
) -> list[tuple[str, str, datetime]]:
    """Contacts in progress silent past their channel's limit at ``now``: (id, channel, last
    event), the longest silent first."""
    if not limits:
        return []
    rows = session.execute(idle_query(limits, now, limit)).all()
    return [(str(i), str(c), last) for i, c, last in rows]


def _still_idle(seen: dict[str, datetime]) -> Callable[[Session, list[Event]], list[Event]]:
    """The ingest's ``keep``: under the row locks, the ends whose contact is still in progress
    and has had no event since the sweep read it."""

    def keep(session: Session, events: list[Event]) -> list[Event]:
        ids = [e.interaction_id for e in events]
        rows = session.execute(
            select(Interaction.external_id, Interaction.state, Interaction.last_event_at)
            .where(Interaction.external_id.in_(ids))
            .with_for_update()
        ).all()
        fresh = {str(i) for i, state, last in rows if state != "ended" and last <= seen[str(i)]}
        return [e for e in events if e.interaction_id in fresh]

    return keep


def end_idle(runtime: Services, *, now: datetime | None = None, limit: int = 500) -> dict[str, str]:
    """End every contact silent past its channel's limit (up to ``limit`` a pass) as timed
    out; the ones this call ended, by id, with their channel."""
    now = now or utcnow()
    limits = runtime.settings.idle_end_limits()
    with runtime.db.session() as session:
        found = idle(session=session, limits=limits, now=now, limit=limit)
    if not found:
        return {}
    events: list[Event] = [
        InteractionEnded(
            event_id=end_event_id(interaction_id),
            interaction_id=interaction_id,
            occurred_at=last,
            outcome=Outcome(
                disposition=TIMED_OUT,
                note=f"no event for {_span(limits[channel])} ({channel} limit): ended by the "
                f"idle sweep at {now.isoformat(timespec='seconds')}",
            ),
        )
        for interaction_id, channel, last in found
    ]
    seen = {interaction_id: last for interaction_id, _, last in found}
    response = ingesting.ingest(runtime, events, keep=_still_idle(seen))
    applied = {ack.event_id for ack in response.events if ack.status == "applied"}
    channels = {i: c for i, c, _ in found if end_event_id(i) in applied}
    for channel in channels.values():
        runtime.metrics.interactions_timed_out.inc(channel=channel)
    if channels:
        log.info("idle sweep: ended %d contacts as timed out", len(channels))
    return channels


def _span(limit: timedelta) -> str:
    """``limit`` in words.

    >>> _span(timedelta(hours=4)), _span(timedelta(minutes=90)), _span(timedelta(days=3))
    ('4 h', '90 min', '3 d')
    """
    minutes = int(limit.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)} d"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"


def idle_sweeper(runtime: Services, *, also: Sequence[Callable[[], object]] = ()) -> Periodic:
    """Ends idle contacts every ``KAIROS_IDLE_END_INTERVAL_S`` on a background thread, then
    runs ``also`` (more bookkeeping of contacts in progress and ended: who let one go)."""

    def sweep() -> None:
        end_idle(runtime)
        for work in also:
            work()

    return Periodic(sweep, interval_s=runtime.settings.idle_end_interval_s, name="idle end")
