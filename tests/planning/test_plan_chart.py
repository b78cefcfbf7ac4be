"""The plan's chart in a real browser on a day the clocks go back: 25 hours, 25 bars apart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from tests.web.browser import CHROMIUM, chromium

from kairos.planning.chart import write_chart
from kairos.planning.forecast import ContactRecord
from kairos.planning.service import PlanOptions, build_plan

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_a_fall_back_day_draws_both_one_oclock_intervals_apart(
    browser: Browser, tmp_path: Path
) -> None:
    records, at = [], datetime(2026, 9, 20, tzinfo=UTC)
    while at < datetime(2026, 11, 1, 4, tzinfo=UTC):
        records.append(ContactRecord(at, "call", "emotion:low urgency:low complexity:low", False,
                                     240.0))  # fmt: skip
        at += timedelta(minutes=10)
    options = PlanOptions(day=date(2026, 11, 1), interval_minutes=60, timezone="America/New_York")
    plan = build_plan(records, options=options, today=date(2026, 12, 1))
    assert len(plan.intervals) == 25
    path = tmp_path / "plan.html"
    write_chart(plan, path)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(path.as_uri())
    page.wait_for_selector(".barlayer .point path", state="attached")
    # Where each bar of the busy cell is drawn, left to right, in screen pixels.
    lefts = page.evaluate(
        "() => [...document.querySelectorAll('.barlayer .trace')].map(t => "
        "[...t.querySelectorAll('.point path')].map(p => p.getBoundingClientRect())"
        ".filter(r => r.height > 0).map(r => Math.round(r.left)))"
        ".find(xs => xs.length > 0)"
    )
    assert len(lefts) == 25
    assert len(set(lefts)) == 25, sorted(lefts)  # no bar drawn on top of another
    labels = page.evaluate("() => document.querySelector('.js-plotly-plot').data[0].x")
    assert labels[1:3] == ["01:00 EDT", "01:00 EST"]
    page.close()


def test_the_legend_lists_only_the_cube_cells_with_contacts_in_the_plan(
    browser: Browser, tmp_path: Path
) -> None:
    # Two of the eight cube cells have history; the plan keeps all eight (the CSV's fixed grid).
    busy = ("emotion:low urgency:low complexity:low", "emotion:high urgency:high complexity:low")
    records, at, n = [], datetime(2026, 10, 1, tzinfo=UTC), 0
    while at < datetime(2026, 11, 1, tzinfo=UTC):
        records.append(ContactRecord(at, "chat", busy[n % 2], False, 240.0))
        at, n = at + timedelta(minutes=20), n + 1
    options = PlanOptions(day=date(2026, 11, 2), interval_minutes=60, timezone="UTC")
    plan = build_plan(records, options=options, today=date(2026, 12, 1))
    assert len(plan.cells) == 8 and sum(1 for v in plan.cells.values() if any(v)) == 2
    path = tmp_path / "plan.html"
    write_chart(plan, path)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(path.as_uri())
    page.wait_for_selector(".legend .traces", state="attached")
    legend = page.evaluate(
        "() => [...document.querySelectorAll('.legend .traces .legendtext')]"
        ".map(t => t.textContent)"
    )
    page.close()
    assert set(legend) == {*busy, "moments of truth", "Erlang C",
                           f"Erlang A (patience {plan.patience_seconds:g} s)",
                           "MoT-certified"}, legend  # fmt: skip
