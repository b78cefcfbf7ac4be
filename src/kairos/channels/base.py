"""The one interface every channel adapter implements, and what adapters share.

An adapter turns a channel's own format (a webhook body, a raw email) into Kairos events. It is
pure: it reads nothing but its payload and a small :class:`InteractionLookup` that answers
whether an interaction already exists (so ``interaction.started`` is emitted only for a new one),
for channels grouped by idle time, which thread is still open, and for channels whose messages
can be edited, what a message said when it was stored. Event ids are derived from
the source's own ids, so a redelivered webhook is acknowledged by ingestion, not applied twice.
"""

from __future__ import annotations

import hashlib
import json
import re
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any, ClassVar, NamedTuple, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from kairos.errors import ClientError, UnsupportedMediaType, field_message, field_path
from kairos.events import Channel, Event

_PLAIN_ID = re.compile(r"^[^\s]{1,200}$")
_Payload = TypeVar("_Payload", bound=BaseModel)


class InvalidPayload(ClientError):
    """The payload parsed but a field is missing or wrong; each bad field is named."""

    status_code = 422
    code = "invalid_payload"


class MalformedPayload(ClientError):
    """The payload cannot be read at all: not JSON, not a form, not an email."""

    status_code = 400
    code = "malformed_payload"


class BadSignature(ClientError):
    """The request's signature is missing or does not match the configured secret."""

    status_code = 403
    code = "bad_signature"


class Said(NamedTuple):
    """A stored utterance, as an adapter may see it."""

    interaction_id: str
    speaker: str
    text: str
    """As stored: redacted."""


class InteractionLookup(Protocol):
    """What an adapter may ask about interactions already stored."""

    def exists(self, interaction_id: str) -> bool:
        """Whether an interaction with this id was started."""
        ...

    def open_thread(self, prefix: str, since: datetime) -> str | None:
        """The newest open interaction whose id starts with ``prefix`` and was active since."""
        ...

    def said(self, event_id: str) -> Said | None:
        """The stored utterance with this event id (None: none is stored)."""
        ...

    def started_at(self, interaction_id: str) -> datetime | None:
        """When this interaction started (None: it was not started)."""
        ...

    def start_of(self, interaction_id: str) -> str | None:
        """The event id of this interaction's stored start (None: none is stored)."""
        ...


class NoInteractions:
    """A lookup for a store that holds nothing: every interaction is new."""

    def exists(self, interaction_id: str) -> bool:
        """Nothing exists."""
        return False

    def open_thread(self, prefix: str, since: datetime) -> str | None:
        """No thread is open."""
        return None

    def said(self, event_id: str) -> Said | None:
        """Nothing was said."""
        return None

    def started_at(self, interaction_id: str) -> datetime | None:
        """Nothing started."""
        return None

    def start_of(self, interaction_id: str) -> str | None:
        """Nothing started."""
        return None


class SeenInteractions:
    """A lookup that remembers what it was told exists; wraps another (for batch imports)."""

    def __init__(self, inner: InteractionLookup | None = None) -> None:
        self.inner: InteractionLookup = inner or NoInteractions()
        self.seen: set[str] = set()

    def exists(self, interaction_id: str) -> bool:
        """Seen in this batch, or stored."""
        return interaction_id in self.seen or self.inner.exists(interaction_id)

    def open_thread(self, prefix: str, since: datetime) -> str | None:
        """Whatever the wrapped lookup says."""
        return self.inner.open_thread(prefix, since)

    def said(self, event_id: str) -> Said | None:
        """Whatever the wrapped lookup says."""
        return self.inner.said(event_id)

    def started_at(self, interaction_id: str) -> datetime | None:
        """Whatever the wrapped lookup says."""
        return self.inner.started_at(interaction_id)

    def start_of(self, interaction_id: str) -> str | None:
        """Whatever the wrapped lookup says (a start only seen in this batch is not stored)."""
        return self.inner.start_of(interaction_id)


class ChannelAdapter(ABC):
    """Turns one channel's payloads into Kairos events."""

    name: ClassVar[str]
    """The adapter's name, as in the webhook path ``/v1/channels/{name}``."""
    channel: ClassVar[Channel]
    """The Kairos channel of the interactions it produces."""

    @abstractmethod
    def to_events(
        self,
        payload: bytes,
        *,
        received_at: datetime,
        lookup: InteractionLookup | None = None,
    ) -> list[Event]:
        """The events this payload carries; raises a ``ClientError`` naming bad fields."""

    def thread_of(self, payload: bytes) -> str | None:
        """The thread a payload joins by looking it up (SMS: the sender and number), so that two
        payloads of one thread are converted and ingested one after the other; None: the
        payload names its interaction itself, and racing deliveries dedupe on its start."""
        return None


def stable_id(prefix: str, *parts: str) -> str:
    """A deterministic id from source ids: readable when it can be, a hash when it cannot."""
    joined = ":".join(parts)
    candidate = f"{prefix}:{joined}"
    if _PLAIN_ID.match(candidate):
        return candidate
    return f"{prefix}:{hashlib.sha256(joined.encode()).hexdigest()[:40]}"


def started_event_id(interaction_id: str) -> str:
    """The ``interaction.started`` event's id: one per interaction, so racing starts dedupe."""
    return stable_id("start", interaction_id)


def parse_json(payload: bytes) -> Any:
    """The JSON value of a body, or a 400 that says why not."""
    try:
        return json.loads(payload)
    except ValueError as exc:  # not JSON, not UTF-8, or a number of thousands of digits
        raise MalformedPayload(f"the body is not valid JSON: {str(exc)[:200]}") from None
    except RecursionError:
        raise MalformedPayload("the body's JSON is nested too deeply") from None


def refuse_a_form(content_type: str) -> None:
    """A recording sent as a form (``curl -F file=@call.wav``) is refused saying so: its bytes
    would be read as audio with the form's boundaries around them, "not a sound file"."""
    media = content_type.split(";")[0].strip().lower()
    if media.startswith("multipart/") or media == "application/x-www-form-urlencoded":
        raise UnsupportedMediaType(
            f"send the recording's bytes as the body, not as a form ({media}): "
            "curl --data-binary @call.wav -H 'content-type: audio/wav', or httpx content=",
            errors=[
                {"field": "content-type", "message": "use audio/wav or application/octet-stream"}
            ],
        )


def validate(model: type[_Payload], raw: Any) -> _Payload:
    """``raw`` as ``model``, or a 422 naming every bad field."""
    if not isinstance(raw, dict):
        raise MalformedPayload("expected a JSON object")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = [
            {"field": field_path(e["loc"], raw) or "(body)", "message": field_message(e)}
            for e in exc.errors(include_url=False)
        ]
        raise InvalidPayload(
            f"{len(errors)} invalid fields; nothing was applied", errors=errors
        ) from None


def unstamped_at(received_at: datetime, ended_at: datetime | None) -> datetime:
    """When something a body sends without its own time happened: when it arrived, but not after
    an end the same body dates (the timeline is ordered by when things happened).

    >>> from datetime import UTC
    >>> now, end = datetime(2026, 12, 7, 12, tzinfo=UTC), datetime(2026, 12, 7, 11, tzinfo=UTC)
    >>> unstamped_at(now, end).hour, unstamped_at(now, None).hour
    (11, 12)
    """
    return received_at if ended_at is None else min(received_at, ended_at)


def clip(text: str, limit: int = 20_000) -> str:
    """Text cut to what an event may carry."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
