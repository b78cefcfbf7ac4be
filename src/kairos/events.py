"""Typed events: the only way anything enters Kairos.

Every event is a pydantic model discriminated on ``type``. ``event_id`` is the idempotency key,
``occurred_at`` must be timezone-aware. The first event of an interaction
(``interaction.started``) carries the channel and the customer's identities; later events only
name the interaction, except ``customer.identified``, which brings identities learnt after the
start (a handle whose post arrived after the brand's reply, a chat visitor's email).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, TypeAdapter, ValidationInfo, field_validator

from kairos.limits import Csat, Moment, Nps, Zone
from kairos.redaction.inbound import Inbound, identity_value
from kairos.redaction.text import mask_value

Channel = Literal["call", "chat", "email", "sms", "social"]
Speaker = Literal["customer", "agent", "bot"]
IdentityKind = Literal["phone", "email", "account", "social", "chat", "policy"]

CHANNELS: tuple[Channel, ...] = ("call", "chat", "email", "sms", "social")

_Id = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\s]+$")]


class Identity(Inbound):
    """One way of recognising a customer on a channel: a phone number, an email, a handle.

    A card number given as one (an account number that is a card) is kept as a keyed hash with
    its last four (``redaction.inbound.identity_value``), never in clear.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    verbatim = frozenset({"kind", "value"})

    kind: IdentityKind
    value: Annotated[str, Field(min_length=1, max_length=320)]

    @field_validator("value")
    @classmethod
    def _no_card_in_clear(cls, value: str) -> str:
        return identity_value(value)


class Outcome(Inbound):
    """How an interaction ended, as the platform or the agent reported it."""

    model_config = ConfigDict(extra="forbid")

    resolved: bool | None = None
    disposition: Annotated[str, Field(max_length=100)] | None = None
    customer_confirmed: bool | None = None
    note: Annotated[str, Field(max_length=2000)] | None = None


#: A timezone-aware time between 1970 and ten years from now (``kairos.limits.Moment``): a
#: far-future ``occurred_at`` is refused with a 422 naming the field, never stored.
Timestamp = Moment


#: Event fields that are ids, codes or names a program chose: kept as sent (not redacted).
_VERBATIM = frozenset(
    {
        "type", "event_id", "interaction_id", "channel", "speaker", "agent_id", "queue",
        "language", "timezone", "menu", "option", "name", "to_queue", "to_agent", "stream_id",
        "model_version", "features", "identities", "escalation", "outcome", "reasons", "edit_of",
    }
)  # fmt: skip


class _EventBase(Inbound):
    model_config = ConfigDict(extra="forbid", frozen=True)
    verbatim = _VERBATIM

    event_id: _Id
    interaction_id: _Id
    occurred_at: Timestamp


class Escalation(Inbound):
    """The interaction this one continues: an agent turned a chat or social thread into a call."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    verbatim = frozenset({"source", "by", "phone"})

    source: _Id
    by: _Id | None = None
    note: Annotated[str, Field(max_length=2000)] | None = None
    phone: Annotated[str, Field(max_length=64)] | None = None


class FollowUp(Inbound):
    """The moment of truth this contact follows up: outreach calls back a customer whose moment
    was lost. The detector reads it like any journey fact (it never queries for history)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    verbatim = frozenset({"source", "stakes"})

    source: _Id
    #: How strongly the source was a moment of truth, in hindsight (the review's score).
    mot_score: float = Field(ge=0.0, le=1.0)
    stakes: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=10)] = []


class InteractionStarted(_EventBase):
    """A contact begins: a call is answered by the IVR, a chat opens, an email thread starts."""

    type: Literal["interaction.started"] = "interaction.started"
    channel: Channel
    identities: Annotated[list[Identity], Field(max_length=20)] = []
    reason: Annotated[str, Field(max_length=200)] | None = None
    queue: Annotated[str, Field(max_length=100)] | None = None
    language: Annotated[str, Field(max_length=20)] | None = None
    timezone: Zone | None = None
    subject: Annotated[str, Field(max_length=500)] | None = None
    escalation: Escalation | None = None
    follow_up: FollowUp | None = None


class CustomerIdentified(_EventBase):
    """Identities of the interaction's customer learnt after its start: they are resolved as a
    start's are, and attach the customer to an interaction that started without one."""

    type: Literal["customer.identified"] = "customer.identified"
    identities: Annotated[list[Identity], Field(min_length=1, max_length=20)]


class Utterance(_EventBase):
    """Something said or written in the interaction, by the customer, an agent or a bot."""

    type: Literal["utterance"] = "utterance"
    speaker: Speaker
    text: Annotated[str, Field(min_length=1, max_length=20_000)]
    agent_id: _Id | None = None
    edit_of: _Id | None = None
    """The ``event_id`` of the utterance this one edits: its text supersedes that one's."""


