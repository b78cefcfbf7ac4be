"""API models: wrap-up, day figures, reviews, missed moments, scorecards, feedback, outreach."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kairos.bus.outreach_messages import OutreachTask
from kairos.limits import Csat, Nps, RowId
from kairos.redaction.inbound import Inbound

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Status = Literal["won", "lost", "missed", "routine", "continued"]


class WrapUpIn(Inbound):
    """What the agent records when a contact is over."""

    model_config = ConfigDict(extra="forbid")
    verbatim = frozenset({"agent_id"})

    resolved: bool
    confirmed_by_customer: bool
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None
    agent_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class WrapUpOut(BaseModel):
    """A recorded wrap-up, and the interaction's review when it has ended."""

    interaction_id: str
    resolved: bool
    confirmed_by_customer: bool
    note: str | None
    agent_id: str | None
    wrapped_up_at: datetime
    repeated: bool = Field(description="true: the same wrap-up was sent before; nothing changed")
    status: Status | None = Field(description="won, lost, missed or routine once reviewed")


class DayFigures(BaseModel):
    """One day's figures for the wallboard (interactions started that day in ``timezone``)."""

    day: date
    timezone: str = Field(description="the zone whose day it is: the centre's")
    contacts: int
    ended: int
    moments_of_truth: int
    won: int
    lost: int
    missed: int
    resolution_rate: float | None = Field(description="resolved among ended with a known result")
    csat_average: float | None
    csat_responses: int
    average_handle_seconds: float | None = Field(description="routine contacts")
    mot_average_handle_seconds: float | None = Field(description="moments of truth, apart")


class Behaviour(BaseModel):
    """One agent behaviour found in the transcript, with its evidence span."""

    kind: str
    label: str
    text: str | None = None
    start: int | None = None
    end: int | None = None
    event_id: str | None = None
    turn: int | None = None
    source: str = "detector"


class ReviewOut(BaseModel):
    """The quality review of one ended interaction."""

    interaction_id: str
    customer_id: int | None
    agent_id: str | None
    status: Status
    missed: bool
    mot_live: bool
    mot_hindsight: bool
    live_score: float | None
    hindsight_score: float
    handled_as_routine: bool
    ended_well: bool | None
    resolved: bool | None
    confirmed_by_customer: bool | None
    sentiment_start: float | None
    sentiment_end: float | None
    recovery: float | None
    recontact: bool
    recontact_interaction_id: str | None
    csat: int | None
    nps: int | None
    cube: str | None
    reason: str | None
    stakes: list[str]
    customer_value: float | None
    reask_count: int
    handle_seconds: float | None
    behaviours: list[Behaviour]
    evidence: list[dict[str, Any]]
    started_at: datetime
    ended_at: datetime | None
    model_version: str
    reviewed_at: datetime


class TranscriptSpan(BaseModel):
    """One turn of the transcript that carries evidence."""

    seq: int
    event_id: str
    speaker: str
    text: str
    marks: list[dict[str, Any]] = []


class MissedMoment(BaseModel):
    """One entry of the morning list: a moment of truth that ended badly or went as routine."""

    review: ReviewOut
    why: list[str]
    transcript: list[TranscriptSpan]


class MissedList(BaseModel):
    """The missed moments in a period, the most valuable customers first."""

    total: int
    items: list[MissedMoment]


class Scorecard(BaseModel):
    """One agent's results: moments won, resolution and satisfaction first; handle time apart."""

    agent_id: str
    moments_handled: int
    moments_won: int
    moments_lost: int
    moments_missed: int
    win_rate: float | None
    resolution_rate: float | None
    csat_average: float | None
    csat_responses: int
    contacts: int
    empathy: int
    ownership: int
    blame: int
    deflection: int
    premature_close: int
    reasks: int
    routine_handle_seconds: float | None
    mot_handle_seconds: float | None


class ScorecardList(BaseModel):
    """Scorecards for every agent with reviewed contacts in the period."""

    items: list[Scorecard]


class SurveyIn(Inbound):
    """A post-contact survey answer: at least one of CSAT, NPS or free text."""

    model_config = ConfigDict(extra="forbid")

    csat: Csat | None = None
    nps: Nps | None = None
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None = None


