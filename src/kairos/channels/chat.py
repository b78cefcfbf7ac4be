"""Web chat: a generic JSON webhook a chat platform posts when messages arrive.

One request carries one conversation's new messages (the first request may carry the whole
conversation)::

    {
      "conversation_id": "conv-5521",
      "started_at": "2026-11-22T14:00:00Z",
      "visitor": {"id": "v-88", "email": "jane@example.com", "phone": "+14155550100",
                  "account": "ACC-1234", "social": "x:@jane_doe", "name": "Jane"},
      "queue": "travel", "topic": "Flight cancelled", "language": "en",
      "timezone": "Europe/London",
      "messages": [
        {"id": "m1", "role": "visitor", "text": "My flight was cancelled", "sent_at": "..."},
        {"id": "m2", "role": "agent", "agent_id": "a-3", "text": "I'm sorry ...", "sent_at": "..."}
      ],
      "ended": {"at": "...", "resolved": true, "disposition": "rebooked"}
    }

``role`` is ``visitor`` (or ``customer``), ``agent``, ``bot`` or ``system``; system messages
("visitor joined") are dropped. The interaction id is ``chat:<conversation_id>``; each message's
event id is derived from its ``id``, so a redelivery is acknowledged once. ``visitor.id`` is the
``chat`` identity, ``email``/``phone``/``account`` are added when given, and ``social``
(``platform:handle``, e.g. ``x:@jane_doe``) when the chat was opened from a social profile.
``ended`` is optional. Visitor details sent after the first payload (a pre-chat form filled
late) come as a ``customer.identified``, stored only when they are new to the interaction's
customer: a platform that sends the visitor with every payload adds no line to the timeline.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from kairos.channels.base import (
    ChannelAdapter,
    InteractionLookup,
    NoInteractions,
    clip,
    parse_json,
    stable_id,
    started_event_id,
    unstamped_at,
    validate,
)
from kairos.channels.revisions import revised
from kairos.events import (
    CustomerIdentified,
    Event,
    Identity,
    InteractionEnded,
    InteractionStarted,
    Outcome,
    Timestamp,
    Utterance,
)
from kairos.limits import LanguageTag, Zone
from kairos.redaction.inbound import Inbound

_Str = Annotated[str, Field(min_length=1, max_length=320)]
_ROLES = {"visitor": "customer", "customer": "customer", "agent": "agent", "bot": "bot"}


class Visitor(Inbound):
    """Who is chatting, as the chat platform knows them."""

    model_config = ConfigDict(extra="ignore")
    verbatim = frozenset({"id", "email", "phone", "account", "social"})

    id: _Str | None = None
    email: _Str | None = None
    phone: _Str | None = None
    account: _Str | None = None
    social: Annotated[str | None, Field(min_length=3, max_length=320, pattern=r"^[^:\s]+:\S+$")] = (
        None
    )
    name: Annotated[str | None, Field(max_length=200)] = None


class ChatMessage(Inbound):
    """One message of the conversation."""

    model_config = ConfigDict(extra="ignore")
    verbatim = frozenset({"id", "role", "agent_id"})

    id: Annotated[str, Field(min_length=1, max_length=200)]
    role: Literal["visitor", "customer", "agent", "bot", "system"]
    text: Annotated[str, Field(min_length=1)]
    sent_at: Timestamp | None = None
    edited_at: Timestamp | None = None
    agent_id: Annotated[str | None, Field(max_length=200, pattern=r"^[^\s]+$")] = None


class ChatEnded(Inbound):
    """The conversation was closed."""

    model_config = ConfigDict(extra="ignore")

    at: Timestamp | None = None
    resolved: bool | None = None
    disposition: Annotated[str | None, Field(max_length=100)] = None


class ChatWebhook(Inbound):
    """The body of ``POST /v1/channels/chat``."""

    model_config = ConfigDict(extra="ignore")
    verbatim = frozenset(
        {"conversation_id", "queue", "language", "timezone", "visitor", "messages", "ended"}
    )

    conversation_id: Annotated[str, Field(min_length=1, max_length=150)]
    started_at: Timestamp | None = None
    visitor: Visitor = Visitor()
    queue: Annotated[str | None, Field(max_length=100)] = None
    topic: Annotated[str | None, Field(max_length=500)] = None
    language: LanguageTag | None = None
    timezone: Zone | None = None
    messages: Annotated[list[ChatMessage], Field(max_length=1000)] = []
    ended: ChatEnded | None = None


def _identities(visitor: Visitor) -> list[Identity]:
    pairs = (
        ("chat", visitor.id),
        ("email", visitor.email),
        ("phone", visitor.phone),
        ("account", visitor.account),
        ("social", visitor.social),
    )
    return [Identity.model_validate({"kind": k, "value": v}) for k, v in pairs if v]


def _utterance(
    conversation: str, iid: str, message: ChatMessage, speaker: str, received_at: datetime
) -> Utterance:
    return Utterance.model_validate(
        {
            "event_id": stable_id("chat", conversation, message.id),
            "interaction_id": iid,
            "occurred_at": message.sent_at or received_at,
            "speaker": speaker,
            "text": clip(message.text),
            "agent_id": message.agent_id if speaker == "agent" else None,
        }
    )


class ChatAdapter(ChannelAdapter):
    """Chat conversations: start on first sight, one utterance per message, optional end."""

    name = "chat"
    channel = "chat"

    def to_events(
        self,
        payload: bytes,
        *,
        received_at: datetime,
        lookup: InteractionLookup | None = None,
    ) -> list[Event]:
        """The conversation's new events."""
        body = validate(ChatWebhook, parse_json(payload))
        lookup = lookup or NoInteractions()
        iid = stable_id("chat", body.conversation_id)
        events: list[Event] = []
        first_sent = next((m.sent_at for m in body.messages if m.sent_at), None)
        identities = _identities(body.visitor)
        if lookup.exists(iid):
            if identities:
                # Named by what it says (hashed: an event id is no place for an email address).
                keys = "\n".join(sorted(f"{i.kind}:{i.value}" for i in identities))
                said = hashlib.sha256(keys.encode()).hexdigest()[:32]
                events.append(
                    CustomerIdentified(
                        event_id=stable_id("chat", body.conversation_id, "identified", said),
                        interaction_id=iid,
                        occurred_at=first_sent or received_at,
                        identities=identities,
                    )
                )
        else:
            events.append(
                InteractionStarted(
                    event_id=started_event_id(iid),
                    interaction_id=iid,
                    occurred_at=body.started_at or first_sent or received_at,
                    channel="chat",
                    identities=identities,
                    queue=body.queue,
                    language=body.language,
                    timezone=body.timezone,
                    subject=body.topic,
                )
            )
        unstamped = unstamped_at(received_at, body.ended.at if body.ended is not None else None)
        for message in body.messages:
            speaker = _ROLES.get(message.role)
            if speaker is not None:
                line = _utterance(body.conversation_id, iid, message, speaker, unstamped)
                events.append(revised(line, lookup, at=message.edited_at or received_at))
        if body.ended is not None:
            events.append(
                InteractionEnded(
                    event_id=stable_id("chat", body.conversation_id, "ended"),
                    interaction_id=iid,
                    occurred_at=body.ended.at or received_at,
                    outcome=Outcome(
                        resolved=body.ended.resolved, disposition=body.ended.disposition
                    ),
                )
            )
        return events
