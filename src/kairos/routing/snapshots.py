"""Plain snapshots routing decides on: a waiting interaction, an agent, a decision, an alert.

No database and no web here: the service builds these from rows, the simulator from its model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal

AgentState = Literal["available", "busy", "wrap_up", "away"]
AGENT_STATES: tuple[AgentState, ...] = ("available", "busy", "wrap_up", "away")


@dataclass(frozen=True, slots=True)
class WaitingInteraction:
    """An interaction waiting in a queue, as routing sees it at one moment."""

    id: str
    queue: str
    channel: str
    enqueued_at: datetime
    required_skills: tuple[str, ...] = ()
    language: str | None = None
    mot_score: float = 0.0
    #: Absolute time of the customer's deadline; routing recomputes the minutes left per decision.
    deadline: datetime | None = None
    stakes: tuple[str, ...] = ()
    emotion: float = 0.0
    churn_risk: float = 0.0
    customer_value: float = 0.5
    model_version: str | None = None

    def waited_seconds(self, now: datetime) -> float:
        """Seconds waited so far."""
        return (now - self.enqueued_at).total_seconds()

    def minutes_to_deadline(self, now: datetime) -> float | None:
        """Minutes left before the customer's deadline (negative once passed), or None."""
        return None if self.deadline is None else (self.deadline - now).total_seconds() / 60.0


@dataclass(frozen=True, slots=True)
class AgentSnapshot:
    """An agent as routing sees it at one moment."""

    id: str
    skills: Mapping[str, int] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    max_concurrency: int = 1
    load: int = 0
    empathy: float = 0.5
    mot_certified: bool = False
    tenure_months: int = 0
    state: AgentState = "available"
    #: Since when the agent has had nothing to do (or its state changed); longest idle goes first.
    idle_since: datetime | None = None

    @property
    def can_take_work(self) -> bool:
        """Available and below its concurrency limit."""
        return self.state == "available" and self.load < self.max_concurrency


@dataclass(frozen=True, slots=True)
class Reason:
    """One factor of a decision and its value."""

    factor: str
    value: float | str | bool


@dataclass(frozen=True, slots=True)
class Decision:
    """One waiting interaction given to one agent, with the score and the reasons why."""

    interaction_id: str
    agent_id: str
    policy: str
    score: float
    moment_of_truth: bool
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class LiveInteraction:
    """An interaction in progress, for the supervisor alert."""

    id: str
    agent_id: str | None
    emotion: float = 0.0
    stress: float = 0.0
    mot_score: float = 0.0
    stakes: tuple[str, ...] = ()
    minutes_to_deadline: float | None = None


@dataclass(frozen=True, slots=True)
class SupervisorAlert:
    """A suggestion that a supervisor assist or take over an interaction in progress."""

    interaction_id: str
    agent_id: str | None
    action: Literal["assist", "take_over"]
    severity: float
    reasons: tuple[Reason, ...]


def jsonable(snapshot: WaitingInteraction | AgentSnapshot) -> dict[str, Any]:
    """A snapshot as JSON values (as the decision's ``inputs`` store it), read field by field:
    ``dataclasses.asdict`` deep-copies and is ten times slower on the ``next`` path."""
    out: dict[str, Any] = {}
    for name in _field_names(type(snapshot)):
        value = getattr(snapshot, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        out[name] = value
    return out


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls))
    return names


_FIELDS: dict[type, tuple[str, ...]] = {}
