"""Plans from stored history: read interactions (read only), forecast, staff."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kairos.detection.assessment import cube_cell
from kairos.events import CHANNELS
from kairos.interactions.contacts import took_place
from kairos.interactions.models import Interaction
from kairos.planning import forecast as fc
from kairos.planning.pools import DEFAULT_TARGETS, channel_intervals
from kairos.planning.schemas import ChannelInterval, Plan, PlanInterval
from kairos.planning.staffing import MOT_TARGET, ServiceTarget
from kairos.routing.models import Assignment
from kairos.routing.policies import MOT_THRESHOLD

#: The 8 cells of the Customer Interaction Cube, in a fixed order for tables and charts.
CUBE_CELLS: tuple[str, ...] = tuple(
    cube_cell(e, u, c) for e, u, c in itertools.product((1.0, 0.0), repeat=3)
)

#: A handle time longer than this is a contact left open, not one being handled.
MAX_HANDLE_SECONDS = 4 * 3600.0


class NoHistory(Exception):
    """There are no interactions to plan from."""


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """What to plan and against which targets: each channel's in ``targets``, else ``target``."""

    day: date | None = None
    interval_minutes: int = 30
    target: ServiceTarget = field(default_factory=ServiceTarget)
    targets: Mapping[str, ServiceTarget] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    mot_target: ServiceTarget = MOT_TARGET
    patience_seconds: float = 180.0
    timezone: str = "UTC"
    mot_threshold: float = MOT_THRESHOLD
    alpha: float = 0.4
    weeks: int = 6

    def target_for(self, channel: str) -> ServiceTarget:
        """The service target ``channel`` is staffed against."""
        return self.targets.get(channel, self.target)


def get_last_started(*, session: Session) -> datetime | None:
    """When the newest stored interaction started."""
    return session.scalar(select(func.max(Interaction.started_at)))


def get_history(
    *, session: Session, since: datetime | None = None, mot_threshold: float = MOT_THRESHOLD
) -> list[fc.ContactRecord]:
    """Every interaction started at or after ``since`` as a planning record.

    Handle time runs from the first assignment to an agent to the end; an interaction never
    assigned counts from its start. Open interactions count as arrivals without a handle time.
    """
    first_assigned = (
        select(
            Assignment.interaction_id.label("interaction_id"),
            func.min(Assignment.assigned_at).label("assigned_at"),
        )
        .group_by(Assignment.interaction_id)
        .subquery()
    )
    query = select(
        Interaction.started_at,
        Interaction.ended_at,
        Interaction.channel,
        Interaction.cube,
        Interaction.mot_score,
        first_assigned.c.assigned_at,
    ).outerjoin(first_assigned, first_assigned.c.interaction_id == Interaction.id)
    query = query.where(took_place())  # a withdrawn outreach call was never made: no work
    if since is not None:
        query = query.where(Interaction.started_at >= since)
    records = []
    for started_at, ended_at, channel, cube, mot_score, assigned_at in session.execute(query):
        handle = None
        if ended_at is not None:
            if assigned_at is not None and assigned_at.tzinfo is None:
                assigned_at = assigned_at.replace(tzinfo=UTC)  # SQLite through a subquery
            seconds = (ended_at - (assigned_at or started_at)).total_seconds()
            handle = seconds if 0 < seconds <= MAX_HANDLE_SECONDS else None
        records.append(
            fc.ContactRecord(
                started_at=started_at,
                channel=channel,
                cube=cube or fc.UNASSESSED,
                moment_of_truth=mot_score is not None and mot_score >= mot_threshold,
                handle_seconds=handle,
            )
        )
    return records