class SurveyOut(BaseModel):
    """A stored survey answer with the detector's reading of its text."""

    id: int
    interaction_id: str
    source: str
    csat: int | None
    nps: int | None
    text: str | None
    score: dict[str, Any] | None
    theme_id: int | None
    received_at: datetime


class SurveyLink(BaseModel):
    """The link a customer follows to answer the survey of one interaction."""

    interaction_id: str
    token: str
    url: str


class ThemeOut(BaseModel):
    """A feedback theme with its items' count and its actions."""

    id: int
    label: str
    keywords: list[str]
    size: int
    negative_share: float | None
    actions: list[ActionOut] = []


class ThemeList(BaseModel):
    """Every theme."""

    items: list[ThemeOut]


class ActionIn(Inbound):
    """A new action for a theme."""

    model_config = ConfigDict(extra="forbid")

    theme_id: RowId
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    owner: Name
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


ActionStatus = Literal["open", "in_progress", "shipped", "dropped"]


class ActionUpdate(Inbound):
    """A change of an action's status, owner or note."""

    model_config = ConfigDict(extra="forbid")
    verbatim = frozenset({"status"})

    status: ActionStatus | None = None
    owner: Name | None = None
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ActionOut(BaseModel):
    """An action with how many customers were told it shipped."""

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


class ActionList(BaseModel):
    """Every action."""

    items: list[ActionOut]


Trigger = Literal["moment_lost", "churn_risk", "key_message"]
TaskKind = Literal["follow_up", "check_in", "notice"]
ChannelName = Literal["call", "chat", "email", "sms", "social"]


class RuleIn(Inbound):
    """A new outreach rule."""

    model_config = ConfigDict(extra="forbid")
    verbatim = frozenset({"name", "trigger", "kind", "queue", "channel"})

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    trigger: Trigger
    kind: TaskKind
    threshold: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    queue: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    channel: ChannelName = "call"
    due_within_minutes: Annotated[int, Field(ge=1, le=60 * 24 * 30)] = 240
    certified_only: bool = False
    enabled: bool = True


class RuleUpdate(Inbound):
    """A supervisor's change to a rule; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")
    verbatim = frozenset({"queue", "channel"})

    threshold: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    queue: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = None
    channel: ChannelName | None = None
    due_within_minutes: Annotated[int, Field(ge=1, le=60 * 24 * 30)] | None = None
    certified_only: bool | None = None
    enabled: bool | None = None


class RuleOut(BaseModel):
    """An outreach rule."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    trigger: str
    kind: str
    threshold: float | None
    queue: str
    channel: str
    due_within_minutes: int
    certified_only: bool
    enabled: bool
    updated_by: str | None
    updated_at: datetime


class RuleList(BaseModel):
    """Every rule."""

    items: list[RuleOut]


class TaskOut(OutreachTask):
    """An outreach task and the rule or action that made it."""

    model_config = ConfigDict(from_attributes=True)


class TaskList(BaseModel):
    """Outreach tasks, newest first."""

    total: int
    items: list[TaskOut]


ThemeOut.model_rebuild()


class SummaryLineOut(BaseModel):
    """One sentence of a contact's summary, with the turn it came from."""

    part: str = Field(description="needed, done, promised or open")
    heading: str
    text: str
    speaker: str
    event_id: str | None = Field(description="the utterance the sentence was said in")
    when: str | None = Field(default=None, description="by when, for a promise that says so")
    evidence: str | None = Field(description="the turn on the interaction's page")


class SummaryOut(BaseModel):
    """A contact's extractive summary: what the customer needed, what was done, what was
    promised and by when, what is still open."""

    interaction_id: str
    ended: bool
    resolved: bool | None
    text: str
    lines: list[SummaryLineOut]


class DriverOut(BaseModel):
    """One contact driver over a period."""

    name: str = Field(description="the reason most of its contacts gave, else their phrase")
    phrases: list[str] = Field(description="its heaviest terms")
    volume: int
    moments: int
    mot_share: float
    trend: str = Field(
        description="rising, falling, steady (over whole days: not today, still running); "
        "unknown: under 4 whole days of history"
    )
    per_day: list[int]
    examples: list[str]


class DriverList(BaseModel):
    """Contact drivers of a period, largest first."""

    since: datetime
    until: datetime
    timezone: str
    contacts: int
    items: list[DriverOut]
