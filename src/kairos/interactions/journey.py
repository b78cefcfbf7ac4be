"""A customer's journey: their interactions across channels over time, as the detector, the
reviews and the pages read it. Lives with interactions (it is their rows); customers' own tables
hold identities and facts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from kairos.config import get_settings
from kairos.customers import service as customer_service
from kairos.customers.models import Customer
from kairos.detection.assessment import Journey
from kairos.detection.timezones import ZoneChoice, resolve_zone
from kairos.events import Identity
from kairos.interactions.models import Interaction


def same_issue(a: Interaction, b: Interaction) -> bool:
    """Same reason; else, where a reason is missing, the same queue; unknown counts as same."""
    if a.reason and b.reason:
        return a.reason.strip().lower() == b.reason.strip().lower()
    if a.queue and b.queue:
        return a.queue == b.queue
    return True


def journey_inputs(
    *, session: Session, interaction: Interaction, window: timedelta | None = None
) -> Journey:
    """What the detector should know of this customer's recent history.

    A repeat contact is another interaction on the same issue (:func:`same_issue`) started
    within ``window`` (``KAIROS_REPEAT_CONTACT_DAYS``) before this one, on any channel. A failed
    moment is any earlier interaction scored as a moment of truth (``mot_score >= 0.5``) that did
    not end resolved: one still in progress with no outcome yet (the chat the customer is calling
    about) has not failed.
    """
    if interaction.customer_id is None:
        return Journey()
    window = window or timedelta(days=get_settings().repeat_contact_days)
    # An escalated call continues its source thread (the detector replays it): not a repeat.
    continued = (
        [Interaction.id != interaction.escalated_from_id] if interaction.escalated_from_id else []
    )
    prior = session.scalars(
        select(Interaction)
        .where(
            Interaction.customer_id == interaction.customer_id,
            Interaction.id != interaction.id,
            Interaction.started_at <= interaction.started_at,
            *continued,
        )
        .order_by(Interaction.started_at.desc())
        .limit(500)
    ).all()
    since: datetime = interaction.started_at - window
    same = [p for p in prior if p.started_at >= since and same_issue(p, interaction)]
    failed = [
        p
        for p in prior
        if (p.mot_score or 0.0) >= 0.5
        and (p.state == "ended" or p.outcome)
        and not (p.outcome or {}).get("resolved", False)
    ]
    customer = session.get(Customer, interaction.customer_id)
    return Journey(
        repeat_contact=bool(same),
        prior_contacts_same_issue=len(same),
        prior_failed_moments=len(failed),
        customer_value=customer.value if customer else None,
    )


def deadline_zone(
    *, session: Session, interaction: Interaction, centre_zone: str | None, phone_region: str
) -> ZoneChoice:
    """The zone the customer's deadlines are read in, and where it came from.

    ``centre_zone``: the centre's configured zone, None when none is configured (then UTC, said).
    """
    known, phone = zone_inputs(session=session, interaction=interaction)
    return resolve_zone(
        interaction_zone=interaction.timezone,
        customer_zone=known,
        phone=phone,
        centre_zone=centre_zone,
        phone_region=phone_region,
    )


def zone_inputs(*, session: Session, interaction: Interaction) -> tuple[str | None, str | None]:
    """What places the customer in a time zone: their latest earlier zone and a phone number.

    The zone of the latest earlier interaction that carried one; the first valid phone identity
    (E.164). Both None for an anonymous contact.
    """
    if interaction.customer_id is None:
        return None, None
    zone = session.scalar(
        select(Interaction.timezone)
        .where(
            Interaction.customer_id == interaction.customer_id,
            Interaction.id != interaction.id,
            Interaction.started_at <= interaction.started_at,
            Interaction.timezone.is_not(None),
        )
        .order_by(Interaction.started_at.desc())
        .limit(1)
    )
    customer = session.get(Customer, interaction.customer_id)
    phones = sorted(
        (i for i in (customer.identities if customer else []) if i.kind == "phone" and i.valid),
        key=lambda i: i.id,
    )
    return zone, phones[0].value if phones else None


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
    if not customer_ids:
        return {}
    rows = session.execute(
        select(Interaction.customer_id, func.count())
        .where(Interaction.customer_id.in_(customer_ids))
        .group_by(Interaction.customer_id)
    ).all()
    return {int(cid): int(n) for cid, n in rows if cid is not None}


def handled_by(agent_id: str) -> ColumnElement[bool]:
    """Interactions routing gave this agent (an agent's scope)."""
    return Interaction.agent_id == agent_id


def customers_of_agent(
    *,
    session: Session,
    agent_id: str,
    identity: Identity | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Customer]]:
    """The customers of an agent's interactions, newest first, like ``customers.get_all``."""
    return customer_service.get_all(
        session=session,
        identity=identity,
        limit=limit,
        offset=offset,
        where=exists().where(Interaction.customer_id == Customer.id, handled_by(agent_id)),
    )