def get_plan(*, session: Session, options: PlanOptions, now: datetime | None = None) -> Plan:
    """The plan for ``options.day`` (default: the day after the newest history) from the database.

    Raises :class:`NoHistory` when there is nothing to plan from.
    """
    last = get_last_started(session=session)
    if last is None:
        raise NoHistory("the database holds no interactions")
    tz = ZoneInfo(options.timezone)
    day = options.day or last.astimezone(tz).date() + timedelta(days=1)
    # Enough for the weighted weeks, the held-out backtest week and the week before it.
    since = datetime.combine(day, datetime.min.time(), tzinfo=tz) - timedelta(
        weeks=options.weeks + 2
    )
    records = get_history(session=session, since=since, mot_threshold=options.mot_threshold)
    if not records:  # a day far from the history: there is some, not where the plan reads
        raise NoHistory(
            f"no interactions in the {options.weeks} weeks before {day.isoformat()} to plan "
            f"from (the newest started on {last.astimezone(tz).date().isoformat()})"
        )
    today = (now or datetime.now(UTC)).astimezone(tz).date()
    return build_plan(records, options=options, today=today)


def _per_channel(
    volume: fc.VolumeForecast,
    channels: Sequence[str],
    cubes: Sequence[str],
    aht: dict[tuple[str, str], float],
    options: PlanOptions,
) -> dict[str, list[ChannelInterval]]:
    """Each channel's intervals, staffed as its own pool against its own target."""
    return {
        channel: channel_intervals(
            volume,
            channel,
            aht,
            cubes,
            target=options.target_for(channel),
            mot_target=options.mot_target,
            patience_seconds=options.patience_seconds,
        )
        for channel in channels
    }


def build_plan(records: Sequence[fc.ContactRecord], *, options: PlanOptions, today: date) -> Plan:
    """The plan from plain records; ``today`` (local) is incomplete and never history."""
    if not records:
        raise NoHistory("the database holds no interactions")
    tz = ZoneInfo(options.timezone)
    local_days = [r.started_at.astimezone(tz).date() for r in records]
    day = options.day or max(local_days) + timedelta(days=1)
    cut = min(day, today)
    kept = [r for r, d in zip(records, local_days, strict=True) if d < cut]
    volume = fc.forecast_day(
        kept,
        day=day,
        interval_minutes=options.interval_minutes,
        tz=tz,
        alpha=options.alpha,
        weeks=options.weeks,
    )
    if volume is None:
        raise NoHistory(
            f"no interactions in the {options.weeks} weeks before {day.isoformat()} to plan from"
        )
    last_day = max(d for d in local_days if d < cut)
    held_out = fc.backtest(
        kept,
        last_day=last_day,
        interval_minutes=options.interval_minutes,
        tz=tz,
        alpha=options.alpha,
        weeks=options.weeks,
    )
    aht = fc.handle_times(kept)
    # Every channel and every cube cell, quiet ones at zero: a WFM import wants the whole grid.
    planned = [*CHANNELS, *(c for c in volume.channels if c not in CHANNELS)]
    cubes = [*CUBE_CELLS, *(c for c in volume.cubes if c not in CUBE_CELLS)]
    per_channel = _per_channel(volume, planned, cubes, aht, options)
    intervals = []
    for i, start in enumerate(volume.starts):
        channels = [rows[i] for rows in per_channel.values()]
        intervals.append(
            PlanInterval(
                start=start,
                contacts=round(sum(c.contacts for c in channels), 3),
                mot_contacts=round(sum(c.mot_contacts for c in channels), 3),
                agents_erlang_c=sum(c.erlang_c.agents for c in channels),
                agents_erlang_a=sum(c.erlang_a.agents for c in channels),
                certified_agents=sum(c.certified.agents for c in channels),
                channels=channels,
            )
        )
    handle: dict[str, dict[str, float]] = {}
    for (channel, cube), seconds in sorted(aht.items()):
        handle.setdefault(channel, {})[cube] = round(seconds, 1)
    return Plan(
        day=day,
        timezone=options.timezone,
        interval_minutes=options.interval_minutes,
        method=volume.method,
        history_first_day=min(d for d in local_days if d < cut),
        history_last_day=last_day,
        history_contacts=len(kept),
        target=options.target,
        targets={channel: options.target_for(channel) for channel in planned},
        mot_target=options.mot_target,
        patience_seconds=options.patience_seconds,
        mot_threshold=options.mot_threshold,
        intervals=intervals,
        cells={cube: [round(float(x), 3) for x in volume.total(cube=cube)] for cube in cubes},
        handle_seconds=handle,
        backtest=held_out,
    )
