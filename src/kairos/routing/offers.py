"""Push routing: a free agent whose desktop is open is offered the contact routing would give them,
at once; they accept or decline, and an offer not answered in time goes to the next agent.

Offers live on the live board (:mod:`kairos.routing.live_board`): the offered contact is held
off the boards and the agent's capacity reserved, so nobody else takes either meanwhile. An agent
is *present* while one of their pages holds the live stream open; only present agents get
offers (an agent working through the pull API, ``POST /v1/agents/{id}/next``, is never made to
wait on an offer nobody sees). A pass runs whenever the board hears something (an arrival, a new
assessment, an agent freed) and a few times a second for the timeouts. ``routing.offered`` and
``routing.offer_ended`` are published on the ``routing`` topic; accepting stores the decision
exactly as ``next`` does (``routing.decided``).
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from pydantic import JsonValue
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from kairos.bus import EventBus
from kairos.bus.messages import Message, RoutingOffered, RoutingOfferEnded
from kairos.db import Database, riders_written, take_riders, utcnow
from kairos.errors import Conflict, NotFound
from kairos.interactions import let_go, placement, same_customer
from kairos.routing import decisions
from kairos.routing.explain import explain
from kairos.routing.live_board import BoardUnavailable, LiveBoard
from kairos.routing.live_next import (
    _inputs,
    _out,
    _set_state,
    _state,
    best_on_board,
    decision_transaction,
    store_rows,
)
from kairos.routing.passes import Passes
from kairos.routing.schemas import DecisionOut
from kairos.routing.snapshots import (
    AgentSnapshot,
    AgentState,
    Decision,
    WaitingInteraction,
    jsonable,
)

Outcome = Literal["accepted", "declined", "expired", "withdrawn"]
log = logging.getLogger(__name__)


@dataclass
class Offer:
    """One contact offered to one agent, until they answer or it expires."""

    id: str
    decision: Decision
    row_id: int
    snapshot: WaitingInteraction
    offered_at: datetime
    expires_at: datetime

    @property
    def interaction_id(self) -> str:
        """The contact offered."""
        return self.decision.interaction_id

    @property
    def agent_id(self) -> str:
        """The agent it is offered to."""
        return self.decision.agent_id


@dataclass
class OfferBook:
    """The offers of one live board, and which agents are present to receive them."""

    board: LiveBoard
    db: Database
    bus: EventBus
    timeout_s: float = 20.0
    #: Whether this process decides now (with a lease: while it owns the site's board).
    deciding: Callable[[], bool] = field(default=lambda: True)
    present: Counter[str] = field(default_factory=Counter)
    offers: dict[str, Offer] = field(default_factory=dict)
    #: Agents who declined a contact or let its offer expire: not offered it again for a while
    #: (pull still gives it to them: they asked for work).
    declined: Passes = field(default_factory=Passes)
    _outbox: list[Message] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.board.hooks.append(self.tick)
        self.board.on_leave = self._withdraw
        self.board.on_rebuild = self._hold_again
        self.declined = self.board.declined  # the board reads them again when it rebuilds
        self.declined.return_after_s = self.board.passes.return_after_s

    # -- presence --------------------------------------------------------------------------------

    def attach(self, agent_id: str) -> None:
        """One of the agent's pages opened its live stream: offer them work (again) at once."""
        with self.board.lock:
            self.present[agent_id] += 1
            pending = self.for_agent(agent_id)
            if pending is not None:  # a reloaded page shows the offer still open
                self._outbox.append(self._offered(pending))
        self._flush()
        self.board.wake()

    def detach(self, agent_id: str) -> None:
        """One of the agent's pages went away."""
        with self.board.lock:
            self.present[agent_id] -= 1
            if self.present[agent_id] <= 0:
                del self.present[agent_id]

    def for_agent(self, agent_id: str) -> Offer | None:
        """The agent's open offer, if any."""
        return next((o for o in self.offers.values() if o.agent_id == agent_id), None)

    # -- the board thread's pass -------------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> None:
        """Expire offers past their time, then offer waiting contacts to free present agents."""
        now = now or utcnow()
        with self.board.lock:
            if not self.deciding():  # the lease went elsewhere: its owner offers from now on
                for offer in list(self.offers.values()):
                    self._end(offer, "withdrawn", back=True)
            for offer in [o for o in self.offers.values() if o.expires_at <= now]:
                self._end(offer, "expired", back=True)
            for offer in [o for o in self.offers.values() if self._gone(o.agent_id)]:
                self._end(offer, "withdrawn", back=True)  # to the next agent now
            for offer in [o for o in self.offers.values() if self._overfull(o.agent_id)]:
                self._end(offer, "withdrawn", back=True)  # filled meanwhile: to the next agent
            if self.deciding():
                self._push(now)
        self._flush()

    def _gone(self, agent_id: str) -> bool:
        """The agent signed out or stepped away (away, wrap-up) since they were offered: nobody
        answers the offer (before 2026-12-06 the contact waited for it to run out)."""
        agent = self.board.agents.get(agent_id)
        return agent is None or agent.state not in ("available", "busy")

    def _overfull(self, agent_id: str) -> bool:
        """A contact reached the agent since they were offered (transferred straight to them,
        answered by them on the platform): with the offer's reserved room they hold more than
        they may, so the offer goes (before 2026-12-07 accepting it put them over capacity)."""
        agent = self.board.agents.get(agent_id)
        return agent is not None and agent.load > agent.max_concurrency

    def _push(self, now: datetime) -> None:
        def idle(agent_id: str) -> datetime:
            agent = self.board.agents.get(agent_id)
            return agent.idle_since or now if agent else now

        busy = {o.agent_id for o in self.offers.values()}
        for agent_id in sorted(self.present, key=idle):
            agent = self.board.agent(agent_id)
            # Free: available, or made busy by routing with room again (a contact ended).
            free = agent is not None and agent.state in ("available", "busy")
            if not free or agent is None or agent_id in busy:
                continue
            if agent.load >= agent.max_concurrency:
                continue
            decision = self._best_for(agent, now)
            if decision is None:
                continue
            held = self.board.hold(decision.interaction_id)
            if held is None:
                continue
            self.board.set_agent(dataclasses.replace(agent, load=agent.load + 1))  # reserved
            offer = Offer(
                id=uuid.uuid4().hex, decision=decision, row_id=held[0], snapshot=held[1],
                offered_at=now, expires_at=now + timedelta(seconds=self.timeout_s),
            )  # fmt: skip
            self.offers[offer.id] = offer
            self._outbox.append(self._offered(offer))

    def _best_for(self, agent: AgentSnapshot, now: datetime) -> Decision | None:
        """What routing would give the free agent now (never a contact they transferred or declined
        lately). One Kairos made busy when full, with room again since (a contact
        ended or handed on), is decided for as available, as ``next`` makes them: before
        2026-12-06 the policy saw them busy, so after their first contact they were never
        offered another until they pulled or set their state."""
        if agent.state != "busy":
            return best_on_board(self.board, agent.id, now, self.declined.kept_from(agent.id, now))
        self.board.set_agent(dataclasses.replace(agent, state="available"))
        try:
            return best_on_board(self.board, agent.id, now, self.declined.kept_from(agent.id, now))
        finally:
            self.board.set_agent(agent)

    def _offered(self, offer: Offer) -> RoutingOffered:
        reasons = [{"factor": r.factor, "value": r.value} for r in offer.decision.reasons]
        inputs = {"interaction": jsonable(offer.snapshot)}
        return RoutingOffered(
            offer_id=offer.id, interaction_id=offer.interaction_id, agent_id=offer.agent_id,
            queue=offer.snapshot.queue, channel=offer.snapshot.channel,
            moment_of_truth=offer.decision.moment_of_truth,
            summary=explain(moment_of_truth=offer.decision.moment_of_truth, reasons=reasons,
                            inputs=inputs),
            reasons=reasons, offered_at=offer.offered_at, expires_at=offer.expires_at,
        )  # fmt: skip

    def _end(self, offer: Offer, outcome: Outcome, *, back: bool) -> None:
        """Close an offer: free the agent's reserved room; ``back`` returns the contact."""
        self.offers.pop(offer.id, None)
        agent = self.board.agents.get(offer.agent_id)
        if agent is not None:
            self.board.set_agent(dataclasses.replace(agent, load=max(0, agent.load - 1)))
        self.board.unhold(offer.interaction_id, back=back)
        if outcome in ("declined", "expired"):
            self.declined.add(offer.interaction_id, offer.agent_id, utcnow())
            self._store_pass(offer)
        self._outbox.append(
            RoutingOfferEnded(offer_id=offer.id, interaction_id=offer.interaction_id,
                              agent_id=offer.agent_id, outcome=outcome)
        )  # fmt: skip

    def _store_pass(self, offer: Offer) -> None:
        """Store the decline, so that a process that takes the lease over knows it too."""
        db = self.board.db
        try:
            with db.write_lock(), db.session() as session:
                let_go.record(
                    session, interaction_row_id=offer.row_id, agent_id=offer.agent_id,
                    kind=let_go.DECLINED,
                )  # fmt: skip
                session.commit()
        except SQLAlchemyError:  # kept in this process still; the offer must end regardless
            log.warning("routing: the decline of %s could not be stored", offer.interaction_id)

    def _withdraw(self, interaction_id: str) -> None:
        offer = next((o for o in self.offers.values() if o.interaction_id == interaction_id), None)
        if offer is not None:
            self._end(offer, "withdrawn", back=False)
        self.declined.forget(interaction_id)

    def _hold_again(self) -> None:
        """The board read the site again (a bus gap): it put every waiting contact back on the
        boards and counted agents' loads from the database alone. An open offer whose contact
        still waits holds it again and reserves its agent's room again; one whose contact left
        meanwhile (ended, taken elsewhere: its message lost) is withdrawn."""
        self.board.on_hold = {}
        for offer in list(self.offers.values()):
            interaction_id = offer.interaction_id
            held = self.board.hold(interaction_id)
            agent = self.board.agents.get(offer.agent_id)
            if held is None or agent is None:
                log.info("routing offer of %s withdrawn: it no longer waits", interaction_id)
                self.offers.pop(offer.id, None)
                self.declined.forget(interaction_id)
                self._outbox.append(
                    RoutingOfferEnded(offer_id=offer.id, interaction_id=interaction_id,
                                      agent_id=offer.agent_id, outcome="withdrawn")
                )  # fmt: skip
                continue
            offer.row_id, offer.snapshot = held
            self.board.set_agent(dataclasses.replace(agent, load=agent.load + 1))

    def _flush(self) -> None:
        """Publish what the pass decided, outside the board's lock."""
        with self.board.lock:
            outbox, self._outbox = self._outbox, []
        offered = [m.interaction_id for m in outbox if isinstance(m, RoutingOffered)]
        links = self._same_customer(offered) if offered else {}
        for message in outbox:
            if isinstance(message, RoutingOffered) and message.interaction_id in links:
                message = message.model_copy(
                    update={"same_customer": links[message.interaction_id]}
                )
            self.bus.send(message)

    def _same_customer(self, interaction_ids: list[str]) -> dict[str, list[dict[str, JsonValue]]]:
        """The offered contacts' customers' other contacts (read outside the board's lock); an
        offer goes out without them if the database cannot say."""
        now = utcnow()
        try:
            with self.db.session() as session:
                found = same_customer.others(
                    session=session, interaction_ids=interaction_ids, now=now
                )
        except SQLAlchemyError:
            log.warning("routing offers: the customers' other contacts could not be read")
            return {}
        return {i: [o.wire(now) for o in others] for i, others in found.items()}

    # -- the agent answers -------------------------------------------------------------------------

    def _open(self, offer_id: str, agent_id: str) -> Offer:
        offer = self.offers.get(offer_id)
        if offer is None:
            raise NotFound(f"no open offer {offer_id!r} (answered, expired or withdrawn)")
        if offer.agent_id != agent_id:
            raise Conflict(f"offer {offer_id!r} is not for agent {agent_id!r}")
        return offer

    def decline(self, offer_id: str, agent_id: str) -> None:
        """The agent declines: the contact goes back and to the next agent."""
        with self.board.lock:
            self._end(self._open(offer_id, agent_id), "declined", back=True)
        self._flush()
        self.board.wake()

    def accept(self, offer_id: str, agent_id: str, now: datetime | None = None) -> DecisionOut:
        """The agent accepts: the decision and the assignment are stored, as ``next`` does."""
        with self.board.lock:
            self.board.drain()  # a contact that reached the agent since counts in their load
            now = now or utcnow()
            offer = self._open(offer_id, agent_id)
            if self._overfull(agent_id):
                self._end(offer, "withdrawn", back=True)
                self.board.wake()  # its pass publishes that and offers the contact to the next
                raise Conflict(f"agent {agent_id!r} is full: a contact reached them since")
            reserved = self.board.agents[agent_id]
            agent = dataclasses.replace(reserved, load=max(0, reserved.load - 1))
            full = agent.load + 1 >= agent.max_concurrency
            state: AgentState = "busy" if full else "available"
            with self.db.write_lock(), decision_transaction(self.board) as connection:
                if self.board.fence is not None and not self.board.fence(connection):
                    raise BoardUnavailable("this process no longer owns the routing board; retry")
                taken = placement.take_waiting(
                    session=connection, interaction_row_id=offer.row_id,
                    queue=offer.snapshot.queue,
                    agent_id=agent_id, states=decisions.WAITING_STATES,
                )  # fmt: skip
                if taken:
                    out = self._store(connection, offer, agent, now)
                    if state != agent.state:
                        _set_state(connection, self.board.agent_rows[agent_id], state, now)
                    riders = take_riders(connection)  # taken: the request's audit row too
                    connection.commit()
                    riders_written(riders)
            if not taken:
                self._end(offer, "withdrawn", back=False)
            else:
                self._end(offer, "accepted", back=False)
                self.declined.forget(offer.interaction_id)
                self.board.assigned(offer.interaction_id, agent_id)
                self._outbox.insert(0, out)  # the stored decision is the message
                if state != agent.state:
                    self._outbox.append(_state(agent_id, state, agent.state, now))
                    self.board.set_agent(
                        dataclasses.replace(self.board.agents[agent_id], state=state)
                    )
        self._flush()
        if not taken:
            raise Conflict(f"{offer.interaction_id!r} no longer waits: taken or ended")
        return out

    def _store(
        self, connection: Connection, offer: Offer, agent: AgentSnapshot, now: datetime
    ) -> DecisionOut:
        inputs, reasons = _inputs(self.board, offer.decision, offer.snapshot, agent)
        decision_id = store_rows(
            connection, offer.decision, offer.row_id, offer.snapshot,
            self.board.agent_rows[agent.id], now, None, inputs, reasons,
        )  # fmt: skip
        return _out(decision_id, offer.decision, offer.snapshot, agent, now, inputs, reasons)


def offers_of(services: object) -> OfferBook | None:
    """The process's push offers, if it runs a live board."""
    book = getattr(services, "routing_offers", None)
    return book if isinstance(book, OfferBook) else None
