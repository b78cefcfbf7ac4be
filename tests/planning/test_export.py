"""The plan's CSV on a day the clocks go back: 25 hours, each end the next start."""

from __future__ import annotations

import csv
import itertools
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from kairos.planning.export import write_csv
from kairos.planning.forecast import ContactRecord
from kairos.planning.service import PlanOptions, build_plan


def test_a_fall_back_day_exports_25_hours_each_ending_where_the_next_starts(
    tmp_path: Path,
) -> None:
    records, at = [], datetime(2026, 9, 20, tzinfo=UTC)
    while at < datetime(2026, 11, 1, 4, tzinfo=UTC):
        records.append(ContactRecord(at, "call", "c", False, 240.0))
        at += timedelta(minutes=10)
    options = PlanOptions(day=date(2026, 11, 1), interval_minutes=60, timezone="America/New_York")
    plan = build_plan(records, options=options, today=date(2026, 12, 1))
    path = tmp_path / "plan.csv"
    write_csv(plan, path)
    with path.open(newline="", encoding="utf-8") as handle:
        every = list(csv.DictReader(handle))
    # Every channel in every interval, those with no history at zero (a WFM import's grid).
    assert len(every) == 25 * 5
    assert all(float(r["contacts"]) == 0 and r["agents_erlang_c"] == "0"
               for r in every if r["channel"] != "call")  # fmt: skip
    cells = [c for c in every[0] if c.startswith("cell_")]
    assert len(cells) == 9 and "cell_high_low_high" in cells  # the 8 cells, and this history's
    assert all(float(r[c]) == 0.0 for r in every for c in cells if c != "cell_c")
    rows = [r for r in every if r["channel"] == "call"]
    assert all(float(r["cell_c"]) == float(r["contacts"]) for r in rows)
    assert len(rows) == 25
    assert [r["interval_start"] for r in rows[1:3]] == [
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:00:00-05:00",
    ]
    for row, after in itertools.pairwise(rows):
        assert row["interval_end"] == after["interval_start"]
    assert rows[-1]["interval_end"] == "2026-11-02T00:00:00-05:00"
    assert all(float(r["contacts"]) == 6.0 and int(r["agents_erlang_c"]) > 0 for r in rows)
