"""Weeks of simulated history for the demo, so that ``kairos plan``, ``kairos report`` and the
missed moments have something to say from the first minute.

The contacts come from the simulator's traffic generator (:mod:`kairos.simulation.traffic`), laid
out over the past ``days`` days with a working-day shape (open 08:00-20:00 in the centre's zone,
peaks mid-morning and mid-afternoon, quiet weekends), and go in through ``POST /v1/events`` in
batches like any event source's: the server assesses, stores and reviews them. None of them is
routed (routing happens live): the history's moments of truth end won or missed, never lost.
"""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx

from kairos.events import Event
from kairos.simulation.scenario import Scenario
from kairos.simulation.traffic import simulated_contact

#: Monday first: busier Mondays, quiet weekends.
WEEKDAY = (1.25, 1.1, 1.0, 1.0, 0.95, 0.45, 0.3)
#: Events per request: one transaction each, short enough not to hold the live traffic up long.
BATCH = 100
#: Mean contacts on a weekday (Monday more, weekends far fewer): about 350 a week.
PER_DAY = 22.0


class HistoryError(RuntimeError):
    """The server refused the history."""


def _weight(hour: float) -> float:
    """Arrival weight at ``hour`` (local): open 08:00-20:00, peaks at 10:00 and 15:00."""
    if not 8 <= hour < 20:
        return 0.0
    return math.exp(-((hour - 10) ** 2) / 2) + 0.8 * math.exp(-((hour - 15) ** 2) / 3) + 0.2


def arrivals(*, today: date, days: int, per_day: float, tz: ZoneInfo, seed: int) -> list[datetime]:
    """Contact start times (UTC) over the ``days`` days before ``today``, Poisson per half hour."""
    rng = random.Random(seed)
    slots = [(h + 0.25, _weight(h + 0.25)) for h in (x / 2 for x in range(48))]
    total = sum(w for _, w in slots)
    out: list[datetime] = []
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        midnight = datetime.combine(day, time(0), tzinfo=tz)
        for hour, w in slots:
            mean = per_day * WEEKDAY[day.weekday()] * w / total
            # Poisson by counting exponential gaps within one half hour.
            at, n = rng.expovariate(1.0), 0
            while at < mean:
                n += 1
                at += rng.expovariate(1.0)
            for _ in range(n):
                offset = timedelta(hours=hour - 0.25, seconds=rng.uniform(0, 1800))
                out.append((midnight + offset).astimezone(UTC))
    return sorted(out)


def history_events(
    *, today: date, days: int, per_day: float, tz: ZoneInfo, seed: int, run_id: str
) -> tuple[int, list[Event]]:
    """How many contacts, and their events in time order, none after the end of yesterday."""
    rng = random.Random(seed)
    scenario = Scenario()
    starts = arrivals(today=today, days=days, per_day=per_day, tz=tz, seed=seed)
    limit = datetime.combine(today, time(0), tzinfo=tz).astimezone(UTC)
    events: list[Event] = []
    count = 0
    for number, started_at in enumerate(starts):
        contact = simulated_contact(
            rng, number=number, started_at=started_at, scenario=scenario, run_id=run_id
        )
        # An email thread can run for hours: keep the contacts that ended before today.
        if contact.events[-1].occurred_at >= limit:
            continue
        count += 1
        events.extend(contact.events)
    events.sort(key=lambda e: e.occurred_at)
    return count, events


def _batches(events: list[Event]) -> Iterator[list[Event]]:
    for i in range(0, len(events), BATCH):
        yield events[i : i + BATCH]


async def send_history(
    client: httpx.AsyncClient,
    events: list[Event],
    *,
    on_progress: Callable[[int], Awaitable[None] | None] | None = None,
) -> int:
    """Post the events in batches, in order; how many were applied. Raises HistoryError."""
    sent = 0
    for batch in _batches(events):
        body = [e.model_dump(mode="json") for e in batch]
        try:
            response = await client.post("/v1/events", json=body, timeout=120)
        except httpx.TransportError as exc:
            raise HistoryError(f"the server stopped answering ({type(exc).__name__})") from exc
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

    def line(self) -> str:
        """One status line (Rich markup); empty when there is no history to seed."""
        if not self.total:
            return ""
        if self.error:
            return f"[red]history: {self.error}[/]"
        if self.sent >= self.total:
            return f"[bold]history[/] {self.contacts} contacts over {self.days} days, seeded"
        width = 24
        done = round(width * self.sent / self.total)
        return (
            f"[bold]history[/] {self.contacts} contacts over {self.days} days "
            f"[green]{'━' * done}[/][dim]{'━' * (width - done)}[/] "
            f"{self.sent}/{self.total} events"
        )


def today_in(timezone: str) -> date:
    """Today's date in ``timezone``."""
    return datetime.now(ZoneInfo(timezone)).date()


def has_history(database_url: str, *, today: date, days: int = 7) -> bool:
    """Whether the database already holds contacts from at least ``days`` days before today."""
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
) -> None:
    """Make and send the history, keeping ``progress`` up to date; a refusal lands in it."""
    tz = ZoneInfo(timezone)
    today = today or datetime.now(tz).date()
    count, events = history_events(
        today=today, days=days, per_day=per_day, tz=tz, seed=days, run_id=run_id
    )
    progress.contacts, progress.days, progress.total = count, days, len(events)

    def advance(n: int) -> None:
        progress.sent += n

    try:
        await send_history(client, events, on_progress=advance)
    except HistoryError as exc:
        progress.error = str(exc)
