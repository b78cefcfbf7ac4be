"""Key messages: post, target, expire, and which active messages concern an interaction.

The only place that writes ``key_messages``. Each change is published on the bus topic
``messages`` after its transaction commits: ``key_message.posted`` (with the open interactions it
matches at that moment) and ``key_message.expired``.

Targeting. A message names queues, reasons and regions; an empty list means everyone on that
dimension, and an interaction must pass all three:

- queue: the interaction's queue now (as routing and transfers left it);
- reason: a message reason matches a stakes category the detector found (``travel_disruption``)
  or the interaction's contact reason, as the whole reason or a whole-word phrase inside it
  ("baggage" matches "lost baggage");
- region: the ISO 3166 country of the customer's phone number (their first valid phone identity,
  read with ``phonenumbers``). Kairos keeps no postal address, and the phone is the one identity
  that carries a country on every channel where it is known. An interaction whose customer has no
  valid phone has no region, and so never matches a message that names regions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kairos.bus import EventBus
from kairos.bus.messages import KeyMessageExpired, KeyMessagePosted
from kairos.customers.models import CustomerIdentity
from kairos.db import Database, utcnow
from kairos.errors import ClientError, Conflict, NotFound
from kairos.interactions.models import Interaction
from kairos.messages.models import KeyMessage
from kairos.messages.schemas import KeyMessageIn, KeyMessageOut

_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


class InvalidMessage(ClientError):
    """A key message that cannot be posted as given."""

    status_code = 422
    code = "invalid_request"


@dataclass(frozen=True)
class Audience:
    """What targeting sees of one interaction."""

    interaction_id: str
    queue: str | None
    reason: str | None
    stakes: tuple[str, ...]
    region: str | None


def region_of_phone(number: str) -> str | None:
    """The ISO 3166 country of an E.164 phone number, or None when it names none."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    return region if region and region != "ZZ" else None


def regions_of_customers(*, session: Session, customer_ids: Iterable[int]) -> dict[int, str]:
    """Each customer's region: the country of their first valid phone identity."""
    ids = sorted(set(customer_ids))
    regions: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        query = (
            select(CustomerIdentity.customer_id, CustomerIdentity.value)
            .where(
                CustomerIdentity.customer_id.in_(ids[start : start + 500]),
                CustomerIdentity.kind == "phone",
                CustomerIdentity.valid.is_(True),
            )
            .order_by(CustomerIdentity.customer_id, CustomerIdentity.id)
        )
        for customer_id, value in session.execute(query):
            if customer_id not in regions:
                region = region_of_phone(value)
                if region is not None:
                    regions[customer_id] = region
    return regions


def _audience(interaction: Interaction, region: str | None) -> Audience:
    assessment = interaction.current_assessment
    return Audience(
        interaction_id=interaction.external_id,
        queue=interaction.queue,
        reason=interaction.reason,
        stakes=tuple(assessment.stakes) if assessment else (),
        region=region,
    )


def _reason_matches(target: str, audience: Audience) -> bool:
    if target in audience.stakes:
        return True
    if not audience.reason:
        return False
    reason = audience.reason.strip().lower()
    return reason == target or re.search(rf"\b{re.escape(target)}\b", reason) is not None


def applies(message: KeyMessage | KeyMessageOut, audience: Audience) -> bool:
    """Whether a message's targets take in this interaction (activity is checked apart)."""
    if message.queues and audience.queue not in message.queues:
        return False
    if message.reasons and not any(_reason_matches(r, audience) for r in message.reasons):
        return False
    return not message.regions or audience.region in message.regions


def _is_active(message: KeyMessage, now: datetime) -> bool:
    return message.expired_at is None and message.expires_at > now


def _out(message: KeyMessage, now: datetime) -> KeyMessageOut:
    return KeyMessageOut.model_validate(message).model_copy(
        update={"active": _is_active(message, now)}
    )


def _ordered(messages: list[KeyMessageOut]) -> list[KeyMessageOut]:
    # Most severe first, then newest: what an agent must read before anything else.
    return sorted(
        messages, key=lambda m: (_SEVERITY_ORDER.get(m.severity, 9), -m.created_at.timestamp())
    )


# -- reads --------------------------------------------------------------------------------------


def get(*, session: Session, message_id: int) -> KeyMessage | None:
    """A key message by id."""
    return session.get(KeyMessage, message_id)


def get_or_raise(
    *, session: Session, message_id: int, now: datetime | None = None
) -> KeyMessageOut:
    """A key message by id, or a 404."""
    message = get(session=session, message_id=message_id)
    if message is None:
        raise NotFound(f"no key message {message_id}")
    return _out(message, now or utcnow())


