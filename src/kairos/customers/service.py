"""Customers: identity resolution and facts. The only place that writes these tables."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session, joinedload

from kairos.bus import EventBus
from kairos.bus.messages import CustomerMerged
from kairos.config import get_settings
from kairos.customers import consent, erased
from kairos.customers.identity import canonical, names_nobody
from kairos.customers.models import (
    Customer,
    CustomerIdentity,
    CustomerMerge,
    Fact,
    IdentityConflict,
)
from kairos.db import Database, rowcount, utcnow
from kairos.errors import ClientError, NotFound
from kairos.events import Identity

log = logging.getLogger(__name__)


def _region(region: str | None) -> str:
    return region or get_settings().default_phone_region


def normalise_identity(identity: Identity, *, region: str | None = None) -> tuple[str, str]:
    """The canonical (kind, value) of an identity, so one customer matches across channels."""
    return canonical(identity, region=_region(region)).key


def get(*, session: Session, customer_id: int) -> Customer | None:
    """A customer by id."""
    return session.get(Customer, customer_id)


def get_by_identity(
    *, session: Session, identity: Identity, region: str | None = None
) -> Customer | None:
    """The customer who owns ``identity``, if any."""
    kind, value = normalise_identity(identity, region=region)
    row = session.scalar(
        select(CustomerIdentity).where(
            CustomerIdentity.kind == kind, CustomerIdentity.value == value
        )
    )
    return row.customer if row else None


def resolve(
    *,
    session: Session,
    identities: list[Identity],
    region: str | None = None,
    interaction_id: str | None = None,
    customer_id: int | None = None,
) -> Customer | None:
    """The customer these identities belong to, created if new; new identities are attached.

    When the identities point at two different customers, nothing is merged: the contact goes to
    the customer of the first identity that is known, and an :class:`IdentityConflict` is
    recorded for review (merging is an explicit action, :func:`merge`). ``customer_id`` names the
    customer the contact is known to belong to (a call escalated from their chat): it comes first.
    """
    preferred = session.get(Customer, customer_id) if customer_id is not None else None
    # Joined on a withheld caller ID or an "n/a", every such contact would be one customer.
    identities = [i for i in identities if not names_nobody(i, region=_region(region))]
    if not identities:
        return preferred
    wanted = list(
        {c.key: c for c in (canonical(i, region=_region(region)) for i in identities)}.values()
    )
    # One round trip: the owners come with their identities, whose list is loaded only if a
    # new identity is attached to it.
    rows = session.scalars(
        select(CustomerIdentity)
        # OR of pairs, not a row-value IN: SQLite scans the whole table for the latter.
        .where(
            or_(
                *(
                    and_(CustomerIdentity.kind == c.kind, CustomerIdentity.value == c.value)
                    for c in wanted
                )
            )
        )
        .options(joinedload(CustomerIdentity.customer).lazyload(Customer.identities))
    ).all()
    known = {(r.kind, r.value): r for r in rows}
    owners = list(dict.fromkeys(known[c.key].customer for c in wanted if c.key in known))
    if preferred is not None:
        owners = [preferred, *(o for o in owners if o is not preferred)]
    customer = owners[0] if owners else Customer()
    if not owners:
        session.add(customer)
    new = [c for c in wanted if c.key not in known]
    for c in new:
        customer.identities.append(CustomerIdentity(kind=c.kind, value=c.value, valid=c.valid))
    session.flush()
    erased.carry_opt_out(session, customer=customer, keys=[c.key for c in new])
    for other in owners[1:]:
        _record_conflict(session, customer, other, list(known.values()), interaction_id)
    return customer


def holds(
    *,
    session: Session,
    identities: list[Identity],
    customer_id: int | None,
    region: str | None = None,
) -> bool:
    """Whether ``identities`` tell nothing new: each names nobody or is the customer's already."""
    region = _region(region)
    keys = {
        canonical(i, region=region).key for i in identities if not names_nobody(i, region=region)
    }
    if not keys:
        return True
    if customer_id is None:
        return False
    rows = session.execute(
        select(CustomerIdentity.kind, CustomerIdentity.value).where(
            CustomerIdentity.customer_id == customer_id
        )
    )
    return keys <= {(kind, value) for kind, value in rows}


def _record_conflict(
    session: Session,
    customer: Customer,
    other: Customer,
    rows: list[CustomerIdentity],
    interaction_id: str | None,
) -> None:
    pair = (customer.id, other.id)
    already = session.scalar(
        select(IdentityConflict.id).where(
            IdentityConflict.status == "open",
            or_(
                and_(
                    IdentityConflict.customer_id == pair[0],
                    IdentityConflict.other_customer_id == pair[1],
                ),
                and_(
                    IdentityConflict.customer_id == pair[1],
                    IdentityConflict.other_customer_id == pair[0],
                ),
            ),
        )
    )
    if already is not None:
        return
    log.warning("identities of customers %d and %d met in one contact", *pair)
    session.add(
        IdentityConflict(
            customer_id=customer.id,
            other_customer_id=other.id,
            identities=[
                {"kind": r.kind, "value": r.value, "customer_id": r.customer_id}
                for r in rows
                if r.customer_id in pair
            ],
            interaction_id=interaction_id,
            status="open",
        )
    )


