"""Amazon Connect Contact Lens real-time segments: the records Kinesis delivers, as Kairos events.

Contact Lens real-time analysis publishes one JSON event per record to a Kinesis data stream::

    {"Version": "1.0.0", "Channel": "VOICE", "AccountId": "...", "InstanceId": "...",
     "ContactId": "c0ffee00-...", "LanguageCode": "en-US",
     "EventType": "STARTED" | "SEGMENTS" | "COMPLETED" | "FAILED",
     "Segments": [
       {"Utterance": {"Id": "...", "TranscriptId": "...", "ParticipantRole": "CUSTOMER",
                      "PartialContent": "...", "BeginOffsetMillis": 0, "EndOffsetMillis": 900}},
       {"Transcript": {"Id": "...", "ParticipantId": "...", "ParticipantRole": "AGENT",
                       "Content": "...", "BeginOffsetMillis": 0, "EndOffsetMillis": 1800,
                       "Sentiment": "NEUTRAL"}},
       {"Categories": {"MatchedCategories": ["cancellation"], "MatchedDetails": {...}}},
       {"PostContactSummary": {"Content": "...", "Status": "COMPLETED"}}
     ]}

A body holds one such event, a list of them, or Kinesis records carrying them base64-encoded:
``{"Records": [{"kinesis": {"data": "..."}}]}`` as a Lambda consumer receives them, records
with ``Data`` / ``data`` as ``GetRecords`` gives them, or an Amazon Data Firehose HTTP endpoint
delivery, ``{"requestId": "...", "timestamp": ..., "records": [{"data": "..."}]}`` (its own
route answers as Firehose expects). The interaction id is ``connect:<ContactId>``.

- ``STARTED`` starts the interaction (a call, in the contact's language), once.
- ``Transcript`` (a final turn) becomes an ``utterance`` of the customer or the agent
  (``SUPERVISOR`` turns are the agent side's, ``SYSTEM`` and ``CUSTOM_BOT`` turns the bot's);
  its ``Id`` makes the event id, so a redelivered record is acknowledged, not applied twice;
  a ``Transcript`` sent again under its ``Id`` with other words is a revision, stored as an edit
  of the first words (``kairos.channels.revisions``), which the assessment reads in their place.
  Contact Lens' own ``Sentiment`` is not carried: Kairos reads the customer's words itself and
  never scores the agent's feelings.
- A ``Transcript`` is placed where it was said: the contact's start (its ``STARTED`` record's
  time, or the stored interaction's) plus its ``BeginOffsetMillis``, never after the record's
  own time; so a segment Contact Lens delivers after ``COMPLETED`` stands before the end.
- ``Utterance`` (a partial turn) is acknowledged and not stored: its ``Transcript`` follows with
  the same words, complete.
- ``Categories``: each newly matched category becomes an ``ivr.selection`` of the menu
  ``contact-lens-category``, whose label the detector reads as context (stakes, churn,
  complexity), as it reads a menu choice.
- ``COMPLETED`` ends the interaction; a ``PostContactSummary`` becomes the end's note (the end
  has one id per contact, so whichever arrives first is kept).
- ``FAILED`` (Contact Lens could not analyse the contact) carries nothing to apply.

A malformed record (not JSON, bad base64, a missing ``ContactId``, an unknown ``EventType``) fails
the whole body with a 4xx naming the record and the field; nothing of it is stored.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kairos.channels.base import (
    ChannelAdapter,
    InteractionLookup,
    InvalidPayload,
    MalformedPayload,
    NoInteractions,
    clip,
    parse_json,
    stable_id,
    started_event_id,
)
from kairos.channels.revisions import BatchSaid
from kairos.events import (
    Event,
    InteractionEnded,
    InteractionStarted,
    IvrSelection,
    Outcome,
    Speaker,
    Utterance,
)

#: Most records one body may carry.
MAX_RECORDS = 500
CATEGORY_MENU = "contact-lens-category"
# A supervisor is a worker too: their words are the agent side's (never an emotion source).
_ROLES: dict[str, Speaker] = {
    "CUSTOMER": "customer",
    "AGENT": "agent",
    "SUPERVISOR": "agent",
    "SYSTEM": "bot",
    "CUSTOM_BOT": "bot",
}
_Text = Annotated[str, Field(max_length=20_000)]


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Transcript(_Loose):
    Id: Annotated[str, Field(min_length=1, max_length=200)]
    ParticipantRole: Literal["CUSTOMER", "AGENT", "SUPERVISOR", "SYSTEM", "CUSTOM_BOT"]
    Content: _Text
    BeginOffsetMillis: Annotated[int, Field(ge=0)] = 0
    EndOffsetMillis: Annotated[int, Field(ge=0)] = 0


class _Partial(_Loose):
    Id: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class _Categories(_Loose):
    MatchedCategories: Annotated[list[Annotated[str, Field(min_length=1)]], Field(max_length=200)]


class _Summary(_Loose):
    Content: _Text | None = None
    Status: str | None = None


class _Segment(_Loose):
    Utterance: _Partial | None = None
    Transcript: _Transcript | None = None
    Categories: _Categories | None = None
    PostContactSummary: _Summary | None = None


class ContactLensEvent(_Loose):
    """One Contact Lens real-time event (one Kinesis record's data)."""

    ContactId: Annotated[str, Field(min_length=1, max_length=150)]
    EventType: Literal["STARTED", "SEGMENTS", "COMPLETED", "FAILED"]
    Channel: str | None = None
    LanguageCode: Annotated[str, Field(max_length=20)] | None = None
    Segments: Annotated[list[_Segment], Field(max_length=1000)] = []


def _decoded(index: int, data: Any) -> Any:
    if not isinstance(data, str):
        raise InvalidPayload(f"record {index}: the Kinesis data must be a base64 string")
    try:
        raw = base64.b64decode(data, validate=True)
        return json.loads(raw)
    except (binascii.Error, ValueError):
        raise InvalidPayload(
            f"record {index}: the Kinesis data is not base64 of a JSON Contact Lens event"
        ) from None


def _unwrap(index: int, record: Any) -> tuple[Any, datetime | None]:
    """The Contact Lens event a record carries (itself, or base64 inside a Kinesis record), and
    when Kinesis received it (``approximateArrivalTimestamp``) if the record says."""
    if not isinstance(record, dict):
        raise InvalidPayload(f"record {index}: expected a JSON object")
    inner = record.get("kinesis")
    if isinstance(inner, dict) and "data" in inner:
        return _decoded(index, inner["data"]), _arrival(inner.get("approximateArrivalTimestamp"))
    for key in ("Data", "data"):
        if key in record and "EventType" not in record:
            arrival = _arrival(record.get("ApproximateArrivalTimestamp"))
            return _decoded(index, record[key]), arrival
    return record, None


def _arrival(value: Any) -> datetime | None:
    if isinstance(value, int | float) and 0 < value < 32_503_680_000:
        return datetime.fromtimestamp(value, UTC)
    return None


def parse_records(payload: bytes) -> list[tuple[ContactLensEvent, datetime | None]]:
    """Every record of a body, validated, with its arrival time; the first bad one fails all."""
    body = parse_json(payload)
    # A Firehose HTTP endpoint delivery names its records ``records``, beside its ``requestId``.
    key = "records" if isinstance(body, dict) and "requestId" in body else "Records"
    records = body.get(key, [body]) if isinstance(body, dict) else body
    if not isinstance(records, list) or not records:
        raise MalformedPayload(
            'expected a Contact Lens event, a list of them, or {"Records": [...]} from Kinesis'
        )
    if len(records) > MAX_RECORDS:
        raise InvalidPayload(f"{len(records)} records in one body; the limit is {MAX_RECORDS}")
    out = []
    for index, record in enumerate(records):
        data, arrival = _unwrap(index, record)
        try:
            out.append((ContactLensEvent.model_validate(data), arrival))
        except ValidationError as exc:
            errors = [
                {"field": ".".join(str(p) for p in e["loc"]) or "(record)", "message": e["msg"]}
                for e in exc.errors(include_url=False)
            ]
            where = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
            raise InvalidPayload(f"record {index}: {where}", errors=errors) from None
    return out


class ContactLensAdapter(ChannelAdapter):
    """Contact Lens real-time events (see the module docstring) in, Kairos events out."""

    name = "contact-lens"
    channel = "call"

    def to_events(
        self,
        payload: bytes,
        *,
        received_at: datetime,
        lookup: InteractionLookup | None = None,
    ) -> list[Event]:
        """The events of every record, in order."""
        said = BatchSaid(lookup or NoInteractions())
        started: set[str] = set()
        starts: dict[str, datetime | None] = {}  # when each contact began, for its offsets
        events: list[Event] = []
        for record, arrival in parse_records(payload):
            at = arrival or received_at
            iid = stable_id("connect", record.ContactId)
            if record.EventType == "STARTED":
                # A start sent again is acknowledged as a duplicate of the stored one.
                stored = said.exists(iid)
                start_id = said.start_of(iid) if stored else started_event_id(iid)
                if iid not in started and start_id is not None:
                    started.add(iid)
                    if not stored:
                        starts[iid] = at
                    events.append(
                        InteractionStarted(
                            event_id=start_id,
                            interaction_id=iid,
                            occurred_at=at,
                            channel="call",
                            language=record.LanguageCode,
                        )
                    )
                continue
            if iid not in starts:
                starts[iid] = said.started_at(iid)
            events += self._segments(record, iid, at, said, starts[iid])
            if record.EventType == "COMPLETED":
                events.append(self._ended(record, iid, at, None))
        return _one_end_per_contact(events)

    def _segments(
        self,
        record: ContactLensEvent,
        iid: str,
        at: datetime,
        said: BatchSaid,
        start: datetime | None,
    ) -> list[Event]:
        out: list[Event] = []
        for seg in record.Segments:
            if seg.Transcript is not None and seg.Transcript.Content.strip():
                t = seg.Transcript
                spoken = at
                if start is not None:
                    spoken = min(at, start + timedelta(milliseconds=t.BeginOffsetMillis))
                line = Utterance(
                    event_id=stable_id("connect", record.ContactId, t.Id),
                    interaction_id=iid,
                    occurred_at=spoken,
                    speaker=_ROLES[t.ParticipantRole],
                    text=clip(t.Content),
                )
                out.append(said.revised(line, at=at))
            if seg.Categories is not None:
                for name in seg.Categories.MatchedCategories:
                    out.append(
                        IvrSelection(
                            event_id=stable_id("connect", record.ContactId, "category", name),
                            interaction_id=iid,
                            occurred_at=at,
                            menu=CATEGORY_MENU,
                            option=name[:100],
                            label=name[:200],
                        )
                    )
            if seg.PostContactSummary is not None and seg.PostContactSummary.Content:
                out.append(self._ended(record, iid, at, seg.PostContactSummary.Content))
        return out

    @staticmethod
    def _ended(record: ContactLensEvent, iid: str, at: datetime, note: str | None) -> Event:
        return InteractionEnded(
            event_id=stable_id("connect", record.ContactId, "ended"),
            interaction_id=iid,
            occurred_at=at,
            outcome=Outcome(note=note[:2000] if note else None),
        )


def _one_end_per_contact(events: list[Event]) -> list[Event]:
    """One ``interaction.ended`` per contact in a body: the last, with any summary's note."""
    notes = {
        e.interaction_id: e.outcome.note
        for e in events
        if isinstance(e, InteractionEnded) and e.outcome.note
    }
    last = {e.interaction_id: i for i, e in enumerate(events) if isinstance(e, InteractionEnded)}
    out: list[Event] = []
    for i, e in enumerate(events):
        if isinstance(e, InteractionEnded):
            if last[e.interaction_id] != i:
                continue
            e = e.model_copy(update={"outcome": Outcome(note=notes.get(e.interaction_id))})
        out.append(e)
    return out
