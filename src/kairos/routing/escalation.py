"""Channel escalation: a thread becomes a call that waits in a routing queue.

An agent on a chat, social, SMS or email interaction turns it into an outbound call task. The
call is an interaction of its own, started through ingestion with an ``escalation`` that names
the source: it belongs to the source's customer, waits in a routing queue (so an agent gets it
through ``POST /v1/agents/{id}/next``), and its detector replays the source thread first, so the
call starts with the source's assessment and the facts the customer gave. Once committed,
``interaction.escalated`` is published on the ``interactions`` topic.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.bus.messages import InteractionEscalated
from kairos.config import Settings
from kairos.customers import service as customer_service
from kairos.customers.identity import normalise_phone
from kairos.customers.models import CustomerIdentity
from kairos.customers.schemas import FactOut
from kairos.db import Database
from kairos.errors import ClientError, NotFound
from kairos.events import Escalation, Identity, InteractionStarted
from kairos.interactions import ingesting
from kairos.interactions import service as interaction_service
from kairos.interactions.edits import in_place
from kairos.interactions.models import EventRecord, Interaction
from kairos.interactions.schemas import EscalationIn, EscalationOut, ThreadEntry
from kairos.routing import service as routing_service
from kairos.routing.models import Queue
from kairos.routing.schemas import QueueCreate
from kairos.services import Services

log = logging.getLogger(__name__)

#: How many messages of the source thread the call task carries (the newest).
THREAD_LIMIT = 200


class NotEscalatable(ClientError):
    """The interaction cannot be turned into a call: it is one, or it was escalated already."""

    status_code = 409
    code = "not_escalatable"


class NoPhoneNumber(ClientError):
    """No valid number to call: none given and none on record, or the one given is not valid."""

    status_code = 422
    code = "no_phone_number"


def callback_id(source_interaction_id: str) -> str:
    """The id of the call escalated from an interaction: one per source, so a retry dedupes."""
    candidate = f"callback:{source_interaction_id}"
    if len(candidate) <= 200:
        return candidate
    return "callback:" + hashlib.sha256(source_interaction_id.encode()).hexdigest()[:40]


def _phone(session: Session, source: Interaction, given: str | None, region: str) -> str:
    """The E.164 number to call: the one given, else the customer's first valid one."""
    if given is not None:
        number, valid = normalise_phone(given, region)
        if not valid:
            raise NoPhoneNumber(
                f"{given!r} is not a valid phone number",
                errors=[{"field": "phone", "message": "not a valid phone number"}],
            )
        return number
    if source.customer_id is not None:
        on_record = session.scalar(
            select(CustomerIdentity.value)
            .where(
                CustomerIdentity.customer_id == source.customer_id,
                CustomerIdentity.kind == "phone",
                CustomerIdentity.valid.is_(True),
            )
            .order_by(CustomerIdentity.id)
            .limit(1)
        )
        if on_record is not None:
            return on_record
    raise NoPhoneNumber(
        "the customer has no valid phone number on record; give one to call",
        errors=[{"field": "phone", "message": "required: no phone number on record"}],
    )


def _ensure_queue(db: Database, name: str) -> None:
    """Create the escalation queue (calls, moments-first) the first time it is used."""
    with db.session() as session:
        if session.scalar(select(Queue.id).where(Queue.name == name)) is not None:
            return
    try:
        routing_service.create_queue(
            db=db, queue_in=QueueCreate(name=name, channel="call", policy="moments")
        )
        log.info("created routing queue %r for escalated calls", name)
    except ClientError:  # created meanwhile by another request
        pass


def _thread(session: Session, source: Interaction) -> list[ThreadEntry]:
    rows = session.scalars(
        select(EventRecord)
        .where(EventRecord.interaction_id == source.id, EventRecord.type == "utterance")
        .order_by(EventRecord.seq.desc())
        .limit(THREAD_LIMIT)
    ).all()
    # An edited message once, its last text in its place (an edit whose message is older than
    # the newest THREAD_LIMIT stands where it came).
    said = in_place(
        reversed(rows), event_id=lambda r: r.event_id, edit_of=lambda r: r.payload.get("edit_of")
    )
    return [
        ThreadEntry(
            event_id=row.event_id,
            speaker=str(row.payload.get("speaker", "")),
            text=str(row.payload.get("text", "")),
            occurred_at=row.occurred_at,
        )
        for row in said
    ]


