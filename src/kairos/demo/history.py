"""Weeks of simulated history for the demo, so that ``kairos plan``, ``kairos report`` and the
missed moments have something to say from the first minute.

The contacts are the live floor's: the same arrival model (:mod:`kairos.demo.arrivals`, a working
day in the centre's zone, quiet nights and weekends) laid over the past ``days`` days, the same
generator for their channel, cube cell and words (:mod:`kairos.simulation.traffic`), the same pauses
between their events (:func:`live_paced`); so ``kairos plan`` forecasts the floor the demo runs.
They go in through ``POST /v1/events`` in
batches like any event source's: the server assesses, stores and reviews them. None of them is
routed (routing happens live): the history's moments of truth end won or missed, never lost.
Each contact goes in whole, in one request (one transaction), from its start to its end: a
contact cut between two requests was, between them, an open contact days old on the live floor
(the wallboard showed it waiting "166 h"), and the idle sweep could end it as timed out before
its own end came.
The contacts are the demo's own agents' (:data:`kairos.demo.live.AGENTS`, each contact taken by
one who serves its channel and, where one does, its skill): the demo's supervisor looks after
those agents' team, so the missed moments, scorecards and reports they open show the history
(attributed to the generator's ``agent-001`` ... ``agent-340``, it was no team's: the demo's
supervisor saw 5 missed moments in a week where an admin saw 2,221).
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx

from kairos.demo import retry as retrying
from kairos.demo.arrivals import Arrivals
from kairos.demo.live import AGENTS, MAX_GAP_S, SPEED
from kairos.demo.retry import PersistentFailure, Retries, Retry
from kairos.events import Event, InteractionStarted
from kairos.simulation.scenario import Scenario
from kairos.simulation.traffic import simulated_contact

#: Events per request: one transaction each, short enough not to hold the live traffic up long.
BATCH = 100


class HistoryError(RuntimeError):
    """The server refused the history."""


def live_paced(events: tuple[Event, ...], *, pace: float = 1.0) -> list[Event]:
    """A contact's events re-timed as the live floor plays them: each pause ``SPEED`` times
    shorter, none over ``MAX_GAP_S``, at ``pace``; so its handle time is the live floor's."""
    out = [events[0]]
    at = events[0].occurred_at
    for before, event in itertools.pairwise(events):
        gap = (event.occurred_at - before.occurred_at).total_seconds()
        at += timedelta(seconds=min(gap / SPEED, MAX_GAP_S) / pace)
        out.append(event.model_copy(update={"occurred_at": at}))
    return out


def _serving(channel: str, skill: str) -> list[str]:
    """The demo's agents who take ``channel``, those with ``skill`` when there are some."""
    on_channel = [a for a in AGENTS if channel in a[3]]
    skilled = [a[0] for a in on_channel if skill in a[2]]
    return skilled or [a[0] for a in on_channel]


def on_the_floor(events: list[Event]) -> list[Event]:
    """A contact's events with its agents (the generator's ``agent-NNN``) made the demo's own:
    each one a demo agent who serves the contact's channel and queue's skill, a different one
    for each agent of the contact while there are enough (a transfer goes to someone else)."""
    start = events[0]
    if not isinstance(start, InteractionStarted):
        return events
    skill = (start.queue or "").removeprefix(f"{start.channel}-")
    serving = _serving(start.channel, skill)
    given: dict[str, str] = {}

    def demo_agent(agent_id: str) -> str:
        if agent_id not in given:
            number = int(agent_id.rsplit("-", 1)[-1]) if agent_id[-1:].isdigit() else 0
            free = [a for a in serving if a not in given.values()] or serving
            given[agent_id] = free[number % len(free)]
        return given[agent_id]

    out: list[Event] = []
    for event in events:
        update = {
            name: demo_agent(value)
            for name in ("agent_id", "to_agent")
            if isinstance(value := getattr(event, name, None), str)
        }
        out.append(event.model_copy(update=update) if update else event)
    return out


def history_events(
    *,
    today: date,
    days: int,
    per_day: float,
    tz: ZoneInfo,
    seed: int,
    run_id: str,
    pace: float = 1.0,
) -> tuple[int, list[Event]]:
    """How many contacts, and their events, none after the end of yesterday: contact by contact
    in the order they started, each one's events in time order and together.

    The arrivals are the live floor's (:class:`~kairos.demo.arrivals.Arrivals` at ``per_day``
    times ``pace``), and so are the contacts' pauses (:func:`live_paced`).
    """
    rng = random.Random(seed)
    scenario = Scenario()
    model = Arrivals(per_day=per_day * pace, timezone=tz.key)
    first = datetime.combine(today - timedelta(days=days), time(0), tzinfo=tz).astimezone(UTC)
    limit = datetime.combine(today, time(0), tzinfo=tz).astimezone(UTC)
    events: list[Event] = []
    count = 0
    for number, started_at in enumerate(model.between(first, limit, rng)):
        contact = simulated_contact(
            rng, number=number, started_at=started_at, scenario=scenario, run_id=run_id
        )
        paced = on_the_floor(live_paced(contact.events, pace=pace))
        if paced[-1].occurred_at >= limit:  # keep the contacts that ended before today
            continue
        count += 1
        events.extend(paced)
    return count, events


