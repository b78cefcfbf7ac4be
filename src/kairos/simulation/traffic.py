"""Simulated contacts as Kairos events, for the demo and for load tests.

Every contact is drawn from a seeded ``random.Random``: its channel and cube cell (from a
:class:`~kairos.simulation.scenario.Scenario`'s mixes), a script for that cell
(:mod:`kairos.simulation.scripts`), the customer's identities and timezone, the IVR steps on a call,
the turns, sometimes a transfer, the end with its outcome and sometimes a survey answer. The same
seed and start give the same events, ids included.

    for event in traffic(seed=7, start=datetime.now(UTC), contacts=100):
        post(event)  # already in occurred_at order across contacts
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kairos.events import (
    CHANNELS,
    Channel,
    Event,
    Identity,
    InteractionEnded,
    InteractionStarted,
    IvrInput,
    IvrSelection,
    Outcome,
    SurveyResponse,
    Transfer,
    Utterance,
)
from kairos.simulation.scenario import CELLS, Scenario
from kairos.simulation.scripts import BY_CELL, Script

#: Where a stream starts when no start is given (a fixed instant keeps a seed reproducible).
TRAFFIC_EPOCH = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TIMEZONES: tuple[str, ...] = (
    "America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London",
    "Europe/Madrid",
)  # fmt: skip
#: Seconds between two turns of one contact, per channel (low, high).
TURN_GAP_S: dict[Channel, tuple[float, float]] = {
    "call": (8.0, 35.0), "chat": (15.0, 90.0), "sms": (30.0, 300.0), "social": (60.0, 600.0),
    "email": (1800.0, 7200.0),
}  # fmt: skip
IVR_OPTIONS: dict[str, str] = {"billing": "1", "accounts": "2", "technical": "3", "travel": "4",
                               "claims": "5"}  # fmt: skip
_NUMBER_WORDS = {40: "forty minutes", 45: "forty-five minutes", 50: "fifty minutes",
                 30: "half an hour", 60: "an hour", 90: "an hour and a half"}  # fmt: skip
#: Customers in the pool; with a few thousand, some call again and their identities repeat.
CUSTOMER_POOL = 5000


@dataclass(frozen=True, slots=True)
class SimulatedContact:
    """One contact: what it is (channel, cell, script) and its events in order."""

    interaction_id: str
    channel: Channel
    cell: str
    script: Script
    customer: int
    started_at: datetime
    resolved: bool
    events: tuple[Event, ...]


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:  # pragma: no cover - only without the system tz database
        return None


def _clock(at: datetime, timezone: str) -> str:
    """The customer's local time, as they would say it: "7:30 pm"."""
    zone = _zone(timezone)
    local = at.astimezone(zone) if zone else at
    # Round up to the quarter hour: people name appointments at :00, :15, :30, :45.
    minutes = (15 - local.minute % 15) % 15
    local = (local + timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour} {suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d} {suffix}"


def _fill(text: str, script: Script, started: datetime, timezone: str) -> str:
    if script.deadline_minutes is None:
        return text
    deadline = started + timedelta(minutes=script.deadline_minutes)
    minutes = _NUMBER_WORDS.get(script.deadline_minutes, f"{script.deadline_minutes} minutes")
    return text.replace("{deadline}", _clock(deadline, timezone)).replace("{minutes}", minutes)


def _identities(channel: Channel, customer: int, rng: random.Random) -> list[Identity]:
    # 555-0100 to 555-0199 are reserved for fiction; the pool repeats them across customers.
    phone = f"+1202555{100 + customer % 100:04d}"
    by_channel: dict[Channel, Identity] = {
        "call": Identity(kind="phone", value=phone),
        "sms": Identity(kind="phone", value=phone),
        "email": Identity(kind="email", value=f"customer{customer:05d}@example.com"),
        "chat": Identity(kind="chat", value=f"visitor-{customer:05d}"),
        "social": Identity(kind="social", value=f"@customer{customer:05d}"),
    }
    identities = [by_channel[channel]]
    if rng.random() < 0.5:
        identities.append(Identity(kind="account", value=f"AC{customer:08d}"))
    return identities


