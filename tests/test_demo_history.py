"""The demo's history is its live floor's past: the same arrival model and rates, the same
generator's channels, the same pace; so the plan it makes forecasts the next day of that floor."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import numpy as np
from tests.servers import free_port

from kairos.demo import DEMO_QUEUE_MAP
from kairos.demo.arrivals import WEEKDAY, Arrivals, describe
from kairos.demo.history import BATCH, _batches, history_events, send_history
from kairos.demo.live import MAX_GAP_S, LiveCenter, LiveProgress
from kairos.demo.server import start_server, stop_server, wait_healthy
from kairos.demo_defaults import PER_DAY
from kairos.events import CHANNELS, Event, InteractionEnded, InteractionStarted
from kairos.planning.forecast import ContactRecord
from kairos.planning.service import PlanOptions, build_plan
from kairos.simulation.scenario import Scenario

TZ = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 30)
#: Its two days before are weekdays (a run on a Monday laid out a quiet weekend: 2,940 contacts).
WEDNESDAY = date(2026, 12, 2)


def _records(events: list[Event]) -> list[ContactRecord]:
    started = {e.interaction_id: e for e in events if isinstance(e, InteractionStarted)}
    ended = {e.interaction_id: e.occurred_at for e in events if isinstance(e, InteractionEnded)}
    return [
        ContactRecord(
            s.occurred_at,
            s.channel,
            "unassessed",
            False,
            (ended[i] - s.occurred_at).total_seconds(),
        )
        for i, s in started.items()
    ]


def test_the_history_comes_at_the_live_floors_rates_channels_and_pace() -> None:
    count, events = history_events(
        today=MONDAY, days=14, per_day=PER_DAY, tz=TZ, seed=5, run_id="h"
    )
    # As many as the model's rate over those two weeks (Poisson: within four deviations).
    expected = 2 * sum(PER_DAY * w for w in WEEKDAY)
    assert abs(count - expected) < 4 * math.sqrt(expected)
    # Half-hour by half-hour, as the live floor's model says: a Tuesday's 10:00 against 03:00.
    model = Arrivals(timezone=TZ.key)
    ten = datetime.combine(MONDAY - timedelta(days=6), time(10), tzinfo=TZ)
    starts = [e.occurred_at for e in events if isinstance(e, InteractionStarted)]
    in_slot = sum(ten <= at < ten + timedelta(minutes=30) for at in starts)
    assert abs(in_slot - model.rate(ten) * 1800) < 4 * math.sqrt(model.rate(ten) * 1800)
    # The live floor's own default is this model at its pace.
    assert LiveCenter(None, pace=2, run_id="x", progress=LiveProgress()).arrivals.rate(  # type: ignore[arg-type]
        ten
    ) == 2 * Arrivals().rate(ten)
    # Channels as the live generator mixes them.
    channels = Counter(e.channel for e in events if isinstance(e, InteractionStarted))
    mix = Scenario().channel_mix
    for channel, share in zip(CHANNELS, mix, strict=True):
        assert abs(channels[channel] / count - share / sum(mix)) < 0.02, channel
    # Paced as the live floor plays a contact: no pause longer than its longest.
    by_contact = itertools.groupby(sorted(events, key=lambda e: (e.interaction_id, e.occurred_at)),
                                   key=lambda e: e.interaction_id)  # fmt: skip
    for _, contact in by_contact:
        times = [e.occurred_at for e in contact]
        assert all(
            (b - a).total_seconds() <= MAX_GAP_S + 1e-6 for a, b in itertools.pairwise(times)
        )


def test_the_plan_from_the_history_forecasts_a_simulated_next_day() -> None:
    _, past = history_events(today=MONDAY, days=21, per_day=PER_DAY, tz=TZ, seed=21, run_id="h")
    _, nxt = history_events(
        today=MONDAY + timedelta(days=1), days=1, per_day=PER_DAY, tz=TZ, seed=99, run_id="n"
    )
    history, actual = _records(past), _records(nxt)
    options = PlanOptions(day=MONDAY, timezone=TZ.key)
    plan = build_plan(history, options=options, today=MONDAY + timedelta(days=7))
    observed = {ch: np.zeros(len(plan.intervals)) for ch in CHANNELS}
    index = {i.start.astimezone(UTC): n for n, i in enumerate(plan.intervals)}
    for r in actual:
        at = r.started_at.astimezone(TZ)
        start = at.replace(minute=at.minute - at.minute % 30, second=0, microsecond=0)
        observed[r.channel][index[start.astimezone(UTC)]] += 1
    error = sum(abs(c.contacts - observed[c.channel][n]) for n, i in enumerate(plan.intervals)
                for c in i.channels)  # fmt: skip
    total = sum(v.sum() for v in observed.values())
    assert abs(plan.contacts - total) < 0.1 * total  # the day's volume
    # Beside the best any forecast can do: the model's own rates, off by the day's Poisson noise
    # alone (a few contacts per channel and half hour). 34.6% against 29.8% when measured.
    mix = np.array(Scenario().channel_mix) / sum(Scenario().channel_mix)
    model = Arrivals(timezone=TZ.key)
    floor = sum(abs(model.rate(i.start) * 1800 * share - observed[ch][n])
                for n, i in enumerate(plan.intervals)
                for ch, share in zip(CHANNELS, mix, strict=True))  # fmt: skip
    assert error / total < 0.40
    assert error < 1.25 * floor


def test_the_demo_says_how_busy_its_floor_is_now_and_at_its_busiest() -> None:
    # A demo started on a Sunday night is quiet; it says so, beside the busiest hour's rate, in
    # the centre's clock, so nobody takes an empty wallboard for a broken one.
    arrivals = Arrivals(per_day=PER_DAY, timezone="Europe/London")
    sunday_night = datetime.combine(MONDAY - timedelta(days=1), time(23, 10), TZ)
    said = describe(arrivals, sunday_night.astimezone(UTC))
    assert "Sunday 23:10 GMT now" in said
    gap_now = 1 / arrivals.rate(sunday_night)
    assert gap_now > 20 * 60 and f"every {round(gap_now / 60)} min now" in said
    busiest = 1 / arrivals.peak()
    assert busiest < 90 and f"one every {round(busiest)} s at a Monday's 10:00" in said
    monday = describe(arrivals, datetime.combine(MONDAY, time(10, 5), TZ))
    assert "Monday 10:05 GMT now" in monday and monday.count(f"every {round(busiest)} s") == 2
    assert describe(Arrivals(steady_gap_s=0.4), sunday_night) == "one customer every 1 s on average"
    assert (
        describe(Arrivals(steady_gap_s=7200), sunday_night) == "one customer every 2 h on average"
    )


def test_the_live_floor_keeps_going_while_the_history_is_laid_out() -> None:
    """The history is laid out off the event loop: the live floor's tasks and the status line
    keep their pace meanwhile (before, they stood still until every event was made)."""
    from kairos.demo.history import HistoryProgress, seed

    progress = HistoryProgress()
    lines: list[str] = []

    async def watch() -> tuple[float, float]:
        # No server: the history is only laid out here, and the test ends before it is sent.
        async with httpx.AsyncClient(base_url="http://127.0.0.1:9") as client:
            seeding = asyncio.create_task(
                seed(
                    client,
                    progress,
                    days=2,
                    per_day=4000,
                    timezone="UTC",
                    run_id="h",
                    today=WEDNESDAY,
                )
            )
            began = last = asyncio.get_running_loop().time()
            longest = 0.0
            while not progress.total:
                await asyncio.sleep(0.02)
                now = asyncio.get_running_loop().time()
                longest, last = max(longest, now - last), now
                lines.append(progress.line())
            seeding.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await seeding
            return longest, last - began

    longest, laying_out = asyncio.run(watch())
    assert progress.contacts > 4000  # two days of a busy floor: seconds of CPU to lay out
    # On the event loop, the loop stood still the whole time (the longest pause was all of it);
    # a machine this loaded may still pause the process now and then.
    assert longest < max(0.25 * laying_out, 0.5), (longest, laying_out)
    assert "laying out 2 days of contacts" in lines[0]


def test_each_contact_of_the_history_goes_in_whole(tmp_path: Path) -> None:
    """A contact is never cut between two requests: cut, it stood between them as an open
    contact days old on the live floor (the wallboard said one was waiting "166 h") and the idle
    sweep could end it as timed out before its own end came."""
    count, events = history_events(today=WEDNESDAY, days=1, per_day=80, tz=TZ, seed=4, run_id="w")
    batches = list(_batches(events))
    assert [e for batch in batches for e in batch] == events and len(batches) > 5
    seen: set[str] = set()
    for batch in batches:
        ids = {e.interaction_id for e in batch}
        assert not ids & seen  # every event of a contact in one request
        seen |= ids
        assert len(batch) <= BATCH or len(ids) == 1
    assert len(seen) == count
    # Against a real server: after every request, no contact of the history is open.
    port = free_port()
    process = start_server("127.0.0.1", port, f"sqlite:///{tmp_path / 'k.db'}", DEMO_QUEUE_MAP)
    base_url = f"http://127.0.0.1:{port}"
    still_open: list[int] = []

    async def send() -> int:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

            async def look(_: int) -> None:
                for state in ("open", "queued", "assigned", "escalated"):
                    found = await client.get("/v1/interactions", params={"state": state})
                    still_open.append(found.json()["total"])

            return await send_history(client, events, on_progress=look)

    try:
        wait_healthy(process, base_url, 60)
        assert asyncio.run(send()) == len(events)
    finally:
        stop_server(process, "127.0.0.1", port)
    assert len(still_open) == 4 * len(batches) and not any(still_open)


def test_the_demo_supervisor_sees_the_history_on_the_floor_it_supervises(tmp_path: Path) -> None:
    """The history's contacts are the demo's own agents': the supervisor the demo prints a
    sign-in for counts its missed moments and scorecards as an admin does (attributed to the
    generator's agent-001 ... agent-340, no team's, it saw 5 missed moments of 2,221)."""
    from kairos.auth import service as auth_service
    from kairos.db import Database
    from kairos.demo.live import AGENTS
    from kairos.demo.users import create_demo_users
    from kairos.outcomes import figures

    _, events = history_events(today=WEDNESDAY, days=1, per_day=160, tz=TZ, seed=5, run_id="s")
    url = f"sqlite:///{tmp_path / 'k.db'}"
    port = free_port()
    process = start_server("127.0.0.1", port, url, DEMO_QUEUE_MAP)
    base_url = f"http://127.0.0.1:{port}"

    async def seed() -> int:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            await LiveCenter(client, pace=1, run_id="s", progress=LiveProgress()).setup()
            create_demo_users(url, with_agents=True)  # as the demo does, after its agents
            return await send_history(client, events)

    try:
        wait_healthy(process, base_url, 60)
        assert asyncio.run(seed()) == len(events)
    finally:
        stop_server(process, "127.0.0.1", port)
    since = datetime.combine(WEDNESDAY - timedelta(days=2), time(0), tzinfo=UTC)
    until = datetime.combine(WEDNESDAY, time(0), tzinfo=UTC)
    db = Database(url)
    try:
        with db.session() as session:
            user = auth_service.get_by_username(session=session, username="supervisor")
            assert user is not None
            supervisor = auth_service.principal(session=session, user=user)
            assert supervisor.team_agents == {a[0] for a in AGENTS}
            # What the missed page asks for a supervisor, and for an admin.
            agents = {*supervisor.team_agents, supervisor.username}

            def missed(among: set[str] | None) -> int:
                return figures.missed_moments(
                    session=session, since=since, until=until, agents=among
                ).total

            everyone, seen = missed(None), missed(agents)
            cards = figures.scorecards(session=session, since=since, until=until)
    finally:
        db.dispose()
    assert everyone > 20
    assert seen == everyone
    assert cards and all(supervisor.sees_agent(c.agent_id) for c in cards)
