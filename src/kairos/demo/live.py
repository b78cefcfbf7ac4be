"""The demo's live contact center: simulated customers and agents driving the real server over HTTP.

Customers come from the simulator's traffic generator (:mod:`kairos.simulation.traffic`): each
contact posts its opening (the start, the IVR steps, the customer's first words), then joins its
queue (a ``transfer`` to it, as an IVR or a bot hands over) and waits. Simulated agents ask
``POST /v1/agents/{id}/next`` whenever they have room, so the server's own routing (``moments`` on
every demo queue) decides who takes which contact; the contact's conversation then goes on with the
agent it was given. A customer who waits past their patience hangs up (``interaction.ended``,
disposition ``abandoned``). A transfer puts the contact back in a specialist queue, to be routed
again.

Customers arrive as :mod:`kairos.demo.arrivals` says (the centre's working day, ``pace`` times
its rate), the same model the demo's history is laid out with. A contact's conversation runs
``SPEED`` times faster than the clock at pace 1, with no pause between two of its events longer
than ``MAX_GAP_S``, so email threads move too; every event is stamped with the time it is sent.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from kairos.demo import retry as retrying
from kairos.demo.arrivals import Arrivals
from kairos.demo.retry import PersistentFailure, Retries, Retry
from kairos.events import (
    Event,
    InteractionEnded,
    InteractionStarted,
    Outcome,
    Transfer,
    Utterance,
)
from kairos.simulation.scenario import Scenario
from kairos.simulation.traffic import SimulatedContact, simulated_contact

#: Simulated seconds per real second at pace 1.
SPEED = 10.0
#: The longest real pause between two events of one contact at pace 1.
MAX_GAP_S = 6.0
#: How long a customer waits for an agent before hanging up, real seconds at pace 1.
PATIENCE_S = {"call": 40.0, "chat": 60.0, "sms": 90.0, "social": 90.0, "email": 120.0}
#: How often an idle agent asks for work, real seconds.
POLL_S = 0.5
#: Simulated seconds a demo agent spends on a contact that came from a webhook.
OUTSIDE_HANDLE_S = 120.0
SKILLS = ("accounts", "billing", "claims", "technical", "travel")
CHANNELS = ("call", "chat", "email", "sms", "social")
DIGITAL = ["chat", "email", "sms", "social"]

#: The demo's floor: (id, name, skills with proficiency, channels, concurrency, empathy, certified)
AGENTS: tuple[tuple[str, str, dict[str, int], list[str], int, float, bool], ...] = (
    ("demo-ava", "Ava Moreno", {"travel": 5, "claims": 4, "accounts": 3}, ["call"], 1, 0.95, True),
    ("demo-ben", "Ben Okafor", {"technical": 5, "accounts": 4}, ["call"], 1, 0.9, True),
    ("demo-cleo", "Cleo Park", {"billing": 4, "accounts": 4, "travel": 3}, ["call"], 1, 0.6, False),
    ("demo-dan", "Dan Reyes", {"billing": 3, "technical": 3, "claims": 2}, ["call"], 1, 0.4, False),
    ("demo-eli", "Eli Novak", {"claims": 5, "billing": 3}, ["call"], 1, 0.85, True),
    ("demo-fay", "Fay Lindqvist", {s: 3 for s in SKILLS}, ["call"], 1, 0.5, False),
    ("demo-gus", "Gus Tanaka", {"accounts": 3, "travel": 3}, ["call"], 1, 0.45, False),
    ("demo-hana", "Hana Idris", {s: 4 for s in SKILLS}, DIGITAL, 3, 0.9, True),
    ("demo-ivo", "Ivo Petrov", {s: 3 for s in SKILLS}, DIGITAL, 3, 0.5, False),
    ("demo-jo", "Jo Mensah", {"technical": 4, "billing": 4, "accounts": 3}, DIGITAL, 3, 0.7, False),
)
CERTIFIED = frozenset(a[0] for a in AGENTS if a[6])


class DriveError(RuntimeError):
    """The server refused the demo's setup or stopped answering."""


