"""API schemas: people's verdicts on the moment-of-truth flag, and the calibration they feed."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kairos.redaction.inbound import Inbound

Verdict = Literal["moment", "not_moment"]
#: What a verdict says of the flag: a confirmed flag, a false flag, a missed moment, or a
#: contact rightly left unflagged.
Reading = Literal["confirmed", "false_flag", "missed", "routine"]


class VerdictIn(Inbound):
    """A verdict: ``moment`` (on a flagged contact it confirms the flag, on an unflagged one it
    is a missed moment of truth) or ``not_moment`` (on a flagged contact: a false flag)."""

    model_config = ConfigDict(extra="forbid")
    verbatim = frozenset({"verdict"})

    verdict: Verdict
    alert_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    note: str | None = Field(default=None, max_length=500)


class VerdictOut(BaseModel):
    """A stored verdict: who, when, on which contact, and the score it had then."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    interaction_id: str
    verdict: Verdict
    reading: Reading
    flagged: bool
    mot_score: float | None
    mot_logit: float | None
    alert_id: int | None
    given_by: str
    role: str
    note: str | None
    created_at: datetime


class VerdictList(BaseModel):
    """Verdicts, newest first."""

    total: int
    items: list[VerdictOut]


class Share(BaseModel):
    """A proportion with its 95% Wilson interval; None where nothing was counted."""

    hits: int
    of: int
    value: float | None
    low: float | None
    high: float | None


class RateOutcome(BaseModel):
    """What the flag would have done over the window at one base rate."""

    base_rate: float
    flagged: int
    flagged_share: float


class CalibrationOut(BaseModel):
    """The flag against people's verdicts and the reviews over a window, and the base rate
    (``KAIROS_MOT_BASE_RATE``) that would have made the flagged share match the truth."""

    since: datetime
    until: datetime
    contacts: int
    flagged: int
    #: Contacts whose flag moves with the base rate (their assessment kept ``mot_logit``).
    rescorable: int
    #: Contacts assessed before Kairos kept ``mot_logit`` (2026-12-06): kept at their stored
    #: flag, whatever the rate (the rate they were scored at was not stored).
    stored_before_logit: int
    verdicts: int
    reviewed_flags: int
    reviewed_unflagged: int
    precision: Share
    recall: Share
    estimated_moments: float | None
    target_share: float | None
    #: The rate the running process flags at (``KAIROS_MOT_BASE_RATE`` when it started).
    current_base_rate: float
    #: A rate applied since (written to ``.env``) that takes effect when the server and workers
    #: restart; None when ``.env`` sets the running rate, or the environment overrides it.
    applied_base_rate: float | None = None
    current: RateOutcome
    recommended: RateOutcome | None
    needed: int
    refused: str | None
