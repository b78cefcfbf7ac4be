"""Plans from the database: history read back, staffing per interval, certified agents for MoT."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from tests.planning import synthetic

from kairos.db import Database
from kairos.planning.forecast import ContactRecord
from kairos.planning.service import (
    NoHistory,
    PlanOptions,
    build_plan,
    get_history,
    get_plan,
)

MONDAY = date(2026, 10, 5)
LATER = date(2027, 6, 1)  # "today": the whole synthetic history is complete


def test_plan_from_the_database_reads_history_and_staffs_every_interval(
    migrated_url: str,
) -> None:
    records = synthetic.history(start=MONDAY, days=21, per_day=300, seed=11)
    synthetic.seed(migrated_url, records)
    db = Database(migrated_url)
    try:
        with db.session() as session:
            stored = get_history(session=session)
            plan = get_plan(
                session=session,
                options=PlanOptions(),
                now=datetime(2027, 6, 1, tzinfo=UTC),
            )
    finally:
        db.dispose()
    assert len(stored) == len(records)
    assert sum(r.moment_of_truth for r in stored) == sum(r.moment_of_truth for r in records)
    assert all(r.handle_seconds and r.handle_seconds > 0 for r in stored)
    assert plan.day == MONDAY + timedelta(days=21)  # the day after the newest history
    assert plan.history_contacts == len(records)
    assert len(plan.intervals) == 48
    assert plan.backtest is not None and plan.backtest.wape < plan.backtest.naive_wape
    busy = [i for i in plan.intervals if i.contacts > 5]
    assert busy
    for interval in busy:
        assert 0 < interval.agents_erlang_a <= interval.agents_erlang_c
        assert interval.certified_agents > 0
        assert {c.channel for c in interval.channels if c.contacts} == {"call", "chat"}
    quiet = plan.intervals[0]
    assert quiet.contacts == 0 and quiet.agents_erlang_c == 0
    assert set(plan.cells) == set(synthetic.CUBES)
    # Complex cells take longer in the history, and the plan knows it.
    handle = plan.handle_seconds["call"]
    assert (
        handle["emotion:low urgency:low complexity:high"]
        > 1.5 * handle["emotion:low urgency:low complexity:low"]
    )


def test_more_moments_of_truth_need_more_certified_agents() -> None:
    few = synthetic.history(start=MONDAY, days=21, per_day=300, seed=12, mot_scale=0.5)
    many = synthetic.history(start=MONDAY, days=21, per_day=300, seed=12, mot_scale=1.4)
    plans = [build_plan(r, options=PlanOptions(), today=LATER) for r in (few, many)]
    assert plans[1].mot_contacts > 2 * plans[0].mot_contacts
    assert plans[1].agent_hours("certified_agents") > plans[0].agent_hours("certified_agents")
    # The same contacts arrive, so the whole pool stays the same.
    assert plans[1].contacts == pytest.approx(plans[0].contacts)
    assert plans[1].agent_hours("agents_erlang_c") == plans[0].agent_hours("agents_erlang_c")


def test_a_tighter_mot_target_needs_more_certified_agents() -> None:
    records = synthetic.history(start=MONDAY, days=14, per_day=300, seed=13)
    base = build_plan(records, options=PlanOptions(), today=LATER)
    options = PlanOptions()
    tight = replace(options, mot_target=replace(options.mot_target, service_level=0.98))
    assert build_plan(records, options=tight, today=LATER).agent_hours(
        "certified_agents"
    ) > base.agent_hours("certified_agents")


def test_today_is_incomplete_and_never_history() -> None:
    records = synthetic.history(start=MONDAY, days=14, per_day=300, seed=14)
    today = MONDAY + timedelta(days=14)
    partial = [
        ContactRecord(datetime(2026, 10, 19, 8, 5, tzinfo=UTC), "call", synthetic.CUBES[0], True)
    ]
    with_today = build_plan(records + partial, options=PlanOptions(), today=today)
    without = build_plan(records, options=PlanOptions(), today=today)
    assert with_today.day == today + timedelta(days=1)
    assert with_today.history_contacts == without.history_contacts
    # Tuesday is planned from the Tuesdays of history, not from this morning's one contact.
    assert with_today.contacts > 100


def test_no_history_is_an_error_that_says_so(migrated_url: str) -> None:
    with pytest.raises(NoHistory, match="no interactions"):
        build_plan([], options=PlanOptions(), today=LATER)
    records = synthetic.history(start=MONDAY, days=7, per_day=50, seed=15)
    with pytest.raises(NoHistory, match="6 weeks before 2027-03-01"):
        build_plan(records, options=PlanOptions(day=date(2027, 3, 1)), today=LATER)
    db = Database(migrated_url)
    try:
        with db.session() as session, pytest.raises(NoHistory):
            get_plan(session=session, options=PlanOptions())
    finally:
        db.dispose()


def test_the_plan_is_json() -> None:
    records = synthetic.history(start=MONDAY, days=14, per_day=100, seed=16)
    plan = build_plan(records, options=PlanOptions(interval_minutes=60), today=LATER)
    data = plan.model_dump(mode="json")
    assert len(data["intervals"]) == 24
    assert data["target"]["service_level"] == 0.8
    assert data["intervals"][10]["channels"][0]["erlang_a"]["model"] == "erlang_a"
    assert data["backtest"]["wape"] > 0