def escalate(
    *,
    runtime: Services,
    interaction_id: str,
    escalation_in: EscalationIn,
    now: datetime | None = None,
) -> EscalationOut:
    """Turn a chat, social, SMS or email interaction into an outbound call task.

    Refused (409) for a call or an interaction escalated already, 404 for an unknown one, 422
    when there is no valid number to call.
    """
    db, bus, settings = runtime.db, runtime.bus, runtime.settings
    now = now or datetime.now(UTC)
    queue = escalation_in.queue or settings.escalation_queue
    with db.session() as session:
        started = _call_started(session, interaction_id, escalation_in, settings, queue, now)
    _ensure_queue(db, queue)
    response = ingesting.ingest(runtime, [started], backpressure=True)
    if response.duplicates:
        raise NotEscalatable(
            f"{interaction_id!r} was escalated already, to {started.interaction_id!r}",
            errors=[{"field": "interaction_id", "message": "escalated already"}],
        )
    out = _escalation_out(db, started, interaction_id, escalation_in, now)
    bus.send(
        InteractionEscalated(
            interaction_id=out.interaction_id,
            source_interaction_id=out.source_interaction_id,
            source_channel=out.source_channel,
            customer_id=out.customer_id,
            agent_id=out.escalated_by,
            queue=out.queue,
            note=out.note,
            mot_score=out.mot_score,
            escalated_at=out.escalated_at,
        )
    )
    return out


def _call_started(
    session: Session,
    interaction_id: str,
    escalation_in: EscalationIn,
    settings: Settings,
    queue: str,
    now: datetime,
) -> InteractionStarted:
    """The ``interaction.started`` of the call; refuses what cannot be escalated."""
    source = interaction_service.get_by_external_id(session=session, interaction_id=interaction_id)
    if source is None:
        raise NotFound(f"no interaction {interaction_id!r}")
    if source.channel == "call":
        raise NotEscalatable(
            f"{interaction_id!r} is a call already; transfer it instead",
            errors=[{"field": "interaction_id", "message": "a call cannot be escalated"}],
        )
    existing = interaction_service.get_escalated_to(session=session, interaction=source)
    if existing is not None:
        raise NotEscalatable(
            f"{interaction_id!r} was escalated already, to {existing.external_id!r}",
            errors=[{"field": "interaction_id", "message": "escalated already"}],
        )
    phone = _phone(session, source, escalation_in.phone, settings.default_phone_region)
    subject = f"Call back: {source.channel} {source.subject or source.reason or ''}".strip()
    return InteractionStarted(
        event_id=f"start:{callback_id(source.external_id)}",
        interaction_id=callback_id(source.external_id),
        # Never before the thread it continues (clocks differ between platforms).
        occurred_at=max(now, source.last_event_at),
        channel="call",
        # The call belongs to the source's customer (ingestion sees to it); a number that
        # belongs to someone else is recorded as a conflict, never merged silently.
        identities=[Identity(kind="phone", value=phone)],
        reason=source.reason,
        queue=queue,
        language=source.language,
        timezone=source.timezone,
        subject=subject[:500],
        escalation=Escalation(
            source=source.external_id,
            by=escalation_in.agent_id,
            note=escalation_in.note,
            phone=phone,
        ),
    )


def _escalation_out(
    db: Database,
    started: InteractionStarted,
    interaction_id: str,
    escalation_in: EscalationIn,
    now: datetime,
) -> EscalationOut:
    """The call task as stored: its thread, its facts, the assessment it starts with."""
    assert started.escalation is not None and started.queue is not None
    with db.session() as session:
        call = interaction_service.get_by_external_id(
            session=session, interaction_id=started.interaction_id
        )
        source = interaction_service.get_by_external_id(
            session=session, interaction_id=interaction_id
        )
        assert call is not None and source is not None
        facts = (
            customer_service.facts(session=session, customer_id=call.customer_id)
            if call.customer_id is not None
            else []
        )
        stored_note = started.escalation.note
        record = session.scalar(select(EventRecord).where(EventRecord.event_id == started.event_id))
        if record is not None:  # the note as stored: redacted
            stored_note = (record.payload.get("escalation") or {}).get("note")
        return EscalationOut(
            interaction_id=call.external_id,
            source_interaction_id=source.external_id,
            source_channel=source.channel,
            customer_id=call.customer_id,
            phone=started.escalation.phone or "",
            queue=started.queue,
            state=call.state,
            reason=call.reason,
            escalated_by=escalation_in.agent_id,
            note=stored_note,
            escalated_at=now,
            assessment=call.current_assessment,
            mot_score=call.mot_score,
            thread=_thread(session, source),
            facts=[FactOut.model_validate(f) for f in facts],
        )
