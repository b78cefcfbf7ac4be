"""API models for customers and their journey."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from kairos.interactions.schemas import FactOut, InteractionSummary


class IdentityOut(BaseModel):
    """One identity of a customer."""

    model_config = ConfigDict(from_attributes=True)

    kind: str
    value: str


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


class CustomerDetail(CustomerSummary):
    """A customer with every fact they gave and their journey across channels."""

    facts: list[FactOut]
    journey: list[InteractionSummary]
