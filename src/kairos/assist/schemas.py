"""API models for playbooks, coaching nudges and the agent's guidance for one interaction."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from kairos.assist.coaching import Nudge, NudgeKind
from kairos.messages.schemas import KeyMessageOut
from kairos.redaction.inbound import Inbound

#: The situations a playbook can be written for: the detector's stakes categories, and two that
#: come from the journey and the centre rather than the customer's words.
Situation = Literal[
    "travel_disruption",
    "insurance_claim",
    "health",
    "bereavement",
    "money_lost",
    "fraud",
    "business_deadline",
    "family_event",
    "safety",
    "first_time",
    "repeat_contact",
    "outage",
]
SITUATIONS: tuple[str, ...] = get_args(Situation)

_CUBE_PART = re.compile(r"^(emotion|urgency|complexity):(low|high)$")


def _valid_cube(value: str | None) -> str | None:
    if value is None:
        return None
    parts = value.split()
    axes = [p.split(":", 1)[0] for p in parts]
    if not parts or not all(_CUBE_PART.match(p) for p in parts) or len(set(axes)) != len(axes):
        raise ValueError(
            "a cube filter is one to three of emotion/urgency/complexity, each :low or :high, "
            "e.g. 'urgency:high' or 'emotion:high urgency:high complexity:low'"
        )
    order = ("emotion", "urgency", "complexity")
    return " ".join(sorted(parts, key=lambda p: order.index(p.split(":", 1)[0])))


Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
CubeFilter = Annotated[str | None, AfterValidator(_valid_cube)]


class EmpoweredAction(Inbound):
    """Something the agent may do without asking a supervisor, within its limit."""

    model_config = ConfigDict(extra="forbid")

    action: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    limit: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class PlaybookUpdate(Inbound):
    """A playbook as a supervisor saves it: every editable field, replaced as a whole.

    ``version``, when given, must be the version the supervisor edited: a save over someone
    else's newer edit is refused rather than silently undoing it.
    """

    model_config = ConfigDict(extra="forbid")
    verbatim = frozenset({"stakes", "cube", "actions"})

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    summary: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    stakes: Annotated[list[Situation], Field(max_length=len(SITUATIONS))] = []
    reasons: Annotated[list[Phrase], Field(max_length=50)] = []
    cube: CubeFilter = None
    actions: Annotated[list[EmpoweredAction], Field(min_length=1, max_length=30)]
    steps: Annotated[list[Line], Field(max_length=30)] = []
    wording: Annotated[list[Line], Field(max_length=30)] = []
    version: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None

    @model_validator(mode="after")
    def _applies_somewhere(self) -> PlaybookUpdate:
        if not self.stakes and not self.reasons:
            raise ValueError("a playbook needs stakes or reasons, or it never applies")
        return self


class PlaybookIn(PlaybookUpdate):
    """A shipped default playbook: an update with its stable key."""

    key: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,100}$")]


class PlaybookOut(BaseModel):
    """A playbook; ``matched_on`` says why it was chosen for an interaction."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    title: str
    summary: str
    stakes: list[str]
    reasons: list[str]
    cube: str | None
    actions: list[EmpoweredAction]
    steps: list[str]
    wording: list[str]
    version: int
    updated_by: str | None
    updated_at: datetime
    matched_on: list[str] = []


class PlaybookRevisionOut(BaseModel):
    """One saved version of a playbook: its content, who saved it and when."""

    version: int
    content: dict[str, Any]
    updated_by: str | None
    updated_at: datetime


class GuidanceSituation(BaseModel):
    """What the guidance was chosen for: the interaction's stakes, reason and cube cell."""

    stakes: list[str]
    reason: str | None
    cube: str | None


class UtteranceNudges(BaseModel):
    """The coaching for one thing the agent said."""

    event_id: str
    occurred_at: datetime
    agent_id: str | None
    nudges: list[Nudge]


class GuidanceOut(BaseModel):
    """Everything the desktop shows to guide the agent on one interaction, in one answer."""

    interaction_id: str
    situation: GuidanceSituation
    playbook: PlaybookOut | None
    key_messages: list[KeyMessageOut]
    nudges: list[UtteranceNudges]
    nudge_counts: dict[NudgeKind, int]
