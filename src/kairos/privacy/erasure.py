"""A customer's erasure on request (GDPR Art. 17), in one transaction.

``erase`` deletes or scrubs everything personal about one customer and their contacts, keeps an
:class:`~kairos.customers.models.Erasure` record and a keyed hash of each identity with the
opt-out it carried (``customers.erased``), and scrubs the customer's number and their contacts'
ids out of the audit log's paths. On SQLite and PostgreSQL alike, a failure anywhere rolls all of
it back. What it keeps and why is in ``docs/security.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kairos.customers import consent
from kairos.customers import erased as erased_identities
from kairos.customers.models import (
    ConsentEntry,
    ContactPreference,
    Customer,
    CustomerIdentity,
    CustomerMerge,
    Erasure,
    IdentityConflict,
)
from kairos.db import Database, riders_written, take_riders, utcnow
from kairos.errors import Conflict, NotFound
from kairos.interactions.models import Interaction
from kairos.privacy import contact_rows
from kairos.privacy.schemas import ErasureReceipt
from kairos.security import audit
from kairos.security.models import AuditEntry

#: What an erased id becomes in the audit log's paths.
ERASED = "erased"


class AlreadyErased(Conflict):
    """The customer was erased before: nothing is left to erase."""

    code = "already_erased"


class ContactInProgress(Conflict):
    """The customer is on a contact now: erase once it has ended."""

    code = "contact_in_progress"


@dataclass(frozen=True, slots=True)
class Erased:
    """An erasure as committed, with what is needed after the commit (the bus streams)."""

    receipt: ErasureReceipt
    external_ids: list[str]


def _missing(session: Session, customer_id: int) -> Conflict | NotFound:
    done = session.scalar(select(Erasure).where(Erasure.customer_id == customer_id))
    if done is not None:
        return AlreadyErased(
            f"customer {customer_id} was erased at {done.erased_at.isoformat()} "
            f"(erasure {done.id}): nothing is left to erase"
        )
    return NotFound(f"no customer {customer_id}")


def erase(
    *, db: Database, customer_id: int, erased_by: str, reference: str | None = None,
    record_audit: bool = False,
) -> Erased:  # fmt: skip
    """Erase customer ``customer_id`` and their contacts in one transaction; the receipt.

    404 (:class:`NotFound`) for a customer never known, 409 (:class:`AlreadyErased`) for one
    erased before, 409 (:class:`ContactInProgress`) while one of their contacts is open.
    ``record_audit``: write the erasure's own audit row in the transaction (the command line;
    through the API the security middleware writes it).
    """
    try:
        return _erase(db, customer_id, erased_by, reference, record_audit)
    except IntegrityError:
        # Two processes erasing one customer at once (SQLite's writer lock is per process): the
        # loser's erasure record meets the winner's. Answer as if it had come second.
        with db.session() as session:
            missing = _missing(session, customer_id)
        if isinstance(missing, AlreadyErased):
            raise missing from None
        raise


def _erase(
    db: Database, customer_id: int, erased_by: str, reference: str | None, record_audit: bool
) -> Erased:
    with db.write_lock(), db.session() as session:
        customer = session.get(Customer, customer_id, with_for_update=True)
        if customer is None:
            raise _missing(session, customer_id)
        contacts = session.execute(
            select(Interaction.id, Interaction.external_id, Interaction.state)
            .where(Interaction.customer_id == customer_id)
            .with_for_update()
        ).all()
        open_ids = [ext for _, ext, state in contacts if state != "ended"]
        if open_ids:
            raise ContactInProgress(
                f"customer {customer_id} has {len(open_ids)} contact(s) in progress "
                f"({', '.join(open_ids[:5])}): erase once they have ended"
            )
        ids, external_ids = [c.id for c in contacts], [c.external_id for c in contacts]
        now = utcnow()
        record = Erasure(customer_id=customer_id, reference=reference, erased_by=erased_by[:200],
                         counts={}, erased_at=now)  # fmt: skip
        session.add(record)
        session.flush()
        kept = erased_identities.remember(
            session,
            erasure_id=record.id,
            customer=customer,
            pref=consent.read(session, customer_id),
        )
        counts = contact_rows.delete_contacts(
            session, customer_id=customer_id, ids=ids, external_ids=external_ids
        )
        counts |= _delete_customer(session, customer_id)
        counts["interactions"] = contact_rows.scrub_interactions(
            session, erasure_id=record.id, ids=ids
        )
        counts["audit_log"] = _scrub_audit(session, customer_id, external_ids)
        record.counts = counts
        # The erasure's own audit row (with the customer's number, after the scrub) commits with
        # it: the request's rider through the API, a row of its own from the command line.
        riders = take_riders(session.connection())
        if record_audit:
            session.execute(audit.INSERT, [_audit_row(erased_by, customer_id, now)])
        session.commit()
    riders_written(riders)
    receipt = ErasureReceipt(
        customer_id=customer_id, erasure_id=record.id, reference=reference, erased_by=erased_by,
        erased_at=now, counts=counts, identities_kept_as_hashes=kept, stream_entries=None,
    )  # fmt: skip
    return Erased(receipt=receipt, external_ids=external_ids)


def _delete_customer(session: Session, customer_id: int) -> dict[str, int]:
    """Delete the customer's own rows: identities, preference, ledger, conflicts, merges."""
    statements: list[tuple[str, Any]] = [
        ("identity_conflicts", delete(IdentityConflict).where(
            or_(IdentityConflict.customer_id == customer_id,
                IdentityConflict.other_customer_id == customer_id))),
        ("customer_merges", delete(CustomerMerge).where(
            or_(CustomerMerge.customer_id == customer_id,
                CustomerMerge.from_customer_id == customer_id))),
        ("consent_log", delete(ConsentEntry).where(ConsentEntry.customer_id == customer_id)),
        ("contact_preferences", delete(ContactPreference).where(
            ContactPreference.customer_id == customer_id)),
        ("customer_identities", delete(CustomerIdentity).where(
            CustomerIdentity.customer_id == customer_id)),
        ("customers", delete(Customer).where(Customer.id == customer_id)),
    ]  # fmt: skip
    counts = {table: contact_rows.deleted(session, statement) for table, statement in statements}
    return counts


