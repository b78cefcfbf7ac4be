"""What outlives a customer's erasure: keyed hashes of their identities, with their opt-out.

An erased customer's phone number or address may come back (they call again). It then makes a
new customer, linked to nothing that was erased; but if the erased customer had said "never
contact me" (all proactive contact off, or some channels off), the new customer starts with that
preference, recorded in the consent ledger as carried over. The hash is an HMAC under the
install's identity key (``KAIROS_SECRET_KEY``): without the key a stored hash cannot be tested
against a guessed phone number.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.customers import consent
from kairos.customers.models import Customer, ErasedIdentity
from kairos.redaction.inbound import keyed_digest


def identity_hash(kind: str, value: str) -> str:
    """The keyed hash of one canonical identity (kind and value as stored)."""
    return keyed_digest("erased-identity", f"{kind}:{value}")


def remember(
    session: Session, *, erasure_id: int, customer: Customer, pref: consent.Preference
) -> int:
    """In the erasure's transaction: keep a hash of each of ``customer``'s identities."""
    for identity in customer.identities:
        session.add(
            ErasedIdentity(
                erasure_id=erasure_id,
                identity_hash=identity_hash(identity.kind, identity.value),
                proactive=pref.proactive,
                channels_off=sorted(pref.channels_off),
            )
        )
    return len(customer.identities)


def carry_opt_out(session: Session, *, customer: Customer, keys: list[tuple[str, str]]) -> None:
    """In resolve's transaction: new identities ``keys`` of ``customer`` that belonged to an
    erased customer who opted out bring the opt-out along (the stricter preference is kept)."""
    if not keys:
        return
    hashes = [identity_hash(kind, value) for kind, value in keys]
    rows = session.scalars(select(ErasedIdentity).where(ErasedIdentity.identity_hash.in_(hashes)))
    carried = consent.Preference()
    for row in rows:
        carried = carried.stricter(
            consent.Preference(proactive=row.proactive, channels_off=frozenset(row.channels_off))
        )
    if carried == consent.Preference():
        return
    consent.carry_over(session, customer_id=customer.id, pref=carried)
