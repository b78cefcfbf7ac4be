"""One ingest transaction's work: check the request whole, open the interactions it starts, then
log, apply and (inline) assess each event; ``Outbox`` collects the rows to insert in one statement
each and the messages to publish once the transaction has committed (``service.ingest``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from kairos.bus.messages import EventApplied, Message
from kairos.customers import service as customer_service
from kairos.db import utcnow
from kairos.detection.live import DetectorCache
from kairos.events import (
    AudioSegment,
    CustomerIdentified,
    Event,
    InteractionStarted,
)
from kairos.interactions import checks, row_writes, write_path
from kairos.interactions import parking as parking_
from kairos.interactions.applying import BODY_EXCLUDE, adds_nothing, apply_to_interaction
from kairos.interactions.assessments import (
    DETECTOR_INPUTS,
    assessed,
    detector_for,
    edits,
    insert_assessments,
    record_assessment,
    reread,
)
from kairos.interactions.models import Interaction
from kairos.interactions.schemas import EventAck, IngestResponse
from kairos.redaction.stored import sanitise_event


@dataclass
class Outbox:
    """Messages to publish once the transaction has committed."""

    messages: list[Message] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    #: Event and assessment rows to insert, each kind in one statement (``write``).
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


def apply_events(
    session: Session,
    events: list[Event],
    detectors: DetectorCache,
    outbox: Outbox,
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
    outbox: Outbox,
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
    # Inserted with the request's other rows in one statement (``Outbox.write``, driver SQL
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
