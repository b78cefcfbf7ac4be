"""Facts as they are given: what the caller keyed in the IVR, what the customer states in a
message (secrets masked), and an agent asking again for something already known (a re-ask).
The only place that writes ``facts``."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kairos.bus.messages import ReaskDetected
from kairos.customers.facts import (
    IDENTITY_FACTS,
    IDENTITY_LABELS,
    LABELS,
    asked_facts,
    canonical_name,
    extract_facts,
    mask,
)
from kairos.customers.models import CustomerIdentity, Fact
from kairos.events import IvrInput, Utterance
from kairos.redaction import mask_value


class Contact(Protocol):
    """What the facts need of an interaction (interactions' row has it; customers never imports
    it)."""

    @property
    def id(self) -> int: ...
    @property
    def external_id(self) -> str: ...
    @property
    def customer_id(self) -> int | None: ...
    @property
    def channel(self) -> str: ...
    @property
    def timezone(self) -> str | None: ...
    @property
    def agent_id(self) -> str | None: ...


def redact(name: str, value: str) -> tuple[str, bool]:
    """The value to store for a fact named ``name``: a card number keeps its last four digits,
    other secrets nothing (PCI DSS forbids storing CVV and PIN at all)."""
    return mask_value(name, value)


def record_ivr_fact(
    *, session: Session, interaction: Contact, event: IvrInput, source: str = "ivr"
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


def record_stated_facts(*, session: Session, interaction: Contact, event: Utterance) -> list[Fact]:
    """Store the facts a customer states in an utterance (unverified; secrets masked)."""
    if event.speaker != "customer":
        return []
    stored: list[Fact] = []
    for stated in extract_facts(event.text):
        value, redacted = redact(stated.name, stated.value)
        repeated = session.scalar(
            select(Fact.id).where(
                Fact.interaction_id == interaction.id,
                Fact.name == stated.name,
                Fact.value == value,
            )
        )
        if repeated is not None:
            continue
        fact = Fact(
            customer_id=interaction.customer_id,
            interaction_id=interaction.id,
            name=stated.name,
            value=value,
            source="utterance",
            channel=interaction.channel,
            verified=False,
            redacted=redacted,
            event_id=event.event_id,
            observed_at=event.occurred_at,
        )
        session.add(fact)
        stored.append(fact)
    if stored:
        session.flush()
    return stored


def _known_facts(session: Session, interaction: Contact, before: datetime) -> dict[str, Fact]:
    """The latest fact of each name known before ``before``, verified ones first."""
    owner = (
        Fact.customer_id == interaction.customer_id
        if interaction.customer_id is not None
        else Fact.interaction_id == interaction.id
    )
    rows = session.scalars(
        select(Fact).where(owner, Fact.observed_at <= before).order_by(Fact.observed_at, Fact.id)
    ).all()
    known: dict[str, Fact] = {}
    for fact in rows:
        name = canonical_name(fact.name)
        if name not in known or fact.verified or not known[name].verified:
            known[name] = fact
    if interaction.customer_id is not None:
        record = _record_facts(session, interaction.customer_id, interaction.channel, before)
        known = {**record, **known}
    return known


#: Where a re-ask says a fact came from when the customer record holds it.
RECORD = "the customer record"


def record_identities(session: Session, customer_id: int) -> dict[str, CustomerIdentity]:
    """The customer record's identities an agent would otherwise ask for (an account or policy
    the platform named, a signed-in chat's account, the phone and email), by the fact each
    stands for; the newest of each."""
    rows = session.scalars(
        select(CustomerIdentity)
        .where(
            CustomerIdentity.customer_id == customer_id,
            CustomerIdentity.valid,
            CustomerIdentity.kind.in_(IDENTITY_FACTS),
        )
        .order_by(CustomerIdentity.id)
    )
    return {IDENTITY_FACTS[identity.kind]: identity for identity in rows}


def _record_facts(
    session: Session, customer_id: int, channel: str, before: datetime
) -> dict[str, Fact]:
    """What the customer record holds, as facts, so an agent asking for it is told; not stored,
    never flushed."""
    return {
        name: Fact(
            name=name,
            value=identity.value,
            source=RECORD,
            channel=channel,
            verified=False,
            observed_at=min(identity.created_at, before),
        )
        for name, identity in record_identities(session, customer_id).items()
    }


def _when(fact: Fact, interaction: Contact, now: datetime) -> str:
    try:
        zone: tzinfo = ZoneInfo(interaction.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    local = fact.observed_at.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return f"at {local:%H:%M}"
    return f"on {local:%d %b} at {local:%H:%M}"


def detect_reasks(
    *, session: Session, interaction: Contact, event: Utterance
) -> list[ReaskDetected]:
    """``reask.detected`` messages for each known fact an agent (or bot) asks for again."""
    if event.speaker == "customer":
        return []
    asked = asked_facts(event.text)
    if not asked:
        return []
    known = _known_facts(session, interaction, event.occurred_at)
    messages: list[ReaskDetected] = []
    for name in asked:
        fact = known.get(name)
        if fact is None:
            continue
        label = LABELS.get(name) or IDENTITY_LABELS.get(name) or name.replace("_", " ")
        masked = mask(fact.value)
        origin = {"ivr": "IVR", RECORD: RECORD}.get(fact.source, fact.channel)
        when = "" if fact.source == RECORD else " " + _when(fact, interaction, event.occurred_at)
        messages.append(
            ReaskDetected(
                interaction_id=interaction.external_id,
                event_id=event.event_id,
                agent_id=event.agent_id or interaction.agent_id,
                customer_id=interaction.customer_id,
                fact=name,
                value_masked=masked,
                verified=fact.verified,
                source=fact.source,
                channel=fact.channel,
                observed_at=fact.observed_at,
                message=f"already known: {label} {masked}, from {origin}{when}",
            )
        )
    return messages


def adopt(*, session: Session, interaction_id: int, customer_id: int) -> None:
    """Give the facts an interaction gathered before its customer was known to that customer."""
    session.execute(
        update(Fact)
        .where(Fact.interaction_id == interaction_id, Fact.customer_id.is_(None))
        .values(customer_id=customer_id)
    )