def _batches(events: list[Event]) -> Iterator[list[Event]]:
    """Requests of about ``BATCH`` events, cut only where one interaction's run of events ends
    (a contact longer than ``BATCH`` goes alone)."""
    batch: list[Event] = []
    for _, run in itertools.groupby(events, key=lambda e: e.interaction_id):
        contact = list(run)
        if batch and len(batch) + len(contact) > BATCH:
            yield batch
            batch = []
        batch.extend(contact)
    if batch:
        yield batch


async def send_history(
    client: httpx.AsyncClient,
    events: list[Event],
    *,
    on_progress: Callable[[int], Awaitable[None] | None] | None = None,
    retries: Retries | None = None,
    retry: Retry = Retry(),
    timeout_s: float = 120,
) -> int:
    """Post the events in batches, in order; how many were applied. A batch that fails for a
    reason that may pass is sent again (:mod:`kairos.demo.retry`), each try given
    ``timeout_s`` to answer. Raises HistoryError."""
    sent = 0
    retries = retries if retries is not None else Retries()
    for batch in _batches(events):
        body = [e.model_dump(mode="json") for e in batch]
        try:
            response = await retrying.request(
                client,
                "POST",
                "/v1/events",
                json=body,
                timeout=timeout_s,
                retries=retries,
                retry=retry,
            )
        except PersistentFailure as exc:
            raise HistoryError(f"the server stopped answering: {exc}") from exc
        if response.status_code != 200:
            raise HistoryError(
                f"the server refused the history: {response.status_code} {response.text[:200]}"
            )
        sent += len(batch)
        if on_progress is not None:
            result = on_progress(len(batch))
            if result is not None:
                await result
    return sent


@dataclass
class HistoryProgress:
    """The history's part of the demo's status line."""

    contacts: int = 0
    days: int = 0
    total: int = 0
    sent: int = 0
    error: str | None = None
    #: Batches sent again after a slow or busy answer.
    retries: Retries = field(default_factory=Retries)

    def line(self) -> str:
        """One status line (Rich markup); empty when there is no history to seed."""
        if not self.total:
            return f"[bold]history[/] laying out {self.days} days of contacts" if self.days else ""
        if self.error:
            return f"[red]history: {self.error}[/]"
        if self.sent >= self.total:
            return f"[bold]history[/] {self.contacts} contacts over {self.days} days, seeded"
        width = 24
        done = round(width * self.sent / self.total)
        return (
            f"[bold]history[/] {self.contacts} contacts over {self.days} days "
            f"[green]{'━' * done}[/][dim]{'━' * (width - done)}[/] "
            f"{self.sent}/{self.total} events" + self.retries.note()
        )


def today_in(timezone: str) -> date:
    """Today's date in ``timezone``."""
    return datetime.now(ZoneInfo(timezone)).date()


def has_history(database_url: str, *, today: date, days: int = 7) -> bool:
    """Whether the database already holds contacts from at least ``days`` days before today
    (the demo asks for the days it would seed, at most a week: a shorter history it seeded
    before is there, and seeding it again would count every contact twice)."""
    from sqlalchemy import func, select

    from kairos.db import Database
    from kairos.interactions.models import Interaction

    db = Database(database_url)
    try:
        with db.session() as session:
            first: datetime | None = session.scalar(select(func.min(Interaction.started_at)))
    finally:
        db.dispose()
    if first is None:
        return False
    if first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    return first.date() <= today - timedelta(days=days)


async def seed(
    client: httpx.AsyncClient,
    progress: HistoryProgress,
    *,
    days: int,
    per_day: float,
    timezone: str,
    run_id: str,
    today: date | None = None,
    pace: float = 1.0,
) -> None:
    """Make and send the history, keeping ``progress`` up to date; a refusal lands in it.

    The history is laid out in a thread: at ``--per-day 4000`` it is 560,000 events, half a
    minute of CPU on an idle core, and on the event loop it held up the live floor and the
    status line for as long (over four minutes at a load of 10)."""
    tz = ZoneInfo(timezone)
    today = today or datetime.now(tz).date()
    progress.days = days
    count, events = await asyncio.to_thread(
        history_events,
        today=today, days=days, per_day=per_day, tz=tz, seed=days, run_id=run_id, pace=pace,
    )  # fmt: skip
    progress.contacts, progress.total = count, len(events)

    def advance(n: int) -> None:
        progress.sent += n

    try:
        await send_history(client, events, on_progress=advance, retries=progress.retries)
    except HistoryError as exc:
        progress.error = str(exc)
