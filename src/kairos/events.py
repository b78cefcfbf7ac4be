"""Typed events: the only way anything enters Kairos.

Every event is a pydantic model discriminated on ``type``. ``event_id`` is the idempotency key,
``occurred_at`` must be timezone-aware. The first event of an interaction
(``interaction.started``) carries the channel and the customer's identities; later events only
name the interaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

Channel = Literal["call", "chat", "email", "sms", "social"]
Speaker = Literal["customer", "agent", "bot"]
IdentityKind = Literal["phone", "email", "account", "social", "chat", "policy"]

CHANNELS: tuple[Channel, ...] = ("call", "chat", "email", "sms", "social")

_Id = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\s]+$")]


class Identity(BaseModel):
    """One way of recognising a customer on a channel: a phone number, an email, a handle."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: IdentityKind
    value: Annotated[str, Field(min_length=1, max_length=320)]


class Outcome(BaseModel):
    """How an interaction ended, as the platform or the agent reported it."""

    model_config = ConfigDict(extra="forbid")

    resolved: bool | None = None
    disposition: Annotated[str, Field(max_length=100)] | None = None
    customer_confirmed: bool | None = None
    note: Annotated[str, Field(max_length=2000)] | None = None


def _in_utc_range(value: datetime) -> datetime:
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the range of UTC timestamps") from None
    return value


#: A timezone-aware time that also exists in UTC (9999-12-31T23:00-14:00 does not), as stored.
Timestamp = Annotated[AwareDatetime, AfterValidator(_in_utc_range)]


class _EventBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: _Id
    interaction_id: _Id
    occurred_at: Timestamp


class Escalation(BaseModel):
    """The interaction this one continues: an agent turned a chat or social thread into a call."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: _Id
    by: _Id | None = None
    note: Annotated[str, Field(max_length=2000)] | None = None
    phone: Annotated[str, Field(max_length=64)] | None = None


class InteractionStarted(_EventBase):
    """A contact begins: a call is answered by the IVR, a chat opens, an email thread starts."""

    type: Literal["interaction.started"] = "interaction.started"
    channel: Channel
    identities: Annotated[list[Identity], Field(max_length=20)] = []
    reason: Annotated[str, Field(max_length=200)] | None = None
    queue: Annotated[str, Field(max_length=100)] | None = None
    language: Annotated[str, Field(max_length=20)] | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None
    subject: Annotated[str, Field(max_length=500)] | None = None
    escalation: Escalation | None = None


class Utterance(_EventBase):
    """Something said or written in the interaction, by the customer, an agent or a bot."""

    type: Literal["utterance"] = "utterance"
    speaker: Speaker
    text: Annotated[str, Field(min_length=1, max_length=20_000)]
    agent_id: _Id | None = None


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
    name: Annotated[str, Field(min_length=1, max_length=100)]
    value: Annotated[str, Field(min_length=1, max_length=500)]
    verified: bool = False


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
    csat: Annotated[int, Field(ge=1, le=5)] | None = None
    nps: Annotated[int, Field(ge=0, le=10)] | None = None
    text: Annotated[str, Field(max_length=5000)] | None = None


_FeatureName = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]
_Finite = Annotated[float, Field(allow_inf_nan=False)]


class VoiceReason(BaseModel):
    """One voice feature behind a stress score, with how far it departs, in SDs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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
    | AudioSegment,
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
)

event_adapter: TypeAdapter[Event] = TypeAdapter(Event)
