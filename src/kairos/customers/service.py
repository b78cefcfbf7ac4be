"""Customers: identity resolution and facts. The only place that writes these tables."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from kairos.customers.models import Customer, CustomerIdentity, Fact
from kairos.detection.assessment import Journey
from kairos.events import Identity, IvrInput
from kairos.interactions.models import Interaction

# Values the customer keyed that must never be stored in clear (PCI DSS forbids storing CVV and
# PIN at all, and card numbers in clear).
_SECRET_NAMES = re.compile(
    r"card|pan\b|cvv|cvc|pin\b|ssn|social_security|national_id|password", re.I
)


def normalise_identity(identity: Identity) -> tuple[str, str]:
    """The canonical (kind, value) of an identity, so one customer matches across channels."""
    value = identity.value.strip()
    if identity.kind == "email":
        value = value.lower()
    elif identity.kind == "phone":
        digits = re.sub(r"[^\d+]", "", value)
        value = digits if digits.startswith("+") else "+" + digits.lstrip("0")
    elif identity.kind == "social":
        value = value.lower().lstrip("@")
    return identity.kind, value


def get(*, session: Session, customer_id: int) -> Customer | None:
    """A customer by id."""
    return session.get(Customer, customer_id)


def get_by_identity(*, session: Session, identity: Identity) -> Customer | None:
    """The customer who owns ``identity``, if any."""
    kind, value = normalise_identity(identity)
    row = session.scalar(
        select(CustomerIdentity).where(
            CustomerIdentity.kind == kind, CustomerIdentity.value == value
        )
    )
    return row.customer if row else None


def resolve(*, session: Session, identities: list[Identity]) -> Customer | None:
    """The customer these identities belong to, created if new; new identities are attached.

    When the identities point at two different customers, the first one found wins and the
    others are left untouched (merging is an explicit, reviewed action).
    """
    if not identities:
        return None
    keys = [normalise_identity(i) for i in identities]
    rows = session.scalars(
        select(CustomerIdentity).where(
            tuple_(CustomerIdentity.kind, CustomerIdentity.value).in_(keys)
        )
    ).all()
    known = {(r.kind, r.value): r for r in rows}
    customer = next((known[k].customer for k in keys if k in known), None)
    if customer is None:
        customer = Customer()
        session.add(customer)
    for kind, value in dict.fromkeys(keys):
        if (kind, value) not in known:
            customer.identities.append(CustomerIdentity(kind=kind, value=value))
    session.flush()
    return customer


def redact(name: str, value: str) -> tuple[str, bool]:
    """The value to store for a fact named ``name``: secrets keep only their last four."""
    if _SECRET_NAMES.search(name):
        tail = re.sub(r"\s", "", value)[-4:]
        return ("•" * 4 + tail if len(value) > 4 else "••••"), True
    return value, False


def record_ivr_fact(
    *, session: Session, interaction: Interaction, event: IvrInput, source: str = "ivr"
) -> Fact:
    """Store what the caller keyed in the IVR as a fact of the customer."""
    value, redacted = redact(event.name, event.value)
    fact = Fact(
        customer_id=interaction.customer_id,
        interaction_id=interaction.id,
        name=event.name,
        value=value,
        source=source,
        channel=interaction.channel,
        verified=event.verified,
        redacted=redacted,
        event_id=event.event_id,
        observed_at=event.occurred_at,
    )
    session.add(fact)
    return fact


def journey_inputs(
    *, session: Session, interaction: Interaction, window: timedelta = timedelta(days=7)
) -> Journey:
    """What the detector should know of this customer's recent history."""
    if interaction.customer_id is None:
        return Journey()
    since: datetime = interaction.started_at - window
    query = select(Interaction).where(
        Interaction.customer_id == interaction.customer_id,
        Interaction.id != interaction.id,
        Interaction.started_at >= since,
        Interaction.started_at <= interaction.started_at,
    )
    prior = session.scalars(query).all()
    same_issue = [
        p for p in prior if interaction.reason is None or p.reason in (None, interaction.reason)
    ]
    failed = [
        p
        for p in prior
        if (p.mot_score or 0.0) >= 0.5 and not (p.outcome or {}).get("resolved", False)
    ]
    customer = session.get(Customer, interaction.customer_id)
    return Journey(
        repeat_contact=bool(same_issue),
        prior_contacts_same_issue=len(same_issue),
        prior_failed_moments=len(failed),
        customer_value=customer.value if customer else None,
    )


def get_all(
    *, session: Session, identity: Identity | None = None, limit: int = 50, offset: int = 0
) -> tuple[int, list[Customer]]:
    """Customers, newest first, optionally only the owner of one identity."""
    from sqlalchemy import func

    query = select(Customer)
    if identity is not None:
        kind, value = normalise_identity(identity)
        query = query.join(CustomerIdentity).where(
            CustomerIdentity.kind == kind, CustomerIdentity.value == value
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Customer.id.desc()).limit(limit).offset(offset)).all()
    return total, list(rows)


def facts(*, session: Session, customer_id: int) -> list[Fact]:
    """Everything this customer already told us, oldest first."""
    return list(
        session.scalars(
            select(Fact).where(Fact.customer_id == customer_id).order_by(Fact.observed_at, Fact.id)
        )
    )


def journey(*, session: Session, customer_id: int) -> list[Interaction]:
    """The customer's interactions across channels, oldest first."""
    return list(
        session.scalars(
            select(Interaction)
            .where(Interaction.customer_id == customer_id)
            .order_by(Interaction.started_at, Interaction.id)
        )
    )


def interaction_counts(*, session: Session, customer_ids: list[int]) -> dict[int, int]:
    """How many interactions each customer has had."""
    from sqlalchemy import func

    if not customer_ids:
        return {}
    rows = session.execute(
        select(Interaction.customer_id, func.count())
        .where(Interaction.customer_id.in_(customer_ids))
        .group_by(Interaction.customer_id)
    ).all()
    return {int(cid): int(n) for cid, n in rows if cid is not None}
