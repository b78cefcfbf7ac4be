"""Typed bus messages: one class per message type, each with the topic it travels on.

Services ``bus.send(message)`` once their transaction commits; a listener reads a body back
with :func:`parse` and matches on the class (as Zulip does with its event types). On the wire a
message is its JSON dump without the topic (what pages read); another domain's API object (a
playbook, a key message, a rule) travels as a JSON snapshot its owner's schema reads back.

>>> message = SupervisorCleared(interaction_id="i1")
>>> message.topic, message.wire()
('supervision', {'type': 'supervisor.cleared', 'interaction_id': 'i1'})
>>> parse(message.wire()) == message
True
>>> parse({"type": "no.such.thing"}) is None
True
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, JsonValue, ValidationError

from kairos.bus.customer_messages import ContactPreferenceChanged as ContactPreferenceChanged
from kairos.bus.customer_messages import CustomerErased as CustomerErased
from kairos.bus.message_base import IsoTime as IsoTime
from kairos.bus.message_base import Message as Message
from kairos.bus.message_base import Snapshot as Snapshot
from kairos.bus.message_base import Wire
from kairos.bus.outreach_messages import OutreachTask as OutreachTask
from kairos.bus.outreach_messages import OutreachTaskCreated as OutreachTaskCreated
from kairos.bus.outreach_messages import OutreachTaskDone as OutreachTaskDone
from kairos.bus.routing_messages import InteractionQueued as InteractionQueued
from kairos.bus.routing_messages import QueueCreated as QueueCreated
from kairos.bus.routing_messages import RoutingDecided as RoutingDecided
from kairos.bus.routing_messages import RoutingOffered as RoutingOffered
from kairos.bus.routing_messages import RoutingOfferEnded as RoutingOfferEnded
from kairos.detection.assessment import Assessment
from kairos.events import Event

log = logging.getLogger(__name__)

# -- events: what ingest applied ----------------------------------------------------------------


class EventApplied(Message):
    """An event committed to the log; ``seq`` is its place in its interaction."""

    topic: ClassVar[str] = "events"
    type: Literal["event.applied"] = "event.applied"
    seq: int | None = None
    event: Event
    late: bool = False
    """Applied after its interaction had ended (a transcript segment the platform sent late)."""


# -- assessments --------------------------------------------------------------------------------


class AssessmentUpdated(Message):
    """The detector's new view of an interaction, stored after ``event_id``."""

    topic: ClassVar[str] = "assessments"
    type: Literal["assessment.updated"] = "assessment.updated"
    interaction_id: str
    event_id: str | None = None
    agent_id: str | None = None
    state: str | None = None
    assessment: Assessment


# -- interactions and customers -----------------------------------------------------------------


class ReaskDetected(Message):
    """The agent asked for something the customer already told us."""

    topic: ClassVar[str] = "interactions"
    type: Literal["reask.detected"] = "reask.detected"
    interaction_id: str
    event_id: str
    agent_id: str | None
    customer_id: int | None
    fact: str
    value_masked: str
    verified: bool
    source: str
    channel: str | None
    observed_at: IsoTime
    message: str


class InteractionEscalated(Message):
    """A chat or social thread became a call."""

    topic: ClassVar[str] = "interactions"
    type: Literal["interaction.escalated"] = "interaction.escalated"
    interaction_id: str
    source_interaction_id: str
    source_channel: str
    customer_id: int | None
    agent_id: str | None
    queue: str
    note: str | None
    mot_score: float | None
    escalated_at: IsoTime


class CustomerMerged(Message):
    """Two customers became one."""

    topic: ClassVar[str] = "customers"
    type: Literal["customer.merged"] = "customer.merged"
    customer_id: int
    from_customer_id: int
    merged_by: str | None
    merged_at: IsoTime
    moved: dict[str, JsonValue]


# -- routing and supervision --------------------------------------------------------------------


class AgentStateChanged(Message):
    """An agent's state changed (available, busy, ...)."""

    topic: ClassVar[str] = "agents"
    type: Literal["agent.state_changed"] = "agent.state_changed"
    agent_id: str
    state: str
    previous: str
    at: IsoTime


class AlertReason(BaseModel):
    """One factor behind a supervisor alert."""

    model_config = ConfigDict(frozen=True)

    factor: str
    value: JsonValue


class SupervisorAlerted(Message):
    """An interaction in progress needs a supervisor to assist or take over."""

    topic: ClassVar[str] = "supervision"
    type: Literal["supervisor.alert"] = "supervisor.alert"
    interaction_id: str
    agent_id: str | None
    action: str
    severity: float
    reasons: list[AlertReason]


class SupervisorCleared(Message):
    """An interaction no longer needs a supervisor."""

    topic: ClassVar[str] = "supervision"
    type: Literal["supervisor.cleared"] = "supervisor.cleared"
    interaction_id: str


# -- assist and key messages --------------------------------------------------------------------


class PlaybookUpdated(Message):
    """A playbook got a new version."""

    topic: ClassVar[str] = "assist"
    type: Literal["playbook.updated"] = "playbook.updated"
    playbook: Snapshot
    version: int
    updated_by: str | None


class NudgeOut(BaseModel):
    """One coaching nudge as pages read it."""

    model_config = ConfigDict(frozen=True, extra="allow")

    kind: str
    rule: str
    span: str
    start: int
    end: int
    suggestion: str