@dataclass
class LiveProgress:
    """What the demo's status line shows."""

    started: int = 0
    waiting: int = 0
    routed: int = 0
    abandoned: int = 0
    finished: int = 0
    events: int = 0
    failed: int = 0
    moments: int = 0
    moments_certified: int = 0
    stale_closed: int = 0
    #: Contacts from outside the simulation (webhooks, callbacks) the demo's agents answered.
    outside: int = 0
    errors: list[str] = field(default_factory=list)
    #: Requests sent again after a slow or busy answer (:mod:`kairos.demo.retry`).
    retries: Retries = field(default_factory=Retries)

    def line(self) -> str:
        """One status line (Rich markup)."""
        share = f" ({self.moments_certified} to certified agents)" if self.moments else ""
        return (
            f"[bold]contacts[/] {self.started} started, {self.waiting} waiting, "
            f"{self.routed} routed, {self.abandoned} abandoned, {self.finished} finished   "
            f"[bold]moments of truth routed[/] {self.moments}{share}   "
            f"[bold]events[/] {self.events}"
            + (f"   [red]{self.failed} refused[/]" if self.failed else "")
            + self.retries.note()
        )


def _now() -> datetime:
    return datetime.now(UTC)


class LiveCenter:
    """Drives one server: its queues and agents, the customers, and the agents' asks for work."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        pace: float,
        run_id: str,
        progress: LiveProgress,
        seed: int | None = None,
        arrivals: Arrivals | None = None,
        retry: Retry = Retry(),
    ) -> None:
        self.client = client
        self.retry = retry  # how a failed request is sent again before the demo gives up
        self.pace = pace
        #: When customers arrive; the demo's day at ``pace`` unless told otherwise.
        self.arrivals = arrivals or Arrivals(per_day=Arrivals().per_day * pace)
        self.run_id = run_id
        self.progress = progress
        self.seed = seed if seed is not None else random.Random(run_id).randrange(2**31)
        self._routed: dict[str, asyncio.Future[str]] = {}
        self._outside: set[asyncio.Task[None]] = set()

    # -- the server's side of the floor ----------------------------------------------------------

    async def setup(self) -> None:
        """Create the demo queues and agents (kept if they exist) and make every agent available."""
        for channel in CHANNELS:
            for skill in SKILLS:
                for name in (f"{channel}-{skill}", f"{channel}-{skill}-specialist"):
                    body: dict[str, Any] = {
                        "name": name,
                        "channel": channel,
                        "required_skills": [skill],
                        "policy": "moments",
                    }
                    await self._setup_post("/v1/queues", body)
        for agent_id, name, skills, channels, concurrency, empathy, certified in AGENTS:
            agent: dict[str, Any] = {
                "external_id": agent_id,
                "name": name,
                "skills": skills,
                "languages": ["en"],
                "channels": channels,
                "max_concurrency": concurrency,
                "empathy": empathy,
                "mot_certified": certified,
                "tenure_months": 60 if certified else 12,
            }
            await self._setup_post("/v1/agents", agent)
            await self._setup_post(f"/v1/agents/{agent_id}/state", {"state": "available"})
        await self.close_left_open()

    async def close_left_open(self) -> None:
        """End the simulated contacts an earlier run left open (stopped or killed mid-contact):
        their agents would hold them, full, for ever; a waiting one would be routed again."""
        left: list[str] = []
        for state in ("open", "queued", "assigned", "escalated"):
            offset = 0
            while True:
                query = {"state": state, "limit": 500, "offset": offset}
                response = await self._request("GET", "/v1/interactions", params=query)
                items = response.json().get("items", []) if response.status_code == 200 else []
                left += [i["id"] for i in items if i["id"].startswith("sim-")]
                if len(items) < 500:
                    break
                offset += len(items)
        for interaction_id in left:
            if not interaction_id.startswith(f"sim-{self.run_id}-"):
                await self._close_stale(interaction_id)

    async def _setup_post(self, path: str, body: dict[str, Any]) -> None:
        response = await self._post(path, body)
        # 409: the queue or agent is there from an earlier run of the demo on this database.
        if response.status_code not in (200, 201, 409):
            raise DriveError(f"POST {path} answered {response.status_code}: {response.text[:200]}")

    async def _post(self, path: str, body: Any = None) -> httpx.Response:
        return await self._request("POST", path, json=body)  # again while it cannot answer

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await retrying.request(
                self.client, method, path, retries=self.progress.retries, retry=self.retry,
                **kwargs,
            )  # fmt: skip
        except PersistentFailure as exc:
            raise DriveError(f"the server stopped answering: {exc}") from exc

    async def send(self, event: Event) -> bool:
        """Post one event stamped with the time it is sent; whether the server applied it."""
        body = event.model_copy(update={"occurred_at": _now()}).model_dump(mode="json")
        response = await self._post("/v1/events", body)
        if response.status_code == 200:
            self.progress.events += 1
            return True
        self.progress.failed += 1
        if len(self.progress.errors) < 20:
            self.progress.errors.append(f"{response.status_code}: {response.text[:200]}")
        return False

    # -- agents ----------------------------------------------------------------------------------

    async def agent(self, agent_id: str) -> None:
        """One agent: asks for work whenever it has room, hands what it gets to the contact."""
        while True:
            # Sent again while the server cannot answer, with the same key: an ask whose answer
            # was lost gets the contact it gave (docs/setup.md), never a second one.
            key = {"Idempotency-Key": f"demo-{uuid.uuid4()}"}
            response = await self._request("POST", f"/v1/agents/{agent_id}/next", headers=key)
            decision = response.json().get("decision") if response.status_code == 200 else None
            if decision is None:  # nothing waiting it can take, or it is full (409)
                await asyncio.sleep(POLL_S)
                continue
            interaction_id = decision["interaction_id"]
            if decision.get("moment_of_truth"):
                self.progress.moments += 1
                self.progress.moments_certified += agent_id in CERTIFIED
            waiter = self._routed.get(interaction_id)
            if waiter is not None:
                if not waiter.done():
                    waiter.set_result(agent_id)
            elif interaction_id.startswith("sim-"):
                # Left open by an earlier run that was stopped: close it so the agent is free.
                await self._close_stale(interaction_id)
            else:
                # A contact from a webhook (chat, email, SMS, social) or an escalated callback:
                # the demo's agent answers it and closes it after a while.
                task = asyncio.create_task(self._serve_outside(agent_id, interaction_id))
                self._outside.add(task)
                task.add_done_callback(self._outside.discard)

    async def _serve_outside(self, agent_id: str, interaction_id: str) -> None:
        self.progress.outside += 1
        reply = Utterance(
            event_id=f"{interaction_id}-{agent_id}-demo-reply",
            interaction_id=interaction_id,
            occurred_at=_now(),
            speaker="agent",
            agent_id=agent_id,
            text="Thank you for getting in touch. I have your message and I'm on it now.",
        )
        if not await self.send(reply):
            return
        await self._pause(OUTSIDE_HANDLE_S)
        await self.send(
            InteractionEnded(
                event_id=f"{interaction_id}-demo-handled",
                interaction_id=interaction_id,
                occurred_at=_now(),
                outcome=Outcome(resolved=True, disposition="answered by the demo agent"),
            )
        )

    async def _close_stale(self, interaction_id: str) -> None:
        self.progress.stale_closed += 1
        await self.send(
            InteractionEnded(
                event_id=f"{interaction_id}-demo-closed",
                interaction_id=interaction_id,
                occurred_at=_now(),
                outcome=Outcome(resolved=False, disposition="closed by the demo"),
            )
        )

    # -- customers -------------------------------------------------------------------------------

    async def _pause(self, seconds: float) -> None:
        await asyncio.sleep(min(seconds / SPEED, MAX_GAP_S) / self.pace)

    async def _wait_for_agent(self, contact: SimulatedContact) -> str | None:
        """The agent routing gives this contact, or None when the customer hangs up first."""
        waiter = self._routed.get(contact.interaction_id)
        if waiter is None:  # pragma: no cover - every contact registers before it can be routed
            return None
        if waiter.done():
            return waiter.result()
        self.progress.waiting += 1
        try:
            patience = PATIENCE_S[contact.channel] / self.pace
            return await asyncio.wait_for(asyncio.shield(waiter), timeout=patience)
        except TimeoutError:
            self._routed.pop(contact.interaction_id, None)
            return None
        finally:
            self.progress.waiting -= 1

    def _expect_routing(self, interaction_id: str) -> None:
        self._routed[interaction_id] = asyncio.get_running_loop().create_future()

    async def customer(self, contact: SimulatedContact) -> None:
        """One contact: its opening, the wait for an agent, then the talk with that agent."""
        self.progress.started += 1
        self._expect_routing(contact.interaction_id)
        agent: str | None = None
        queue: str | None = None
        previous = contact.started_at
        for event in contact.events:
            await self._pause((event.occurred_at - previous).total_seconds())
            previous = event.occurred_at
            if isinstance(event, InteractionStarted):
                # The contact joins its queue once it has said what it is about, as after an IVR
                # or a bot: routing then sees the assessment of the customer's own words.
                queue, event = event.queue, event.model_copy(update={"queue": None})
            elif isinstance(event, Utterance) and event.speaker == "agent":
                # Placed and routed on its start already (the queue mapping): a handover now
                # would take it from the agent who has it.
                routed = self._routed.get(contact.interaction_id)
                if queue is not None and routed is not None and routed.done():
                    queue = None
                if queue is not None:
                    handover = Transfer(
                        event_id=f"{contact.interaction_id}-queued",
                        interaction_id=contact.interaction_id,
                        occurred_at=_now(),
                        to_queue=queue,
                        reason="handed over to the queue",
                    )
                    queue = None
                    if not await self.send(handover):
                        self._routed.pop(contact.interaction_id, None)
                        return
                if agent is None:
                    agent = await self._wait_for_agent(contact)
                    if agent is None:
                        await self._abandon(contact)
                        return
                    self.progress.routed += 1
                event = event.model_copy(update={"agent_id": agent})
            elif isinstance(event, Transfer):
                # A specialist queue: routing, not the script, picks the next agent.
                event = event.model_copy(update={"to_agent": None})
                self._expect_routing(contact.interaction_id)
                agent = None
            if not await self.send(event):
                self._routed.pop(contact.interaction_id, None)
                return
            if isinstance(event, InteractionEnded):
                self.progress.finished += 1
        self._routed.pop(contact.interaction_id, None)

    async def _abandon(self, contact: SimulatedContact) -> None:
        self.progress.abandoned += 1
        await self.send(
            InteractionEnded(
                event_id=f"{contact.interaction_id}-abandoned",
                interaction_id=contact.interaction_id,
                occurred_at=_now(),
                outcome=Outcome(resolved=False, disposition="abandoned"),
            )
        )

    # -- the whole floor -------------------------------------------------------------------------

    async def run(self, *, max_contacts: int | None = None) -> None:
        """Set up, then run agents and arriving customers until ``max_contacts`` have finished."""
        await self.setup()
        agents = [asyncio.create_task(self.agent(a[0])) for a in AGENTS]
        customers: set[asyncio.Task[None]] = set()
        try:
            rng, scenario = random.Random(self.seed), Scenario()
            at, number = _now(), 0
            while max_contacts is None or number < max_contacts:
                # The first customer is there as the floor opens; the next when the model says.
                if number:
                    at = self.arrivals.next_after(at, rng)
                    await asyncio.sleep(max(0.0, (at - _now()).total_seconds()))
                contact = simulated_contact(
                    rng, number=number, started_at=at, scenario=scenario,
                    run_id=f"sim-{self.run_id}",
                )  # fmt: skip
                number += 1
                task = asyncio.create_task(self.customer(contact))
                customers.add(task)
                task.add_done_callback(customers.discard)
                for done in [t for t in agents if t.done()]:
                    done.result()  # an agent that failed stops the demo with its error
            if customers:
                await asyncio.gather(*customers)
        finally:
            outside = list(self._outside)
            for task in [*agents, *customers, *outside]:
                task.cancel()
            await asyncio.gather(*agents, *customers, *outside, return_exceptions=True)