@dataclass
class _Thread:
    """The events of one simulated contact as they are written, and the clock."""

    interaction_id: str
    at: datetime
    events: list[Event] = field(default_factory=list)

    def next_id(self) -> str:
        return f"{self.interaction_id}-e{len(self.events):02d}"


def simulated_contact(
    rng: random.Random,
    *,
    number: int,
    started_at: datetime,
    scenario: Scenario,
    run_id: str = "sim",
) -> SimulatedContact:
    """One contact drawn from ``rng``: channel and cell from the scenario's mixes, a script."""
    channel: Channel = rng.choices(CHANNELS, weights=scenario.channel_mix)[0]
    weights = [
        w if BY_CELL.get(cell) else 0.0
        for cell, w in zip(CELLS, scenario.cell_weights(), strict=True)
    ]
    cell = rng.choices(CELLS, weights=weights)[0]
    script = rng.choice(BY_CELL[cell])
    customer = rng.randrange(CUSTOMER_POOL)
    timezone = rng.choice(TIMEZONES)
    interaction_id = f"{run_id}-c{number:07d}"
    agent_id = f"agent-{rng.randrange(1, 301):03d}"
    resolved = rng.random() < script.resolution
    thread = _Thread(interaction_id=interaction_id, at=started_at)
    thread.events.append(
        InteractionStarted(
            event_id=thread.next_id(), interaction_id=interaction_id, occurred_at=thread.at,
            channel=channel, identities=_identities(channel, customer, rng), reason=script.reason,
            queue=f"{channel}-{script.skill}", language="en", timezone=timezone,
            subject=(script.subject or script.reason.capitalize()) if channel == "email" else None,
        )
    )  # fmt: skip
    _opening(thread, channel, script, customer, rng)
    _conversation(thread, channel, script, started_at, timezone, agent_id, rng)
    _closing(thread, channel, script, resolved, rng)
    return SimulatedContact(
        interaction_id=interaction_id, channel=channel, cell=cell, script=script,
        customer=customer, started_at=started_at, resolved=resolved, events=tuple(thread.events),
    )  # fmt: skip


def _opening(
    thread: _Thread, channel: Channel, script: Script, customer: int, rng: random.Random
) -> None:
    """The IVR steps of a call, the bot's greeting in a chat."""
    if channel == "call":
        thread.at += timedelta(seconds=rng.uniform(6, 15))
        thread.events.append(
            IvrSelection(
                event_id=thread.next_id(), interaction_id=thread.interaction_id,
                occurred_at=thread.at, menu="main", option=IVR_OPTIONS[script.skill],
                label=script.skill,
            )
        )  # fmt: skip
        thread.at += timedelta(seconds=rng.uniform(8, 20))
        thread.events.append(
            IvrInput(
                event_id=thread.next_id(), interaction_id=thread.interaction_id,
                occurred_at=thread.at, name="account_number", value=f"AC{customer:08d}",
                verified=rng.random() < 0.9,
            )
        )  # fmt: skip
    elif channel == "chat":
        thread.events.append(
            Utterance(
                event_id=thread.next_id(), interaction_id=thread.interaction_id,
                occurred_at=thread.at, speaker="bot",
                text="Hi! You're chatting with our virtual assistant. What can I help with?",
            )
        )  # fmt: skip


