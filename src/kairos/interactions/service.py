"""Interactions: ingestion of events and reads. The only place that writes these tables.

Ingestion is all-or-nothing per request and idempotent on ``event_id``; what it applied is
published on the bus only after the transaction commits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from kairos.bus import EventBus
from kairos.bus.messages import EventApplied, Message
from kairos.customers import service as customer_service
from kairos.db import Database, riders_written, take_riders, utcnow
from kairos.db_faults import lock_wait_expired
from kairos.detection.live import DetectorCache
from kairos.errors import Overloaded
from kairos.events import (
    AudioSegment,
    CustomerIdentified,
    Event,
    InteractionStarted,
)
from kairos.interactions import checks, row_writes, write_path
from kairos.interactions import parking as parking_
from kairos.interactions.applying import (
    BODY_EXCLUDE,
    adds_nothing,
    apply_to_interaction,
    publish_applied,
)
from kairos.interactions.assessments import (
    DETECTOR_INPUTS,
    assessed,
    detector_for,
    edits,
    insert_assessments,
    record_assessment,
    reread,
)
from kairos.interactions.models import EventRecord, Interaction
from kairos.interactions.schemas import EventAck, IngestResponse
from kairos.metrics import Registry
from kairos.redaction.stored import sanitise_event

log = logging.getLogger(__name__)

# The consumer group of the detector workers on the "events" stream.
DETECTORS_GROUP = "detectors"


@dataclass
class _Outbox:
    """Messages to publish once the transaction has committed."""

    messages: list[Message] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    #: Event and assessment rows to insert, each kind in one statement (``_write``).
    events: list[dict[str, Any]] = field(default_factory=list)
    assessments: list[dict[str, Any]] = field(default_factory=list)
    parked: parking_.Settled | None = None  # what parking did (early events)

    def write(self, session: Session) -> None:
        """Insert the rows collected so far (before anything reads the event log back)."""
        if self.events:
            write_path.insert_events(session, self.events)
            self.events = []
        insert_assessments(session, self.assessments)
        self.assessments = []


def _apply(
    session: Session,
    events: list[Event],
    detectors: DetectorCache,
    outbox: _Outbox,
    default_tz: str,
    source: str | None = None,
    parking: parking_.Parking | None = None,
) -> IngestResponse:
    existing, interactions = checks.stored_and_locked(session, events)
    sources, taken = checks.escalation_sources(session, events)
    # Check everything before writing anything: one bad event refuses the whole request.
    checks.same_source(events, interactions, sources, source)
    owners = checks.stored_owners(session, existing) if existing else {}  # for repeats only
    acks, fresh, early = checks.check_all(
        events, owners, interactions, sources, taken, park=parking is not None
    )
    # Without parking, early events were refused above; a start still releases its waiting ones.
    outbox.parked = parking_.settle(
        session, early=early, fresh=fresh, source=source, parking=parking, now=utcnow()
    )
    fresh = outbox.parked.events
    for raw_event in fresh:
        event = sanitise_event(raw_event)  # as stored: card numbers, codes, PINs redacted
        if isinstance(event, InteractionStarted):
            outbox.write(session)  # an escalation reads its source's stored events
            interactions[event.interaction_id] = _start(session, event, sources)
            interactions[event.interaction_id].source = source
        elif isinstance(event, CustomerIdentified) and adds_nothing(
            session, interactions[event.interaction_id], event
        ):
            # A webhook that sends the visitor with every payload: not a new line each time.
            _repeat(acks, event.event_id)
            continue
        _store(session, event, interactions[event.interaction_id], detectors, outbox, default_tz)
    outbox.write(session)
    row_writes.write_changed(session)  # the interactions' UPDATEs: the last change is made
    return IngestResponse(
        applied=sum(a.status == "applied" for a in acks),
        duplicates=sum(a.status == "duplicate" for a in acks),
        parked=len(early),
        released=len(outbox.parked.released),
        events=acks,
    )


def _repeat(acks: list[EventAck], event_id: str) -> None:
    """Acknowledge ``event_id`` as a repeat (it tells nothing new; nothing was stored)."""
    for ack in acks:
        if ack.event_id == event_id:
            ack.status = "duplicate"


def _start(
    session: Session, event: InteractionStarted, sources: dict[str, Interaction]
) -> Interaction:
    """The new interaction an ``interaction.started`` opens, with its customer resolved."""
    source = sources.get(event.escalation.source) if event.escalation else None
    customer = customer_service.resolve(
        session=session,
        identities=list(event.identities),
        interaction_id=event.interaction_id,
        # An escalated call belongs to the customer of the thread it continues.
        customer_id=source.customer_id if source is not None else None,
    )
    interaction = Interaction(
        external_id=event.interaction_id,
        customer_id=customer.id if customer else None,
        escalated_from_id=source.id if source is not None else None,
        channel=event.channel,
        reason=event.reason,
        subject=event.subject,
        queue=event.queue,
        language=event.language,
        timezone=event.timezone,
        state="open",
        started_at=event.occurred_at,
        last_event_at=event.occurred_at,
        event_count=0,
    )
    if source is not None and source.state != "ended":
        # The thread goes on as a call: it no longer waits for an agent of its own.
        source.state = "escalated"
    session.add(interaction)
    session.flush()
    return interaction


def _store(
    session: Session,
    event: Event,
    interaction: Interaction,
    detectors: DetectorCache,
    outbox: _Outbox,
    default_tz: str,
) -> None:
    """Log one event, apply it to its interaction and, inline, assess it."""
    detector = None
    if inline := (detectors.inline and isinstance(event, DETECTOR_INPUTS)):
        outbox.touched.add(interaction.external_id)
    if inline and not edits(event):
        # Fetch (or rebuild) the detector before this event's row exists, so a rebuild
        # replays only what came before it.
        if detectors.get(interaction.external_id) is None:
            outbox.write(session)  # a rebuild replays the stored events: store those before
        detector = detector_for(session, interaction, detectors, default_tz)
    interaction.event_count += 1
    if detectors.inline:  # else a worker assesses it and moves assessed_seq on
        interaction.assessed_seq = interaction.event_count
    interaction.last_event_at = max(interaction.last_event_at, event.occurred_at)
    # Inserted with the request's other rows in one statement (``_Outbox.write``, driver SQL
    # from ``write_path``): the unit of work's bookkeeping cost more than the statement for a
    # row nobody reads back as an object; the interaction's one UPDATE too, at the end.
    outbox.events.append(
        {
            "event_id": event.event_id,
            "interaction_id": interaction.id,
            "seq": interaction.event_count,
            "type": event.type,
            "occurred_at": event.occurred_at,
            "received_at": utcnow(),
            "payload": event.model_dump(mode="json", exclude=BODY_EXCLUDE),
        }
    )
    if not isinstance(event, AudioSegment):
        # Facts, re-asks and the rest may read the log back: keep it whole for them.
        outbox.write(session)
    after_end = interaction.state == "ended"
    apply_to_interaction(session, interaction, event, outbox.messages)
    outbox.messages.append(EventApplied(seq=interaction.event_count, event=event, late=after_end))
    assessment = None
    if inline and edits(event):  # read again from the log, the edit in its original's place
        detector = reread(session, interaction, detectors, default_tz)
        assessment = detector.assessment if detector is not None else None
    elif detector is not None:
        assessment = detector.update(event)
    if assessment is not None and assessed(event):
        out = record_assessment(session, interaction, event, assessment, rows=outbox.assessments)
        outbox.messages.append(out)


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
        outbox = _Outbox()
        try:
            with db.write_lock(), db.session() as session:
                todo = events if keep is None else keep(session, events)
                response = (
                    _apply(session, todo, detectors, outbox, default_timezone, source, parking)
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
