"""Interactions: ingestion of events and reads. With ``storing`` (what one ingest transaction
does), the only place that writes these tables.

Ingestion is all-or-nothing per request and idempotent on ``event_id``; it is retried whole when
another request got there first, and what it applied is published on the bus only after the
transaction commits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from kairos.bus import EventBus
from kairos.db import Database, riders_written, take_riders
from kairos.db_faults import lock_wait_expired
from kairos.detection.live import DetectorCache
from kairos.errors import Overloaded
from kairos.events import Event
from kairos.interactions import checks
from kairos.interactions import parking as parking_
from kairos.interactions.applying import publish_applied
from kairos.interactions.models import EventRecord, Interaction
from kairos.interactions.schemas import IngestResponse
from kairos.interactions.storing import Outbox, apply_events
from kairos.metrics import Registry

log = logging.getLogger(__name__)

# The consumer group of the detector workers on the "events" stream.
DETECTORS_GROUP = "detectors"


def ingest(
    *,
    db: Database,
    events: list[Event],
    bus: EventBus,
    detectors: DetectorCache,
    metrics: Registry,
    default_timezone: str = "UTC",
    attempts: int = 3,
    backpressure: bool = False,
    source: str | None = None,
    riders: bool = False,
    parking: parking_.Parking | None = None,
    keep: Callable[[Session, list[Event]], list[Event]] | None = None,
) -> IngestResponse:
    """Apply ``events`` in one transaction, skip repeats, then publish what was applied.

    ``source`` (an event source's token sent them): the interactions they start are tagged with
    it, and a request naming an interaction another source started is refused (403), whole.
    ``backpressure`` (requests from event sources, which can retry): with detection by workers,
    a request that arrives while they are more than ``detectors.max_lag`` events behind is
    refused (429, Retry-After) before anything is stored. ``riders`` (the request is this one
    change): the request's audit row goes in the same transaction, one commit instead of two.
    ``parking`` (requests from senders that may deliver out of order): an event naming an
    interaction not started yet waits for its start (``parking`` module) instead of a 404.
    ``keep``: run in the transaction before anything is applied, the events still to apply (the
    inactivity sweep locks its contacts and drops those that ended or were heard from since).
    """
    started = time.perf_counter()
    checks.no_agent_voice(events)
    if backpressure and not detectors.inline and detectors.max_lag is not None:
        lag = bus.backlog("events", DETECTORS_GROUP)
        if lag is not None and lag > detectors.max_lag:
            raise Overloaded(
                f"the detector workers are {lag} events behind; nothing was applied, "
                "retry the same request shortly",
                retry_after_s=2,
            )
    for attempt in range(1, attempts + 1):
        outbox = Outbox()
        try:
            with db.write_lock(), db.session() as session:
                todo = events if keep is None else keep(session, events)
                response = (
                    apply_events(
                        session, todo, detectors, outbox, default_timezone, source, parking
                    )
                    if todo
                    else IngestResponse(applied=0, duplicates=0, events=[])
                )
                taken = take_riders(session.connection()) if riders else []
                session.commit()
            riders_written(taken)
        except (IntegrityError, OperationalError, parking_.StartedMeanwhile) as exc:
            # Another request applied one of these events (or the same new customer, or the
            # start an event would have waited for) between our check and our commit; the retry
            # sees it (a lock waited out is not retried: it would wait the whole timeout again).
            detectors.forget(*outbox.touched)
            if attempt == attempts or lock_wait_expired(exc):
                raise
            log.info("ingest retry %d after %s", attempt, type(exc).__name__)
            continue
        except BaseException:
            detectors.forget(*outbox.touched)
            raise
        break
    for event_type in (
        e.type for e, ack in zip(todo, response.events, strict=True) if ack.status == "applied"
    ):
        metrics.events_ingested.inc(type=event_type)
    if response.duplicates:
        metrics.events_duplicate.inc(response.duplicates)
    if outbox.parked is not None:
        outbox.parked.count(metrics)
    publish_applied(outbox.messages, bus, metrics, started)
    return response


def get_by_external_id(*, session: Session, interaction_id: str) -> Interaction | None:
    """An interaction by the id its channel gave it."""
    return session.scalar(select(Interaction).where(Interaction.external_id == interaction_id))


def get_all(
    *,
    session: Session,
    state: str | None = None,
    channel: str | None = None,
    customer_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_mot_score: float | None = None,
    limit: int = 50,
    offset: int = 0,
    where: ColumnElement[bool] | None = None,
) -> tuple[int, list[Interaction]]:
    """Interactions matching the filters, newest first, and how many match in all.

    ``where``: a further condition (an agent's scope: only what routing gave them).
    """
    query = select(Interaction) if where is None else select(Interaction).where(where)
    if state:
        query = query.where(Interaction.state == state)
    if channel:
        query = query.where(Interaction.channel == channel)
    if customer_id is not None:
        query = query.where(Interaction.customer_id == customer_id)
    if since:
        query = query.where(Interaction.started_at >= since)
    if until:
        query = query.where(Interaction.started_at < until)
    if min_mot_score is not None:
        query = query.where(Interaction.mot_score >= min_mot_score)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Interaction.started_at.desc(), Interaction.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return total, list(rows)


def timeline(*, session: Session, interaction: Interaction) -> list[EventRecord]:
    """The interaction's events as they happened, its start first (a transcript segment that
    arrived after the end stands where it was said); the order applied breaks ties."""
    first = case((EventRecord.type == "interaction.started", 0), else_=1)
    return list(
        session.scalars(
            select(EventRecord)
            .where(EventRecord.interaction_id == interaction.id)
            .order_by(first, EventRecord.occurred_at, EventRecord.seq)
        )
    )


def get_escalated_to(*, session: Session, interaction: Interaction) -> Interaction | None:
    """The call this interaction was escalated to, if any."""
    return session.scalar(
        select(Interaction).where(Interaction.escalated_from_id == interaction.id)
    )


def get_escalated_from(*, session: Session, interaction: Interaction) -> Interaction | None:
    """The interaction this call continues, if any."""
    if interaction.escalated_from_id is None:
        return None
    return session.get(Interaction, interaction.escalated_from_id)


def assign(*, interaction: Interaction, agent_id: str) -> None:
    """Record that routing gave ``interaction`` to an agent, in the caller's transaction."""
    interaction.agent_id = agent_id
    interaction.state = "assigned"


def complete_outcome(
    *,
    interaction: Interaction,
    resolved: bool | None,
    customer_confirmed: bool | None,
    note: str | None,
) -> None:
    """Complete the interaction's outcome with its wrap-up, in the caller's transaction."""
    interaction.outcome = {
        **(interaction.outcome or {}),
        "resolved": resolved,
        "customer_confirmed": customer_confirmed,
        **({"note": note} if note else {}),
    }


def reassign_customer(session: Session, from_customer_id: int, to_customer_id: int) -> int:
    """Move one customer's interactions to another (a merge), in the caller's transaction;
    how many moved."""
    result = session.execute(
        update(Interaction)
        .where(Interaction.customer_id == from_customer_id)
        .values(customer_id=to_customer_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)