def _conversation(
    thread: _Thread,
    channel: Channel,
    script: Script,
    started_at: datetime,
    timezone: str,
    agent_id: str,
    rng: random.Random,
) -> None:
    """The customer's and the agent's turns, with a transfer to a specialist now and then."""
    low, high = TURN_GAP_S[channel]
    transfer_after = 0 if script.cell.endswith("complexity:high") and rng.random() < 0.3 else -1
    for turn, text in enumerate(script.customer):
        thread.at += timedelta(seconds=rng.uniform(low, high))
        thread.events.append(
            Utterance(
                event_id=thread.next_id(), interaction_id=thread.interaction_id,
                occurred_at=thread.at, speaker="customer",
                text=_fill(text, script, started_at, timezone),
            )
        )  # fmt: skip
        if turn < len(script.agent):
            thread.at += timedelta(seconds=rng.uniform(low, high))
            thread.events.append(
                Utterance(
                    event_id=thread.next_id(), interaction_id=thread.interaction_id,
                    occurred_at=thread.at, speaker="agent", text=script.agent[turn],
                    agent_id=agent_id,
                )
            )  # fmt: skip
        if turn == transfer_after:
            thread.at += timedelta(seconds=rng.uniform(5, 30))
            agent_id = f"agent-{rng.randrange(301, 341):03d}"
            thread.events.append(
                Transfer(
                    event_id=thread.next_id(), interaction_id=thread.interaction_id,
                    occurred_at=thread.at, to_queue=f"{channel}-{script.skill}-specialist",
                    to_agent=agent_id, reason="needs a specialist",
                )
            )  # fmt: skip


def _closing(
    thread: _Thread, channel: Channel, script: Script, resolved: bool, rng: random.Random
) -> None:
    """The end, with its outcome, and a survey answer for about a third of contacts."""
    low, high = TURN_GAP_S[channel]
    thread.at += timedelta(seconds=rng.uniform(low, high))
    thread.events.append(
        InteractionEnded(
            event_id=thread.next_id(), interaction_id=thread.interaction_id,
            occurred_at=thread.at,
            outcome=Outcome(
                resolved=resolved, disposition=script.reason, customer_confirmed=resolved
            ),
        )
    )  # fmt: skip
    if rng.random() < 0.3:
        thread.at += timedelta(seconds=rng.uniform(60, 900))
        csat = rng.choice((4, 5, 5)) if resolved else rng.choice((1, 2, 2, 3))
        thread.events.append(
            SurveyResponse(
                event_id=thread.next_id(), interaction_id=thread.interaction_id,
                occurred_at=thread.at, csat=csat, nps=min(10, 2 * csat + rng.randrange(0, 2)),
            )
        )  # fmt: skip


def contacts(
    *,
    seed: int = 0,
    start: datetime | None = None,
    count: int | None = None,
    mean_gap_seconds: float = 20.0,
    scenario: Scenario | None = None,
    run_id: str = "sim",
) -> Iterator[SimulatedContact]:
    """Simulated contacts starting a Poisson process apart (``count`` of them, or without end)."""
    if start is not None and start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    rng = random.Random(seed)
    scenario = scenario or Scenario()
    at = start or TRAFFIC_EPOCH
    number = 0
    while count is None or number < count:
        yield simulated_contact(rng, number=number, started_at=at, scenario=scenario, run_id=run_id)
        number += 1
        at += timedelta(seconds=rng.expovariate(1.0 / mean_gap_seconds))


def traffic(
    *,
    seed: int = 0,
    start: datetime | None = None,
    contacts_count: int | None = None,
    mean_gap_seconds: float = 20.0,
    scenario: Scenario | None = None,
    run_id: str = "sim",
) -> Iterator[Event]:
    """The events of simulated contacts, merged in ``occurred_at`` order (endless when no count)."""
    source = contacts(
        seed=seed, start=start, count=contacts_count, mean_gap_seconds=mean_gap_seconds,
        scenario=scenario, run_id=run_id,
    )  # fmt: skip
    pending: list[tuple[datetime, int, int, Event]] = []
    upcoming = next(source, None)
    sequence = 0
    while pending or upcoming is not None:
        # Bring in every contact that starts before the earliest pending event.
        while upcoming is not None and (not pending or upcoming.started_at <= pending[0][0]):
            for k, event in enumerate(upcoming.events):
                heapq.heappush(pending, (event.occurred_at, sequence, k, event))
            sequence += 1
            upcoming = next(source, None)
        _, _, _, event = heapq.heappop(pending)
        yield event
