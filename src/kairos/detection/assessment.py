"""The assessment contract: what the detector says about an interaction, with its evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Level = Literal["low", "high"]

CueKind = Literal[
    "emotion", "urgency", "stakes", "churn", "complexity", "agent", "journey", "voice", "model"
]

STAKES: tuple[str, ...] = (
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
)

#: An axis reads "high" on the cube at or above this value.
HIGH = 0.5


class Cue(BaseModel):
    """One piece of evidence: a phrase span, a deadline, a voice feature or a journey fact."""

    model_config = ConfigDict(frozen=True)

    kind: CueKind
    label: str
    weight: float
    text: str | None = None
    start: int | None = None
    end: int | None = None
    event_id: str | None = None
    feature: str | None = None
    value: float | None = None


class Journey(BaseModel):
    """What the caller knows of the customer's history; the detector never queries for it."""

    model_config = ConfigDict(frozen=True)

    repeat_contact: bool = False
    prior_contacts_same_issue: int = Field(default=0, ge=0)
    prior_failed_moments: int = Field(default=0, ge=0)
    customer_value: float | None = Field(default=None, ge=0.0, le=1.0)
    tenure_years: float | None = Field(default=None, ge=0.0)


def cube_cell(emotion: float, urgency: float, complexity: float) -> str:
    """The cube cell name for three axis values.

    e.g. ``emotion:high urgency:high complexity:low``.
    """

    def level(x: float) -> Level:
        return "high" if x >= HIGH else "low"

    return f"emotion:{level(emotion)} urgency:{level(urgency)} complexity:{level(complexity)}"


class Assessment(BaseModel):
    """The detector's current view of an interaction (DESIGN.md, "Contracts")."""

    interaction_id: str | None = None
    emotion: float = Field(ge=0.0, le=1.0)
    urgency: float = Field(ge=0.0, le=1.0)
    complexity: float = Field(ge=0.0, le=1.0)
    churn_risk: float = Field(ge=0.0, le=1.0)
    stakes: list[str] = []
    deadline: AwareDatetime | None = None
    minutes_to_deadline: float | None = None
    cube: str
    mot_score: float = Field(ge=0.0, le=1.0)
    confidence: float = Field(ge=0.0, le=1.0)
    reasons: list[Cue] = []
    model_version: str = "cues-only"
    as_of: datetime | None = None
    utterances: int = 0
    #: The customer's voice stress in [0, 1]; None when no audio was analysed.
    stress: float | None = Field(default=None, ge=0.0, le=1.0)
    #: The customer's language (ISO 639-1, e.g. "en", "es"); None before any customer text.
    language: str | None = None
    #: The fused score's log odds before the centre's prior (``KAIROS_MOT_BASE_RATE``):
    #: ``mot_score = sigmoid(mot_logit + log(rate / (1 - rate)))``. None where the semantic tier
    #: did not read the contact (the prior plays no part there).
    mot_logit: float | None = None
