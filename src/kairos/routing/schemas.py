"""API models for agents, queues and routing decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kairos.bus.messages import RoutingDecided
from kairos.routing.snapshots import AgentState

Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Channel = Literal["call", "chat", "email", "sms", "social"]
PolicyName = Literal["fifo", "moments"]


class AgentCreate(BaseModel):
    """A new agent."""

    model_config = ConfigDict(extra="forbid")

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


class AgentStateChange(BaseModel):
    """A new state for an agent."""

    model_config = ConfigDict(extra="forbid")

    state: AgentState


class QueueCreate(BaseModel):
    """A new queue."""

    model_config = ConfigDict(extra="forbid")

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
