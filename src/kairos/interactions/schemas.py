"""API models for interactions and the parsing of ingested events."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from kairos.customers.schemas import CustomerSummary, FactOut
from kairos.detection.assessment import Assessment
from kairos.errors import InvalidEvents, MalformedBody, TooLarge, field_message
from kairos.events import EVENT_TYPES, Event
from kairos.redaction.inbound import Inbound

_events_adapter: TypeAdapter[list[Event]] = TypeAdapter(list[Event])


def _field_path(loc: tuple[int | str, ...]) -> str:
    # pydantic puts the discriminator tag in the location ("utterance"); a client wants the field.
    parts = [str(p) for p in loc if str(p) not in EVENT_TYPES]
    return ".".join(parts) or "(event)"


def _printable(value: object) -> bool:
    """Whether a value the client sent can be echoed in a JSON answer (no lone surrogate)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_events(body: bytes, *, max_events: int) -> list[Event]:
    """Parse a request body holding one event, a list, or ``{"events": [...]}``; all or nothing."""
    try:
        raw = json.loads(body)
    except ValueError as exc:  # not JSON, not UTF-8, or a number of thousands of digits
        raise MalformedBody(f"the body is not valid JSON: {str(exc)[:200]}") from None
    except RecursionError:
        raise MalformedBody("the body's JSON is nested too deeply to be an event") from None
    if isinstance(raw, dict) and "events" in raw and "type" not in raw:
        raw = raw["events"]
    elif isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise MalformedBody('expected an event object, a list of events, or {"events": [...]}')
    if not raw:
        raise MalformedBody("no events in the request")
    if len(raw) > max_events:
        raise TooLarge(f"{len(raw)} events in one request; the limit is {max_events}")
    try:
        return _events_adapter.validate_python(raw)
    except ValidationError as exc:
        errors = []
        for err in exc.errors(include_url=False):
            loc = err["loc"]
            index = loc[0] if loc and isinstance(loc[0], int) else None
            item = raw[index] if isinstance(index, int) else None
            entry: dict[str, Any] = {
                "index": index,
                "field": _field_path(loc[1:]),
                "message": field_message(err),
            }
            if isinstance(item, dict) and _printable(item.get("event_id")):
                entry["event_id"] = item["event_id"]
            if err["type"] == "union_tag_invalid":
                entry["field"] = "type"
                entry["message"] = (
                    f"unknown event type {item.get('type')!r}; known: {', '.join(EVENT_TYPES)}"
                    if isinstance(item, dict)
                    else err["msg"]
                )
            elif err["type"] == "union_tag_not_found":
                entry["field"] = "type"
                entry["message"] = (
                    f"missing: every event needs a type, one of {', '.join(EVENT_TYPES)}"
                )
            errors.append(entry)
        bad = len({e["index"] for e in errors})
        raise InvalidEvents(
            f"{bad} of {len(raw)} events are invalid; nothing was applied", errors=errors
        ) from None


#: The states an interaction passes through (``GET /v1/interactions?state=``).
InteractionState = Literal["open", "queued", "assigned", "escalated", "ended"]


class EventAck(BaseModel):
    """What happened to one event of an ingest request."""

    event_id: str
    status: Literal["applied", "duplicate", "parked"]
    """``parked``: its interaction is not started yet; it waits, and is applied with the start."""


class IngestResponse(BaseModel):
    """The answer to ``POST /v1/events``."""

    applied: int
    duplicates: int
    parked: int = 0
    """Events that wait for their interaction's start (the answer is then 202)."""
    released: int = 0
    """Events that had waited for a start this request brought, applied after it."""
    events: list[EventAck]


class InteractionSummary(BaseModel):
    """An interaction in a list."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    customer_id: int | None
    channel: str
    reason: str | None
    state: str
    queue: str | None
    queue_note: str | None = None
    """The queue mapping's word: the rule that chose the queue, or why there is none."""
    agent_id: str | None
    started_at: datetime
    ended_at: datetime | None
    last_event_at: datetime
    event_count: int
    mot_score: float | None
    cube: str | None


class InteractionList(BaseModel):
    """A page of interactions."""

    total: int
    items: list[InteractionSummary]


class TimelineEntry(BaseModel):
    """One event in an interaction's timeline."""

    seq: int
    event_id: str
    type: str
    occurred_at: datetime
    received_at: datetime
    body: dict[str, Any]


class InteractionDetail(InteractionSummary):
    """One interaction with its timeline, facts and latest assessment."""

    subject: str | None
    language: str | None
    timezone: str | None
    outcome: dict[str, Any] | None
    assessment: Assessment | None
    reask_count: int = 0
    facts: list[FactOut]
    timeline: list[TimelineEntry]
    escalated_from: str | None = None
    """The chat, social, SMS or email interaction this call continues."""
    escalated_to: str | None = None
    """The call this interaction was escalated to."""


class AssessmentEntry(BaseModel):
    """One stored assessment: the event it followed, when, the model that made it, and the
    assessment itself with its evidence (the cues behind each score)."""

    event_id: str
    event_type: str | None
    occurred_at: datetime | None
    assessed_at: datetime
    model_version: str
    mot_score: float
    cube: str
    assessment: Assessment


class AssessmentHistory(BaseModel):
    """An interaction's flag history, oldest first."""

    interaction_id: str
    total: int
    items: list[AssessmentEntry]


class EscalationIn(Inbound):
    """An agent turns this interaction into an outbound call task."""

    model_config = ConfigDict(extra="forbid")
    verbatim = frozenset({"agent_id", "phone", "queue"})

    agent_id: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\s]+$")] | None = None
    """The agent who escalates."""
    phone: Annotated[str, Field(min_length=3, max_length=64)] | None = None
    """The number to call; unset: the customer's phone number on record."""
    note: Annotated[str, Field(max_length=2000)] | None = None
    """What the calling agent should know."""
    queue: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    """The routing queue; unset: ``KAIROS_ESCALATION_QUEUE``."""


class ThreadEntry(BaseModel):
    """One message of the thread the call continues."""

    event_id: str
    speaker: str
    text: str
    occurred_at: datetime


class EscalationOut(BaseModel):
    """The outbound call task: the thread, the facts and the assessment it carries."""

    interaction_id: str
    """The new call."""
    source_interaction_id: str
    source_channel: str
    customer_id: int | None
    phone: str
    queue: str
    state: str
    reason: str | None
    escalated_by: str | None
    note: str | None
    escalated_at: datetime
    assessment: Assessment | None
    mot_score: float | None
    thread: list[ThreadEntry]
    facts: list[FactOut]


class CustomerDetail(CustomerSummary):
    """A customer with every fact they gave and their journey across channels."""

    facts: list[FactOut]
    journey: list[InteractionSummary]


class ParkedEventOut(BaseModel):
    """An event waiting for its interaction's start (``GET /v1/parked-events``)."""

    event_id: str
    interaction_id: str
    """The external id of the interaction it waits for."""
    type: str
    source: str | None
    """The event source whose token sent it (None: no source token)."""
    occurred_at: datetime
    parked_at: datetime
    expires_at: datetime | None
    """When it is deleted if its start has not come (None: parking is off, nothing expires it)."""
    payload: dict[str, Any]
    """The event as stored: card numbers, security codes and the like redacted."""


class ParkedEventList(BaseModel):
    """A page of the events waiting for their starts, longest waiting first."""

    total: int
    items: list[ParkedEventOut]
