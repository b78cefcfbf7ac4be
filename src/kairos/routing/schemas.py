"""API models for agents, queues and routing decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kairos.bus.messages import AlertReason, RoutingDecided
from kairos.redaction.inbound import Inbound
from kairos.routing.snapshots import AgentState

Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Channel = Literal["call", "chat", "email", "sms", "social"]
PolicyName = Literal["fifo", "moments"]


class AgentCreate(Inbound):
    """A new agent."""

    model_config = ConfigDict(extra="forbid")
    verbatim = frozenset({"external_id", "skills", "languages", "channels", "state"})

    external_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    skills: dict[Word, Annotated[int, Field(ge=1, le=5)]] = {}
    languages: list[Word] = []
    channels: list[Channel] = []
    max_concurrency: Annotated[int, Field(ge=1, le=20)] = 1
    empathy: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5
    mot_certified: bool = False
    tenure_months: Annotated[int, Field(ge=0, le=1200)] = 0
    state: AgentState = "away"


class AgentOut(BaseModel):
    """An agent, with how many interactions it holds now."""

    model_config = ConfigDict(from_attributes=True)

    external_id: str
    name: str
    skills: dict[str, int]
    languages: list[str]
    channels: list[str]
    max_concurrency: int
    empathy: float
    mot_certified: bool
    tenure_months: int
    state: str
    state_since: datetime
    load: int = 0


class AgentList(BaseModel):
    """Agents, and how many match in all."""

    total: int
    items: list[AgentOut]


class AgentStateChange(Inbound):
    """A new state for an agent."""

    model_config = ConfigDict(extra="forbid")
    verbatim = frozenset({"state"})

    state: AgentState


class QueueCreate(Inbound):
    """A new queue."""

    model_config = ConfigDict(extra="forbid")
    verbatim = frozenset({"name", "channel", "required_skills", "policy"})

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    channel: Channel | None = None
    required_skills: list[Word] = []
    policy: PolicyName = "fifo"


class QueueOut(BaseModel):
    """A queue."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    channel: str | None
    required_skills: list[str]
    policy: str
    created_at: datetime


class DecisionOut(RoutingDecided):
    """A stored routing decision: the ``routing.decided`` message is its one definition."""


class DecisionList(BaseModel):
    """Routing decisions, newest first, and how many match in all."""

    total: int
    items: list[DecisionOut]


class NextResult(BaseModel):
    """The answer to ``POST /v1/agents/{id}/next``: the decision, or why there is none."""

    decision: DecisionOut | None
    message: str


class AlertLogEntry(BaseModel):
    """A stored supervisor alert: raised, cleared, seen and acted on, and by whom."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    interaction_id: str
    agent_id: str | None
    action: str
    severity: float
    reasons: list[AlertReason]
    raised_at: datetime
    cleared_at: datetime | None
    seen_by: str | None
    seen_at: datetime | None
    acted_by: str | None
    acted_at: datetime | None
    acted: str | None


class AlertLog(BaseModel):
    """Stored alerts, newest first."""

    total: int
    items: list[AlertLogEntry]


class AlertActIn(Inbound):
    """What a supervisor did about an alert."""

    model_config = ConfigDict(extra="forbid")

    what: Annotated[str, Field(min_length=1, max_length=500)]
