"""A customer's contact preference and the consent ledger.

The only place that writes ``contact_preferences`` and ``consent_log``. A customer may turn all
proactive contact off (follow-ups, check-ins, service notices, "you said, we did") or only on some
channels; an agent sets it from the desktop when the customer asks, a system through the API, and
a text of STOP (or its equivalents) turns SMS off by itself. Every change is a ledger entry with
who made it and how, and so is every proactive contact the preference held back. When two
customers are merged the one that remains keeps the stricter preference of the two.

A change is told on the bus (``customer.preference_changed``, once it committed): outreach, a
layer above, holds back the customer's queued calls the new preference no longer allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.bus import EventBus
from kairos.bus.messages import ContactPreferenceChanged
from kairos.customers.models import ConsentEntry, ContactPreference, Customer
from kairos.customers.schemas import ConsentEntryOut, ContactPreferenceIn, ContactPreferenceOut
from kairos.db import Database, utcnow
from kairos.errors import NotFound

#: How many ledger entries a preference is shown with, newest first.
HISTORY = 50


@dataclass(frozen=True, slots=True)
class Preference:
    """What proactive contact a customer agrees to (everything, when they never said)."""

    proactive: bool = True
    channels_off: frozenset[str] = frozenset()

    def blocks(self, channel: str | None) -> str | None:
        """Why proactive contact on ``channel`` (None: any channel) may not go; None when it may.

        >>> Preference(channels_off=frozenset({"sms"})).blocks("sms")
        'opted_out_sms'
        >>> Preference(channels_off=frozenset({"sms"})).blocks("call") is None
        True
        >>> Preference(proactive=False).blocks(None)
        'opted_out'
        """
        if not self.proactive:
            return "opted_out"
        if channel is not None and channel in self.channels_off:
            return f"opted_out_{channel}"
        return None

    def stricter(self, other: Preference) -> Preference:
        """The preference that allows only what both allow (a merge keeps it).

        >>> Preference(channels_off=frozenset({"sms"})).stricter(Preference(proactive=False))
        Preference(proactive=False, channels_off=frozenset({'sms'}))
        """
        return Preference(
            proactive=self.proactive and other.proactive,
            channels_off=self.channels_off | other.channels_off,
        )


def read(session: Session, customer_id: int) -> Preference:
    """The customer's preference (everything allowed when none is stored)."""
    row = session.get(ContactPreference, customer_id)
    if row is None:
        return Preference()
    return Preference(proactive=row.proactive, channels_off=frozenset(row.channels_off))


def blocked(session: Session, customer_id: int | None, channel: str | None) -> str | None:
    """Why proactive contact of this customer on ``channel`` may not go; None when it may."""
    return None if customer_id is None else read(session, customer_id).blocks(channel)


def _store(
    session: Session,
    customer_id: int,
    pref: Preference,
    *,
    action: str,
    source: str,
    actor: str | None,
    detail: str | None = None,
) -> None:
    now = utcnow()
    channels = sorted(pref.channels_off)
    row = session.get(ContactPreference, customer_id, with_for_update=True)
    if row is None:
        row = ContactPreference(customer_id=customer_id)
        session.add(row)
    row.proactive, row.channels_off = pref.proactive, channels
    row.source, row.updated_by, row.updated_at = source[:30], actor, now
    session.add(
        ConsentEntry(
            customer_id=customer_id,
            action=action,
            proactive=pref.proactive,
            channels_off=channels,
            source=source[:30],
            actor=actor,
            detail=detail[:500] if detail else None,
            at=now,
        )
    )


def get_or_raise(*, session: Session, customer_id: int) -> ContactPreferenceOut:
    """The customer's preference with its ledger, newest entry first."""
    if session.get(Customer, customer_id) is None:
        raise NotFound(f"no customer {customer_id}")
    row = session.get(ContactPreference, customer_id)
    history = session.scalars(
        select(ConsentEntry)
        .where(ConsentEntry.customer_id == customer_id)
        .order_by(ConsentEntry.at.desc(), ConsentEntry.id.desc())
        .limit(HISTORY)
    )
    pref = read(session, customer_id)
    return ContactPreferenceOut(
        customer_id=customer_id,
        proactive=pref.proactive,
        channels_off=sorted(pref.channels_off),
        source=row.source if row else None,
        updated_by=row.updated_by if row else None,
        updated_at=row.updated_at if row else None,
        history=[ConsentEntryOut.model_validate(e) for e in history],
    )


