"""Tables: customers, their identities and the facts they already gave."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kairos.db import AwareDateTime, Base, utcnow


class Customer(Base):
    """A person, known on one or more channels."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[float | None] = mapped_column(doc="customer value in [0, 1]")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    identities: Mapped[list[CustomerIdentity]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", lazy="selectin"
    )


class CustomerIdentity(Base):
    """One way to recognise a customer: phone, email, account, social handle."""

    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_identity_kind_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(320))
    valid: Mapped[bool] = mapped_column(
        default=True, server_default=true(), doc="false: a phone number that does not parse"
    )
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="identities")


class Fact(Base):
    """Something the customer already told us, with its source: never asked again."""

    __tablename__ = "facts"
    __table_args__ = (Index("ix_facts_customer_name", "customer_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(50), doc="ivr, chat, email, agent, ...")
    channel: Mapped[str] = mapped_column(String(20))
    verified: Mapped[bool] = mapped_column(default=False)
    redacted: Mapped[bool] = mapped_column(default=False)
    event_id: Mapped[str] = mapped_column(String(200))
    observed_at: Mapped[datetime] = mapped_column(AwareDateTime())


class IdentityConflict(Base):
    """Identities in one contact that belong to two different customers: a merge to review.

    Customer ids are plain integers, not foreign keys, so the record outlives a merge.
    """

    __tablename__ = "identity_conflicts"
    __table_args__ = (Index("ix_identity_conflicts_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(doc="the customer the contact was attached to")
    other_customer_id: Mapped[int] = mapped_column(doc="the customer also named by the contact")
    identities: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    interaction_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open", doc="open or merged")
    detected_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(200))


class CustomerMerge(Base):
    """One explicit merge of two customers: who, when, and what moved (the audit trail)."""

    __tablename__ = "customer_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(index=True, doc="the customer that remains")
    from_customer_id: Mapped[int] = mapped_column(doc="the customer merged in and removed")
    merged_by: Mapped[str | None] = mapped_column(String(200))
    moved: Mapped[dict[str, Any]] = mapped_column(JSON, doc="identities, interactions, facts")
    merged_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class ContactPreference(Base):
    """What proactive contact a customer agreed to: none at all, or none on some channels.

    A customer without a row has said nothing: proactive contact is allowed. Replies to a contact
    the customer started are not proactive and are never held back by it.
    """

    __tablename__ = "contact_preferences"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    proactive: Mapped[bool] = mapped_column(doc="false: no proactive contact on any channel")
    channels_off: Mapped[list[str]] = mapped_column(
        JSON, doc="channels on which the customer is never contacted proactively"
    )
    source: Mapped[str] = mapped_column(String(30), doc="api, desktop, sms keyword, merge")
    updated_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())


class ConsentEntry(Base):
    """The consent ledger: each change of a customer's contact preference, and each proactive
    contact held back by it. Customer ids are plain integers, so the record outlives a merge."""

    __tablename__ = "consent_log"
    __table_args__ = (Index("ix_consent_log_customer_at", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(20), doc="set, merged, carried or suppressed")
    proactive: Mapped[bool] = mapped_column(doc="the preference after this entry")
    channels_off: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(AwareDateTime())


class Erasure(Base):
    """A customer erased on request (the right to erasure): when, by whom, and what went.

    Holds no personal data: the customer's number (which now names nobody), the rows removed or
    scrubbed per table, and the case reference the data-protection officer gave, if any.
    """

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(unique=True, doc="the erased customer's number")
    reference: Mapped[str | None] = mapped_column(String(100), doc="the request's case reference")
    erased_by: Mapped[str] = mapped_column(String(200))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, doc="table -> rows deleted or scrubbed")
    stream_entries: Mapped[int | None] = mapped_column(
        doc="bus stream entries that named them, deleted or narrowed after the commit (None: no"
        " Redis, or not reached)"
    )
    erased_at: Mapped[datetime] = mapped_column(AwareDateTime())


class ErasedIdentity(Base):
    """A keyed hash of one identity of an erased customer, with the contact preference they had.

    The identity itself is gone; its hash lets a returning phone number or address be known as
    one whose owner said "never contact me", without linking it to anything that was erased.
    """

    __tablename__ = "erased_identities"
    __table_args__ = (Index("ix_erased_identities_hash", "identity_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    erasure_id: Mapped[int] = mapped_column(ForeignKey("erasures.id", ondelete="CASCADE"))
    identity_hash: Mapped[str] = mapped_column(String(64), doc="HMAC-SHA256 of kind and value")
    proactive: Mapped[bool] = mapped_column(doc="false: no proactive contact on any channel")
    channels_off: Mapped[list[str]] = mapped_column(JSON)
