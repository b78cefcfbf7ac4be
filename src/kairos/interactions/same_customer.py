"""One customer across channels: a customer's other contacts, in progress or lately ended, for
the contact an agent is offered and the wallboard's lines (a caller who is in a live chat, or
who emailed an hour ago, is the same person on both)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import JsonValue
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kairos.interactions.models import Interaction

#: An ended contact still counts as the customer's other contact for this long after its end.
RECENT = timedelta(hours=24)
#: At most this many other contacts per contact, the latest first.
SHOWN = 3
#: Rows read at most in one call (a customer with hundreds of open contacts is an odd one).
_READ = 2_000


@dataclass(frozen=True, slots=True)
class OtherContact:
    """Another contact of the same customer, as the agent or supervisor needs to see it."""

    interaction_id: str
    channel: str
    state: str
    agent_id: str | None
    queue: str | None
    ended_at: datetime | None

    def words(self, now: datetime) -> str:
        """``chat-7 (chat, with ana)``, ``mail-3 (email, ended 40 min ago)``."""
        if self.ended_at is not None and self.state == "ended":
            minutes = max(0, round((now - self.ended_at).total_seconds() / 60))
            where = f"ended {minutes} min ago" if minutes < 120 else f"ended {minutes // 60} h ago"
        elif self.agent_id is not None:
            where = f"with {self.agent_id}"
        elif self.queue is not None:
            where = f"waiting in {self.queue}"
        else:
            where = self.state
        return f"{self.interaction_id} ({self.channel}, {where})"

    def wire(self, now: datetime) -> dict[str, JsonValue]:
        """As a bus message carries it."""
        return {
            "interaction_id": self.interaction_id, "channel": self.channel, "state": self.state,
            "agent_id": self.agent_id, "words": self.words(now),
        }  # fmt: skip


def others(
    *, session: Session, interaction_ids: Collection[str], now: datetime
) -> dict[str, list[OtherContact]]:
    """For each of ``interaction_ids`` with a known customer, that customer's other contacts not
    ended or ended within :data:`RECENT`, the latest first (:data:`SHOWN` at most)."""
    if not interaction_ids:
        return {}
    ids = select(Interaction.external_id, Interaction.customer_id).where(
        Interaction.external_id.in_(sorted(interaction_ids)), Interaction.customer_id.is_not(None)
    )
    customer_of = {i: c for i, c in session.execute(ids) if c is not None}
    if not customer_of:
        return {}
    rows = session.execute(
        select(
            Interaction.customer_id,
            Interaction.external_id,
            Interaction.channel,
            Interaction.state,
            Interaction.agent_id,
            Interaction.queue,
            Interaction.ended_at,
        )
        .where(
            Interaction.customer_id.in_(sorted(set(customer_of.values()))),
            or_(Interaction.state != "ended", Interaction.ended_at >= now - RECENT),
        )
        .order_by(Interaction.last_event_at.desc(), Interaction.id.desc())
        .limit(_READ)
    ).all()
    by_customer: dict[int | None, list[OtherContact]] = {}
    for customer_id, external_id, channel, state, agent_id, queue, ended_at in rows:
        other = OtherContact(external_id, channel, state, agent_id, queue, ended_at)
        by_customer.setdefault(customer_id, []).append(other)
    found: dict[str, list[OtherContact]] = {}
    for interaction_id, customer_id in customer_of.items():
        mine = [o for o in by_customer.get(customer_id, []) if o.interaction_id != interaction_id]
        if mine:
            found[interaction_id] = mine[:SHOWN]
    return found
