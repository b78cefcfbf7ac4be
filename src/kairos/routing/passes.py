"""Agents who let a contact go: who transferred it back to a queue, who declined its offer or
let the offer run out. Routing gives it to someone else first: for ``return_after_s`` it is not
given back to them (by ``next`` or an offer), and then it may be, so that a contact nobody else
can take still reaches an agent rather than waiting for ever.

Each is stored too (``let_go``: the transfer in its ingest transaction, a decline by the offer's
owner), so a board built or rebuilt (at start, at a lease takeover, after a bus gap) and the
database path (``KAIROS_ROUTING_BOARD=database``) know them as the board that heard them does.

A row that can no longer matter is deleted by a periodic pass (:func:`forget_spent`): its contact
ended, or was routed to an agent since, or it is older than the longest
``KAIROS_RETURN_AFTER_PASS_S`` allows, so that a process with another setting loses nothing it
still reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from annotated_types import Le
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from kairos.config import Settings
from kairos.db import Database, background, utcnow
from kairos.interactions import let_go
from kairos.interactions.let_go import TRANSFERRED
from kairos.interactions.models import Interaction, LetGo
from kairos.routing.models import Assignment

#: The setting's default (``KAIROS_RETURN_AFTER_PASS_S``), as :mod:`kairos.config` has it.
RETURN_AFTER_S: float = Settings.model_fields["return_after_pass_s"].default


class Passes:
    """Which agent let which waiting contact go, and until when routing keeps it from them."""

    def __init__(self, return_after_s: float = RETURN_AFTER_S) -> None:
        self.return_after_s = return_after_s
        #: agent -> {interaction -> until when it is kept from them}
        self._by_agent: dict[str, dict[str, datetime]] = {}

    def clear(self) -> None:
        """Forget everything (the board reads it again from the database)."""
        self._by_agent.clear()

    def add(self, interaction_id: str, agent_id: str, now: datetime) -> None:
        """``agent_id`` let ``interaction_id`` go at ``now``."""
        for agent in list(self._by_agent):  # what ran out (few: agents let few contacts go)
            self.kept_from(agent, now)
        until = now + timedelta(seconds=self.return_after_s)
        self._by_agent.setdefault(agent_id, {})[interaction_id] = until

    def __iter__(self) -> Iterator[str]:
        """The contacts kept from some agent."""
        return iter({i for kept in self._by_agent.values() for i in kept})

    def forget(self, interaction_id: str) -> None:
        """The contact was taken or ended: what was passed on no longer matters."""
        for agent_id in [a for a, kept in self._by_agent.items() if interaction_id in kept]:
            kept = self._by_agent[agent_id]
            del kept[interaction_id]
            if not kept:
                del self._by_agent[agent_id]

    def kept_from(self, agent_id: str, now: datetime) -> frozenset[str]:
        """The contacts routing does not give ``agent_id`` at ``now``."""
        kept = self._by_agent.get(agent_id)
        if not kept:
            return frozenset()
        for interaction_id in [i for i, until in kept.items() if until <= now]:
            del kept[interaction_id]
        if not kept:
            del self._by_agent[agent_id]
        return frozenset(kept)

    def passed(self, interaction_id: str, agent_id: str, now: datetime) -> bool:
        """Whether ``agent_id`` let ``interaction_id`` go and routing still keeps it from them."""
        until = self._by_agent.get(agent_id, {}).get(interaction_id)
        return until is not None and until > now


# -- in the database: every process and mode alike ---------------------------------------------


def let_go_since(
    session: Session, now: datetime, return_after_s: float, agent_id: str | None = None
) -> list[tuple[str, str, str, datetime]]:
    """Who let which contact go within ``return_after_s`` of ``now`` and still has it kept from
    them: (interaction, agent, kind, when), of contacts still waiting for an agent and not
    routed to anyone since (a contact taken, then let go again, starts again). ``agent_id``:
    that agent's only."""
    later = select(Assignment.id).where(
        Assignment.interaction_id == LetGo.interaction_id, Assignment.assigned_at > LetGo.passed_at
    )
    query = (
        select(Interaction.external_id, LetGo.agent_id, LetGo.kind, LetGo.passed_at)
        .join(Interaction, Interaction.id == LetGo.interaction_id)
        .where(
            LetGo.passed_at > now - timedelta(seconds=return_after_s),
            Interaction.agent_id.is_(None),
            Interaction.state != "ended",
            ~exists(later),
        )
        .order_by(LetGo.passed_at, LetGo.id)
    )
    if agent_id is not None:
        query = query.where(LetGo.agent_id == agent_id)
    return [(str(i), str(a), str(k), at) for i, a, k, at in session.execute(query)]


def kept_in_database(
    session: Session, agent_id: str, now: datetime, return_after_s: float
) -> set[str]:
    """The contacts ``agent_id`` transferred back to a queue lately (the database path's
    :meth:`Passes.kept_from`)."""
    rows = let_go_since(session, now, return_after_s, agent_id)
    return {i for i, _, kind, _ in rows if kind == TRANSFERRED}


# -- forgetting what can no longer matter ------------------------------------------------------

#: Rows deleted per transaction: a first pass over years of rows holds no long lock.
FORGET_BATCH = 1_000


def longest_return_after_s() -> float:
    """The largest ``KAIROS_RETURN_AFTER_PASS_S`` the settings accept: no process reads a row
    older than that."""
    bounds = Settings.model_fields["return_after_pass_s"].metadata
    return float(next(bound.le for bound in bounds if isinstance(bound, Le)))  # type: ignore[arg-type]


def spent(session: Session, now: datetime, *, limit: int = FORGET_BATCH) -> list[int]:
    """Up to ``limit`` ``let_go`` rows that can no longer matter at ``now``: their contact ended
    or was routed to an agent since, or they are older than :func:`longest_return_after_s`."""
    later = select(Assignment.id).where(
        Assignment.interaction_id == LetGo.interaction_id, Assignment.assigned_at > LetGo.passed_at
    )
    query = (
        select(LetGo.id)
        .join(Interaction, Interaction.id == LetGo.interaction_id)
        .where(
            or_(
                LetGo.passed_at <= now - timedelta(seconds=longest_return_after_s()),
                Interaction.state == "ended",
                exists(later),
            )
        )
        .order_by(LetGo.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def forget_spent(db: Database, now: datetime | None = None) -> int:
    """Delete every ``let_go`` row that can no longer matter (a batch per transaction, as a
    background writer: on SQLite a lock another process holds fails it after a short wait, and
    the next pass does it): how many went."""
    now = now or utcnow()
    total = 0
    while True:
        with background(), db.write_lock(), db.session() as session:
            ids = spent(session, now)
            total += let_go.forget(session, ids)
            session.commit()
        if len(ids) < FORGET_BATCH:
            return total
