"""Staff per cube cell: each channel's Erlang C heads shared among its cells by workload
(contacts × the cell's handle time from history), in the plan, its CSV and the printed plan."""

from __future__ import annotations

import csv
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rich.console import Console

from kairos.cli.plan import _cells_table
from kairos.planning.export import write_csv
from kairos.planning.forecast import ContactRecord
from kairos.planning.service import PlanOptions, build_plan

ROUTINE = "emotion:low urgency:low complexity:low"
MOMENT = "emotion:high urgency:high complexity:high"
DAY = date(2026, 10, 26)  # a Monday


def _history() -> list[ContactRecord]:
    """Calls 09:00 to 17:00 for three weeks: routine ones of 120 s, as many of 600 s in the
    high-emotion, high-urgency, complex cell."""
    records = []
    for d in range(21):
        day = DAY - timedelta(days=21 - d)
        for minute in range(9 * 60, 17 * 60, 5):
            at = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minute)
            records.append(ContactRecord(at, "call", ROUTINE, False, 120.0))
            records.append(ContactRecord(at, "call", MOMENT, False, 600.0))
    return records


def test_each_cells_staff_is_its_share_of_the_channels_by_workload(tmp_path: Path) -> None:
    plan = build_plan(_history(), options=PlanOptions(day=DAY), today=date(2026, 12, 1))
    ten = plan.intervals[20].channels[0]  # 10:00, calls
    assert ten.cells[ROUTINE] == ten.cells[MOMENT] == 6.0
    handle = plan.handle_seconds["call"]  # from history, each cell shrunk a little to the mean
    assert math.isclose(handle[MOMENT], 600.0, rel_tol=0.01)
    assert math.isclose(handle[ROUTINE], 120.0, rel_tol=0.01)
    # Same contacts, five times the handle time: five times the heads, summing to the channel's.
    assert ten.erlang_c.agents > 0
    ratio = handle[MOMENT] / handle[ROUTINE]
    assert math.isclose(ten.cell_agents[MOMENT], ratio * ten.cell_agents[ROUTINE], rel_tol=1e-2)
    for interval in plan.intervals:
        for c in interval.channels:
            assert math.isclose(sum(c.cell_agents.values()), c.erlang_c.agents, abs_tol=0.01)
    hours = plan.cell_agent_hours()
    assert math.isclose(sum(hours.values()), plan.agent_hours("agents_erlang_c"), abs_tol=0.05)
    path = tmp_path / "plan.csv"
    write_csv(plan, path)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["channel"] == "call"]
    agents = [c for c in rows[0] if c.startswith("agents_cell_")]
    assert "agents_cell_high_high_high" in agents and len(agents) == 8
    for row in rows:
        assert math.isclose(sum(float(row[c]) for c in agents), int(row["agents_erlang_c"]),
                            abs_tol=0.01)  # fmt: skip
    console = Console(record=True, width=200)
    console.print(_cells_table(plan))
    text = console.export_text()
    assert "staff per cube cell" in text and MOMENT in text and ROUTINE in text
    assert f"{hours[MOMENT]:.1f} h" in text and "83%" in text