def _active_rows(session: Session, now: datetime) -> list[KeyMessage]:
    query = select(KeyMessage).where(KeyMessage.expired_at.is_(None), KeyMessage.expires_at > now)
    return list(session.scalars(query))


def get_active(*, session: Session, now: datetime | None = None) -> list[KeyMessageOut]:
    """Every active key message, most severe first, then newest."""
    now = now or utcnow()
    return _ordered([_out(m, now) for m in _active_rows(session, now)])


def get_all(
    *,
    session: Session,
    include_expired: bool = False,
    now: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[KeyMessageOut]]:
    """Key messages, newest first (active ones only unless asked), and how many in all."""
    now = now or utcnow()
    query = select(KeyMessage)
    if not include_expired:
        query = query.where(KeyMessage.expired_at.is_(None), KeyMessage.expires_at > now)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(KeyMessage.id.desc()).limit(limit).offset(offset))
    return total, [_out(m, now) for m in rows]


def audience_of(*, session: Session, interaction: Interaction) -> Audience:
    """What targeting sees of an interaction: queue, reason, stakes and the customer's region."""
    region = None
    if interaction.customer_id is not None:
        regions = regions_of_customers(session=session, customer_ids=[interaction.customer_id])
        region = regions.get(interaction.customer_id)
    return _audience(interaction, region)


def matching(
    *, session: Session, interaction_id: str, now: datetime | None = None
) -> list[KeyMessageOut]:
    """The active key messages that concern this interaction, most severe first; 404 if unknown."""
    now = now or utcnow()
    interaction = session.scalar(
        select(Interaction).where(Interaction.external_id == interaction_id)
    )
    if interaction is None:
        raise NotFound(f"no interaction {interaction_id!r}")
    audience = audience_of(session=session, interaction=interaction)
    return _ordered([_out(m, now) for m in _active_rows(session, now) if applies(m, audience)])


def open_interactions_matching(
    *, session: Session, message: KeyMessage | KeyMessageOut
) -> list[str]:
    """The interactions not yet ended that a message concerns, oldest first."""
    query = select(Interaction).where(Interaction.state != "ended")
    if message.queues:
        query = query.where(Interaction.queue.in_(list(message.queues)))
    if message.reasons:
        # Narrow in SQL to rows with something to match on; the exact rule is applied below.
        query = query.where(
            or_(Interaction.reason.is_not(None), Interaction.assessment.is_not(None))
        )
    rows = list(session.scalars(query.order_by(Interaction.started_at, Interaction.id)))
    regions: dict[int, str] = {}
    if message.regions:
        regions = regions_of_customers(
            session=session, customer_ids=[r.customer_id for r in rows if r.customer_id]
        )
    return [
        row.external_id
        for row in rows
        if applies(message, _audience(row, regions.get(row.customer_id or -1)))
    ]


# -- writes -------------------------------------------------------------------------------------


def _check(message_in: KeyMessageIn, now: datetime) -> None:
    if message_in.expires_at <= now:
        raise InvalidMessage(
            "the key message would be expired already",
            errors=[{"field": "expires_at", "message": "must be in the future"}],
        )


def create(
    *,
    db: Database,
    bus: EventBus,
    message_in: KeyMessageIn,
    created_by: str | None = None,
    now: datetime | None = None,
) -> KeyMessageOut:
    """Post a key message; publish ``key_message.posted`` with the open interactions it matches."""
    now = now or utcnow()
    _check(message_in, now)
    with db.write_lock(), db.session() as session:
        message = KeyMessage(**message_in.model_dump(), created_by=created_by, created_at=now)
        session.add(message)
        session.flush()
        interaction_ids = open_interactions_matching(session=session, message=message)
        out = _out(message, now)
        session.commit()
    bus.send(KeyMessagePosted(message=out.model_dump(mode="json"), interaction_ids=interaction_ids))
    return out


def expire(
    *,
    db: Database,
    bus: EventBus,
    message_id: int,
    expired_by: str | None = None,
    now: datetime | None = None,
) -> KeyMessageOut:
    """Expire a key message by hand now; publish ``key_message.expired``. 409 if not active."""
    now = now or utcnow()
    with db.write_lock(), db.session() as session:
        message = get(session=session, message_id=message_id)
        if message is None:
            raise NotFound(f"no key message {message_id}")
        if not _is_active(message, now):
            raise Conflict(f"key message {message_id} has already expired")
        message.expired_at = now
        message.expired_by = expired_by
        out = _out(message, now)
        session.commit()
    bus.send(KeyMessageExpired(message=out.model_dump(mode="json")))
    return out