class IvrSelection(_EventBase):
    """The caller picked an option in an IVR menu."""

    type: Literal["ivr.selection"] = "ivr.selection"
    menu: Annotated[str, Field(min_length=1, max_length=100)]
    option: Annotated[str, Field(min_length=1, max_length=100)]
    label: Annotated[str, Field(max_length=200)] | None = None
    reason: Annotated[str, Field(max_length=200)] | None = None
    mot_prone: bool = False


class IvrInput(_EventBase):
    """The caller keyed or said a value in the IVR: an account number, a policy number."""

    type: Literal["ivr.input"] = "ivr.input"
    verbatim = _VERBATIM | {"value"}  # masked by its name below, which also redacts the rest
    name: Annotated[str, Field(min_length=1, max_length=100)]
    value: Annotated[str, Field(min_length=1, max_length=500)]
    verified: bool = False

    @field_validator("value")
    @classmethod
    def _mask_by_name(cls, value: str, info: ValidationInfo) -> str:
        """A value named like a secret ("pin", "pass_code", "otp") keeps nothing."""
        name = info.data.get("name")
        return mask_value(name, value)[0] if isinstance(name, str) else value


class Transfer(_EventBase):
    """The interaction moved to another queue or agent."""

    type: Literal["transfer"] = "transfer"
    to_queue: Annotated[str, Field(max_length=100)] | None = None
    to_agent: _Id | None = None
    reason: Annotated[str, Field(max_length=500)] | None = None


class InteractionEnded(_EventBase):
    """The contact is over, with its outcome."""

    type: Literal["interaction.ended"] = "interaction.ended"
    outcome: Outcome = Outcome()


class SurveyResponse(_EventBase):
    """A post-contact survey answer tied to the interaction."""

    type: Literal["survey.response"] = "survey.response"
    csat: Csat | None = None
    nps: Nps | None = None
    text: Annotated[str, Field(max_length=5000)] | None = None


_FeatureName = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]
_Finite = Annotated[float, Field(allow_inf_nan=False)]


class VoiceReason(Inbound):
    """One voice feature behind a stress score, with how far it departs, in SDs."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    verbatim = frozenset({"feature"})

    feature: _FeatureName
    sd: Annotated[float, Field(ge=-100, le=100)]
    text: Annotated[str, Field(min_length=1, max_length=200)]


#: Why audio of the agent's side is neither analysed nor stored (said by every audio path).
AGENT_VOICE_NOTICE = (
    "the agent's voice is neither analysed nor stored: emotion recognition of workers is "
    "prohibited (EU AI Act, Article 5(1)(f)); only the customer's side is analysed"
)
#: The same in the 123 bytes a WebSocket close reason holds.
AGENT_VOICE_CLOSE = (
    "agent audio is not analysed or kept (EU AI Act art. 5(1)(f)); send the customer's side"
)


class AudioSegment(_EventBase):
    """One voiced segment of a call leg, analysed: its voice features and the speaker's stress.

    Only the customer's voice is analysed: ingest refuses a segment whose ``speaker`` is not
    ``customer`` (``AGENT_VOICE_NOTICE``). The field stays for rows stored before that rule.

    ``start_s`` / ``end_s`` place it in the stream (seconds from the stream's start); ``stress`` is
    the speaker's smoothed stress after it, ``segment_stress`` this segment's alone.
    """

    type: Literal["audio.segment"] = "audio.segment"
    speaker: Speaker = "customer"
    stream_id: _Id | None = None
    start_s: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    end_s: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    features: Annotated[dict[_FeatureName, _Finite], Field(max_length=32)] = {}
    stress: Annotated[float, Field(ge=0, le=1)]
    segment_stress: Annotated[float, Field(ge=0, le=1)] | None = None
    baseline_weight: Annotated[float, Field(ge=0, le=1)] | None = None
    reasons: Annotated[list[VoiceReason], Field(max_length=8)] = []
    model_version: Annotated[str, Field(max_length=100)] | None = None


Event = Annotated[
    InteractionStarted
    | Utterance
    | IvrSelection
    | IvrInput
    | Transfer
    | InteractionEnded
    | SurveyResponse
    | AudioSegment
    | CustomerIdentified,
    Field(discriminator="type"),
]

EVENT_TYPES: tuple[str, ...] = (
    "interaction.started",
    "utterance",
    "ivr.selection",
    "ivr.input",
    "transfer",
    "interaction.ended",
    "survey.response",
    "audio.segment",
    "customer.identified",
)

event_adapter: TypeAdapter[Event] = TypeAdapter(Event)