def _scrub_audit(session: Session, customer_id: int, external_ids: list[str]) -> int:
    """Replace the customer's number and their contacts' ids in stored audit paths; rows."""
    wanted = [("customer", str(customer_id)), *(("interaction", e) for e in external_ids)]
    scrubbed = 0
    for kind, resource_id in wanted:
        pattern = re.compile(rf"/{re.escape(resource_id)}(?=/|$)")
        rows = session.execute(
            select(AuditEntry.id, AuditEntry.path).where(
                AuditEntry.resource_kind == kind, AuditEntry.resource_id == resource_id
            )
        ).all()
        for row_id, path in rows:
            session.execute(
                update(AuditEntry)
                .where(AuditEntry.id == row_id)
                .values(path=pattern.sub(f"/{ERASED}", path), resource_id=ERASED)
            )
        scrubbed += len(rows)
    return scrubbed


def _audit_row(actor: str, customer_id: int, at: Any) -> dict[str, Any]:
    row = audit.entry(actor=actor, actor_kind="cli", action="change", method="CLI",
                      path=f"/v1/customers/{customer_id}/erasure", status=200, client=None,
                      at=at)  # fmt: skip
    return row


def record_stream_entries(*, db: Database, erasure_id: int, deleted: int) -> None:
    """After the bus pass: how many stream entries went (kept on the erasure's record)."""
    with db.write_lock(), db.session() as session:
        session.execute(
            update(Erasure).where(Erasure.id == erasure_id).values(stream_entries=deleted)
        )
        session.commit()
