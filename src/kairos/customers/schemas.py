"""API models for customers and their journey."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kairos.limits import RowId
from kairos.redaction.inbound import Inbound


class IdentityOut(BaseModel):
    """One identity of a customer."""

    model_config = ConfigDict(from_attributes=True)

    kind: str
    value: str
    valid: bool = True


class CustomerSummary(BaseModel):
    """A customer in a list."""

    id: int
    display_name: str | None
    value: float | None
    created_at: datetime
    identities: list[IdentityOut]
    interaction_count: int


class CustomerList(BaseModel):
    """A page of customers."""

    total: int
    items: list[CustomerSummary]


class FactOut(BaseModel):
    """A fact the customer gave, with its source."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    value: str
    source: str
    channel: str
    verified: bool
    redacted: bool
    event_id: str
    observed_at: datetime


class ConflictOut(BaseModel):
    """Identities in one contact that belong to two customers, awaiting an explicit merge."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    other_customer_id: int
    identities: list[dict[str, Any]]
    interaction_id: str | None
    status: str
    detected_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None


class ConflictList(BaseModel):
    """Identity conflicts, newest first."""

    total: int
    items: list[ConflictOut]


class MergeRequest(Inbound):
    """Merge ``from_customer_id`` into the customer named in the path."""

    model_config = ConfigDict(extra="forbid")

    from_customer_id: RowId
    merged_by: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class MergeOut(BaseModel):
    """A recorded merge: who, when, and how much moved."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    from_customer_id: int
    merged_by: str | None
    merged_at: datetime
    moved: dict[str, int]


ContactChannel = Literal["call", "chat", "email", "sms", "social"]


class ContactPreferenceIn(Inbound):
    """A change of what proactive contact the customer agrees to; a field left out is kept."""

    model_config = ConfigDict(extra="forbid")
    verbatim = frozenset({"channels_off"})

    proactive: bool | None = Field(
        default=None, description="false: no proactive contact on any channel"
    )
    channels_off: list[ContactChannel] | None = Field(
        default=None, max_length=5, description="channels never used for proactive contact"
    )
    updated_by: str | None = Field(default=None, max_length=200)


class ConsentEntryOut(BaseModel):
    """One entry of the consent ledger: a change, a merge, or a contact held back."""

    model_config = ConfigDict(from_attributes=True)

    action: str
    proactive: bool
    channels_off: list[str]
    source: str
    actor: str | None
    detail: str | None
    at: datetime


class ContactPreferenceOut(BaseModel):
    """What proactive contact a customer agrees to, and the ledger of how it came to be."""

    customer_id: int
    proactive: bool
    channels_off: list[str]
    source: str | None
    updated_by: str | None
    updated_at: datetime | None
    history: list[ConsentEntryOut]