def conflicts(*, session: Session, status: str | None = "open") -> list[IdentityConflict]:
    """Identity conflicts awaiting review (or all of them with ``status=None``), newest first."""
    query = select(IdentityConflict).order_by(IdentityConflict.id.desc())
    if status is not None:
        query = query.where(IdentityConflict.status == status)
    return list(session.scalars(query))


def _merge(
    session: Session,
    customer_id: int,
    from_customer_id: int,
    merged_by: str | None,
    reassign: Reassign,
) -> CustomerMerge:
    if customer_id == from_customer_id:
        raise ClientError(f"customer {customer_id} cannot be merged into itself")
    target = session.get(Customer, customer_id, with_for_update=True)
    source = session.get(Customer, from_customer_id, with_for_update=True)
    for wanted, found in ((customer_id, target), (from_customer_id, source)):
        if found is None:
            raise NotFound(f"no customer {wanted}")
    assert target is not None and source is not None
    moved_identities = len(source.identities)
    for identity in list(source.identities):
        identity.customer = target
    session.flush()
    moved_interactions = reassign(session, source.id, target.id)
    moved_facts = rowcount(
        session, update(Fact).where(Fact.customer_id == source.id).values(customer_id=target.id)
    )
    now = utcnow()
    pair = (target.id, source.id)
    session.execute(
        update(IdentityConflict)
        .where(
            IdentityConflict.status == "open",
            IdentityConflict.customer_id.in_(pair),
            IdentityConflict.other_customer_id.in_(pair),
        )
        .values(status="merged", resolved_at=now, resolved_by=merged_by)
    )
    # Conflicts with third customers now concern the customer that remains.
    for column in (IdentityConflict.customer_id, IdentityConflict.other_customer_id):
        session.execute(
            update(IdentityConflict)
            .where(IdentityConflict.status == "open", column == source.id)
            .values({column.key: target.id})
        )
    target.display_name = target.display_name or source.display_name
    if source.value is not None:
        target.value = max(source.value, target.value or 0.0)
    target.created_at = min(target.created_at, source.created_at)
    consent.merge(session, customer_id=target.id, from_customer_id=source.id, actor=merged_by)
    session.flush()
    session.delete(source)
    record = CustomerMerge(
        customer_id=target.id,
        from_customer_id=from_customer_id,
        merged_by=merged_by,
        merged_at=now,
        moved={
            "identities": moved_identities,
            "interactions": moved_interactions,
            "facts": moved_facts,
        },
    )
    session.add(record)
    session.flush()
    return record


#: Moves another domain's rows from one customer to another; how many it moved.
Reassign = Callable[[Session, int, int], int]


def merge(
    *,
    db: Database,
    bus: EventBus,
    customer_id: int,
    from_customer_id: int,
    merged_by: str | None = None,
    reassign: Reassign,
) -> CustomerMerge:
    """Move every identity, interaction and fact of one customer to another, in one transaction.

    ``reassign(session, from_id, to_id)`` moves the other domains' rows (interactions' service
    owns its table) and says how many it moved.

    The merged customer is removed, open conflicts between the two are closed, and the merge is
    recorded; ``customer.merged`` is published on the ``customers`` topic once committed.
    """
    with db.write_lock(), db.session() as session:
        record = _merge(session, customer_id, from_customer_id, merged_by, reassign)
        session.commit()
    bus.send(
        CustomerMerged(
            customer_id=record.customer_id,
            from_customer_id=record.from_customer_id,
            merged_by=record.merged_by,
            merged_at=record.merged_at,
            moved=record.moved,
        )
    )
    return record


def get_all(
    *,
    session: Session,
    identity: Identity | None = None,
    limit: int = 50,
    offset: int = 0,
    where: ColumnElement[bool] | None = None,
) -> tuple[int, list[Customer]]:
    """Customers, newest first, optionally only the owner of one identity.

    ``where``: a further condition (an agent's scope: customers of their interactions).
    """
    from sqlalchemy import func

    query = select(Customer) if where is None else select(Customer).where(where)
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


def facts_of_interaction(*, session: Session, interaction_id: int) -> list[Fact]:
    """The facts given in one interaction (an anonymous contact has no customer's facts)."""
    return list(
        session.scalars(select(Fact).where(Fact.interaction_id == interaction_id).order_by(Fact.id))
    )
