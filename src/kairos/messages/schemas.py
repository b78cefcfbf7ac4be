"""API models for key messages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, get_args

import phonenumbers
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from kairos.db import utcnow
from kairos.limits import Moment
from kairos.redaction.inbound import Inbound

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[str, ...] = get_args(Severity)


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _region(value: str) -> str:
    code = value.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{value!r} is not an ISO 3166 country code such as 'GB' or 'US'")
    return code


def _in_future(value: datetime) -> datetime:
    if value <= utcnow():
        raise ValueError("expires_at must be in the future")
    return value


Target = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=200)
]
Region = Annotated[str, AfterValidator(_region)]


class KeyMessageIn(Inbound):
    """A new key message: what is wrong, why, when it will be fixed, and whom it concerns.

    An empty target list means every interaction on that dimension: no queues, reasons or
    regions is a message for everyone.
    """

    model_config = ConfigDict(extra="forbid")
    verbatim = frozenset({"severity", "queues", "regions"})

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    cause: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    expected_fix: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None
    ) = None
    severity: Severity = "info"
    queues: Annotated[list[Target], Field(max_length=100), AfterValidator(_dedupe)] = []
    reasons: Annotated[list[Reason], Field(max_length=100), AfterValidator(_dedupe)] = []
    regions: Annotated[list[Region], Field(max_length=300), AfterValidator(_dedupe)] = []
    expires_at: Annotated[Moment, AfterValidator(_in_future)]


class KeyMessageOut(BaseModel):
    """A key message as stored, and whether it is active now."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    body: str
    cause: str | None
    expected_fix: str | None
    severity: str
    queues: list[str]
    reasons: list[str]
    regions: list[str]
    expires_at: datetime
    expired_at: datetime | None
    expired_by: str | None
    created_by: str | None
    created_at: datetime
    active: bool = False


class KeyMessageList(BaseModel):
    """Key messages, newest first, and how many match in all."""

    total: int
    items: list[KeyMessageOut]