def _told(bus: EventBus, customer_id: int, pref: Preference, source: str) -> None:
    bus.send(
        ContactPreferenceChanged(
            customer_id=customer_id, proactive=pref.proactive,
            channels_off=sorted(pref.channels_off), source=source[:30],
        )
    )  # fmt: skip


def update(
    *, db: Database, bus: EventBus, customer_id: int, change: ContactPreferenceIn, source: str
) -> ContactPreferenceOut:
    """Change what proactive contact the customer agrees to (a field left out is kept)."""
    with db.write_lock(), db.session() as session:
        if session.get(Customer, customer_id, with_for_update=True) is None:
            raise NotFound(f"no customer {customer_id}")
        now = read(session, customer_id)
        pref = Preference(
            proactive=now.proactive if change.proactive is None else change.proactive,
            channels_off=(
                now.channels_off if change.channels_off is None else frozenset(change.channels_off)
            ),
        )
        _store(session, customer_id, pref, action="set", source=source, actor=change.updated_by)
        session.commit()
        out = get_or_raise(session=session, customer_id=customer_id)
    _told(bus, customer_id, pref, source)
    return out


def set_channel(
    *,
    db: Database,
    bus: EventBus,
    customer_id: int,
    channel: str,
    off: bool,
    source: str,
    actor: str | None,
    detail: str | None,
) -> Preference:
    """Turn proactive contact on one channel off (or on again), as a keyword texted asks."""
    with db.write_lock(), db.session() as session:
        if session.get(Customer, customer_id, with_for_update=True) is None:
            raise NotFound(f"no customer {customer_id}")
        now = read(session, customer_id)
        channels = now.channels_off | {channel} if off else now.channels_off - {channel}
        pref = Preference(proactive=now.proactive, channels_off=frozenset(channels))
        _store(session, customer_id, pref, action="set", source=source, actor=actor, detail=detail)
        session.commit()
    _told(bus, customer_id, pref, source)
    return pref


def merge(session: Session, *, customer_id: int, from_customer_id: int, actor: str | None) -> None:
    """In a merge's transaction: the customer that remains keeps the stricter preference."""
    kept, gone = read(session, customer_id), read(session, from_customer_id)
    source_row = session.get(ContactPreference, from_customer_id)
    if source_row is not None:
        session.delete(source_row)
        session.flush()
    if session.get(ContactPreference, customer_id) is None and source_row is None:
        return  # neither ever said anything: nothing to keep
    detail = f"merged with customer {from_customer_id}: the stricter preference is kept"
    _store(session, customer_id, kept.stricter(gone), action="merged", source="merge",
           actor=actor, detail=detail)  # fmt: skip


def carry_over(session: Session, *, customer_id: int, pref: Preference) -> None:
    """In the caller's transaction: an identity of an erased customer who opted out came back on
    ``customer_id``; the stricter of its preference and theirs is kept."""
    kept = read(session, customer_id).stricter(pref)
    detail = "an identity of an erased customer who had opted out: their preference is kept"
    _store(session, customer_id, kept, action="carried", source="erasure", actor="kairos",
           detail=detail)  # fmt: skip


def record_suppressed(session: Session, *, customer_id: int, reason: str, detail: str) -> None:
    """In the caller's transaction: a proactive contact held back by the preference."""
    pref = read(session, customer_id)
    session.add(
        ConsentEntry(
            customer_id=customer_id,
            action="suppressed",
            proactive=pref.proactive,
            channels_off=sorted(pref.channels_off),
            source=reason[:30],
            actor="kairos",
            detail=detail[:500],
            at=utcnow(),
        )
    )
