"""The plan as CSV for a workforce-management tool: one row per interval and channel.

Every interval of the day is a row, quiet ones too (a WFM import expects the whole grid), with
its start and end as ISO 8601 with the UTC offset, so the two 01:00 intervals of a day the clocks
go back stay apart. Every channel is a row of every interval, and every cube cell a column of
every row, zeros included, then each cell's share of the row's Erlang C agents
(``agents_cell_...``, by workload; they sum to ``agents_erlang_c``). Each channel is staffed as
its own pool against its own target, so an interval's agents are the sum of its rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path

from kairos.planning.schemas import Plan

COLUMNS = (
    "interval_start",
    "interval_end",
    "channel",
    "contacts",
    "mot_contacts",
    "aht_seconds",
    "mot_aht_seconds",
    "agents_erlang_c",
    "productive_agents_erlang_c",
    "service_level_erlang_c",
    "occupancy_erlang_c",
    "agents_erlang_a",
    "productive_agents_erlang_a",
    "service_level_erlang_a",
    "abandonment_erlang_a",
    "certified_agents",
    "target_service_level",
    "target_answer_seconds",
    "concurrency",
    "backlog",
    "shrinkage",
    "max_occupancy",
)


def cell_column(cube: str) -> str:
    """The CSV column of a cube cell's contacts: ``cell_high_low_high`` (emotion, urgency,
    complexity) for ``emotion:high urgency:low complexity:high``; other cells by their name."""
    parts = [p.partition(":") for p in cube.split()]
    if [k for k, _, _ in parts] == ["emotion", "urgency", "complexity"]:
        return "cell_" + "_".join(v for _, _, v in parts)
    return f"cell_{cube}"


def columns(plan: Plan) -> tuple[str, ...]:
    """:data:`COLUMNS`, then one column per cube cell of the plan (every cell, zeros included)
    for its contacts, then one per cell for its agents."""
    cells = tuple(cell_column(cube) for cube in plan.cells)
    return COLUMNS + cells + tuple(f"agents_{name}" for name in cells)


def plan_rows(plan: Plan) -> Iterator[tuple[str | int | float, ...]]:
    """One row of :func:`columns` per interval and channel, in time order."""
    length = timedelta(minutes=plan.interval_minutes)
    for interval in plan.intervals:
        start = interval.start
        # In UTC: adding to a local time adds wall-clock time, wrong across a change of clocks.
        end = (start.astimezone(UTC) + length).astimezone(start.tzinfo)
        for c in interval.channels:
            yield (
                start.isoformat(),
                end.isoformat(),
                c.channel,
                c.contacts,
                c.mot_contacts,
                c.aht_seconds,
                c.mot_aht_seconds,
                c.erlang_c.agents,
                c.erlang_c.productive_agents,
                round(c.erlang_c.service_level, 4),
                round(c.erlang_c.occupancy, 4),
                c.erlang_a.agents,
                c.erlang_a.productive_agents,
                round(c.erlang_a.service_level, 4),
                round(c.erlang_a.abandonment, 4),
                c.certified.agents,
                plan.targets[c.channel].service_level if c.channel in plan.targets else "",
                plan.targets[c.channel].answer_seconds if c.channel in plan.targets else "",
                plan.targets[c.channel].concurrency if c.channel in plan.targets else "",
                int(plan.targets[c.channel].backlog) if c.channel in plan.targets else "",
                plan.targets[c.channel].shrinkage if c.channel in plan.targets else "",
                plan.targets[c.channel].max_occupancy if c.channel in plan.targets else "",
                *(c.cells.get(cube, 0.0) for cube in plan.cells),
                *(c.cell_agents.get(cube, 0.0) for cube in plan.cells),
            )


def write_csv(plan: Plan, path: Path) -> None:
    """Write the plan's rows under a header line to ``path`` (its folder made if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns(plan))
        writer.writerows(plan_rows(plan))