class CoachingNudge(Message):
    """The agent's words blamed, deflected or closed too soon."""

    topic: ClassVar[str] = "assist"
    type: Literal["coaching.nudge"] = "coaching.nudge"
    interaction_id: str
    agent_id: str | None
    event_id: str
    occurred_at: datetime
    nudges: list[NudgeOut]


class CoachingWithdrawn(Message):
    """The agent edited a message: the nudges on its earlier words (``withdrawn``) no longer
    apply; the edit (``event_id``) has its own ``coaching.nudge`` where its words call for one."""

    topic: ClassVar[str] = "assist"
    type: Literal["coaching.withdrawn"] = "coaching.withdrawn"
    interaction_id: str
    agent_id: str | None
    event_id: str
    withdrawn: str


class KeyMessagePosted(Message):
    """A supervisor posted a key message; the open interactions it matches."""

    topic: ClassVar[str] = "messages"
    type: Literal["key_message.posted"] = "key_message.posted"
    message: Snapshot
    interaction_ids: list[str]


class KeyMessageExpired(Message):
    """A key message was expired by hand."""

    topic: ClassVar[str] = "messages"
    type: Literal["key_message.expired"] = "key_message.expired"
    message: Snapshot


# -- outcomes -----------------------------------------------------------------------------------


class InteractionWrappedUp(Message):
    """The agent wrapped an interaction up."""

    topic: ClassVar[str] = "outcomes"
    type: Literal["interaction.wrapped_up"] = "interaction.wrapped_up"
    interaction_id: str
    agent_id: str | None
    resolved: bool | None
    confirmed_by_customer: bool | None
    note: str | None


class InteractionReviewed(Message):
    """An ended interaction was reviewed: won, lost or missed."""

    topic: ClassVar[str] = "outcomes"
    type: Literal["interaction.reviewed"] = "interaction.reviewed"
    interaction_id: str
    agent_id: str | None
    status: str
    missed: bool
    customer_id: int | None
    hindsight_score: float
    churn_risk: float


class SurveyRecorded(Message):
    """A survey answer was stored."""

    topic: ClassVar[str] = "outcomes"
    type: Literal["survey.recorded"] = "survey.recorded"
    id: int
    interaction_id: str
    source: str
    csat: int | None
    nps: int | None
    text: str | None
    score: dict[str, JsonValue] | None
    theme_id: int | None
    received_at: datetime


class ThemesUpdated(Message):
    """Feedback themes were recomputed."""

    topic: ClassVar[str] = "outcomes"
    type: Literal["themes.updated"] = "themes.updated"
    themes: int


class _ActionFields(Message):
    topic: ClassVar[str] = "outcomes"
    id: int
    theme_id: int
    title: str
    owner: str
    status: str
    note: str | None
    created_at: datetime
    updated_at: datetime
    shipped_at: datetime | None
    customers_told: int


class ActionCreated(_ActionFields):
    """An action was taken on a feedback theme."""

    type: Literal["action.created"] = "action.created"


class ActionUpdated(_ActionFields):
    """An action changed (shipped, say)."""

    type: Literal["action.updated"] = "action.updated"


class RuleCreated(Message):
    """An outreach rule was created."""

    topic: ClassVar[str] = "outreach"
    type: Literal["rule.created"] = "rule.created"
    rule: Snapshot


class RuleUpdated(Message):
    """An outreach rule changed."""

    topic: ClassVar[str] = "outreach"
    type: Literal["rule.updated"] = "rule.updated"
    rule: Snapshot


class OutreachYouSaidWeDid(Message):
    """Customers who raised a theme were told its action shipped."""

    topic: ClassVar[str] = "outreach"
    type: Literal["outreach.you_said_we_did"] = "outreach.you_said_we_did"
    action_id: int
    customer_ids: list[int]


#: Every message type, by its ``type``.
_TYPES: tuple[type[Message], ...] = (
    EventApplied, AssessmentUpdated, ReaskDetected, InteractionEscalated, InteractionQueued,
    CustomerMerged, AgentStateChanged, RoutingDecided, RoutingOffered, RoutingOfferEnded,
    QueueCreated, SupervisorAlerted, SupervisorCleared, PlaybookUpdated, CoachingNudge,
    CoachingWithdrawn, KeyMessagePosted, KeyMessageExpired, InteractionWrappedUp,
    InteractionReviewed, SurveyRecorded, ThemesUpdated, ActionCreated, ActionUpdated, RuleCreated,
    RuleUpdated, OutreachTaskCreated, OutreachTaskDone, OutreachYouSaidWeDid,
    ContactPreferenceChanged, CustomerErased,
)  # fmt: skip
_BY_TYPE: dict[str, type[Message]] = {cls.model_fields["type"].default: cls for cls in _TYPES}


def parse(body: Mapping[str, Any]) -> Message | None:
    """The typed message for a body received from the bus; None for a type this version does not
    know (a newer publisher, a test's stray message), which listeners skip. A known type that
    does not read is logged: a publisher and its listeners disagree on the contract."""
    cls = _BY_TYPE.get(str(body.get("type")))
    if cls is None:
        return None
    if isinstance(body, Wire) and type(body.message) is cls:
        return body.message  # published in this process: validated when it was made
    try:
        return cls.model_validate(body)
    except ValidationError as error:
        # Where and how it is wrong, not what it holds (pydantic's text quotes the input).
        wrong = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['type']}"
            for e in error.errors(include_input=False, include_url=False)
        )
        log.warning("bus message %s does not read: %s", cls.__name__, wrong)
        return None
