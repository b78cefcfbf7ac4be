"""Every channel and cube cell of every interval in the plan, and each channel's own target."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta

import pytest
from tests.planning import synthetic
from typer.testing import CliRunner

from kairos import migrations
from kairos.cli import app
from kairos.config import get_settings
from kairos.planning.forecast import ContactRecord
from kairos.planning.pools import DEFAULT_TARGETS, channel_targets
from kairos.planning.service import CUBE_CELLS, PlanOptions, build_plan
from kairos.planning.staffing import ServiceTarget, backlog

CELL = "emotion:low urgency:low complexity:low"
DAY = date(2026, 10, 26)  # a Monday


def _flat(channels: dict[str, float], per_hour: int = 12, weeks: int = 3) -> list[ContactRecord]:
    """``per_hour`` contacts an hour from 09:00 to 17:00 on each channel, with its handle time."""
    records = []
    for d in range(7 * weeks):
        day = DAY - timedelta(days=7 * weeks - d)
        for hour in range(9, 17):
            for k in range(per_hour):
                at = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
                at += timedelta(minutes=60 * k / per_hour)
                for channel, seconds in channels.items():
                    records.append(ContactRecord(at, channel, CELL, False, seconds))
    return records


def test_the_plan_has_every_channel_and_cube_cell_of_every_interval_quiet_ones_at_zero() -> None:
    plan = build_plan(_flat({"call": 300.0}), options=PlanOptions(day=DAY), today=date(2026, 12, 1))
    data = json.loads(plan.model_dump_json())
    assert len(data["intervals"]) == 48
    assert set(data["cells"]) == set(CUBE_CELLS)
    assert all(len(values) == 48 for values in data["cells"].values())
    assert data["cells"]["emotion:high urgency:high complexity:high"] == [0.0] * 48
    for interval in data["intervals"]:
        assert [c["channel"] for c in interval["channels"]] == ["call", "chat", "email", "sms",
                                                                 "social"]  # fmt: skip
        for channel in interval["channels"]:
            assert set(channel["cells"]) == set(CUBE_CELLS)
            assert math.isclose(sum(channel["cells"].values()), channel["contacts"], abs_tol=1e-6)
    night, busy = data["intervals"][2], data["intervals"][20]  # 01:00 and 10:00
    assert night["contacts"] == 0 and all(c["erlang_c"]["agents"] == 0 for c in night["channels"])
    assert busy["channels"][0]["cells"][CELL] == 6.0
    assert set(data["targets"]) == {"call", "chat", "email", "sms", "social"}


def test_each_channel_is_staffed_against_its_own_target() -> None:
    records = _flat({"call": 300.0, "chat": 300.0, "email": 300.0})
    plan = build_plan(records, options=PlanOptions(day=DAY), today=date(2026, 12, 1))
    ten = {c.channel: c for c in plan.intervals[20].channels}  # 10:00: 6 contacts a half hour each
    # A chat waits 60 s, not 20, and an agent holds three: fewer agents than the same calls need.
    assert ten["chat"].contacts == ten["call"].contacts == 6.0
    assert 0 < ten["chat"].erlang_c.productive_agents < ten["call"].erlang_c.productive_agents
    # Email is a backlog answered within 24 h: each day's work is done before it falls due, by
    # whole heads where it falls due (the next morning), none where nothing is due (01:00).
    work = 8 * 12 * DEFAULT_AHT_EMAIL
    emails = [i.channels[2] for i in plan.intervals]
    assert all(c.erlang_c.model in ("backlog", "erlang_c") for c in emails)
    assert {c.erlang_c.model for c in emails if c.erlang_c.agents} == {"backlog"}
    per_head = 1800 * 0.85 * 0.7
    heads = sum(c.erlang_c.agents for c in emails)
    assert work / per_head <= heads < work / per_head + 2
    assert plan.intervals[2].channels[2].erlang_c.agents == 0  # 01:00, nothing falls due
    # A tighter chat target, one at a time, needs more chat agents.
    tight = dict(DEFAULT_TARGETS, chat=ServiceTarget(answer_seconds=20.0))
    options = PlanOptions(day=DAY, targets=tight)
    strict = build_plan(records, options=options, today=date(2026, 12, 1))
    assert strict.intervals[20].channels[1].erlang_c.agents > ten["chat"].erlang_c.agents


DEFAULT_AHT_EMAIL = 600.0  # an email's work, not its thread's open time (forecast defaults)


def test_a_backlog_window_shorter_than_the_day_follows_the_arrivals() -> None:
    work = [0.0] * 8 + [3600.0] * 4 + [0.0] * 12  # an hour of work an hour, 08:00 to 12:00
    hourly = backlog(workload_seconds=work, interval_minutes=60,
                     target=ServiceTarget(answer_seconds=7200, backlog=True, shrinkage=0.0,
                                          max_occupancy=1.0))  # fmt: skip
    # What arrives in an hour is due by the end of the next: worked then, 4 hours for 4 hours.
    assert [s.productive_agents for s in hourly[7:15]] == [0, 0, 1, 1, 1, 1, 0, 0]


def test_the_settings_set_a_channels_target_and_a_bad_one_is_refused(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrations.upgrade(sqlite_url)
    synthetic.seed(sqlite_url, synthetic.history(start=date(2026, 10, 5), days=21, seed=21))
    monkeypatch.setenv("KAIROS_DATABASE_URL", sqlite_url)

    def plan(targets: str | None) -> dict[str, object]:
        if targets is None:
            monkeypatch.delenv("KAIROS_SERVICE_TARGETS", raising=False)
        else:
            monkeypatch.setenv("KAIROS_SERVICE_TARGETS", targets)
        get_settings.cache_clear()
        result = CliRunner().invoke(app, ["plan", "--json"])
        get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        data: dict[str, object] = json.loads(result.stdout)
        return data

    def chat_hours(data: dict[str, object]) -> int:
        intervals = data["intervals"]
        assert isinstance(intervals, list)
        return sum(c["erlang_c"]["agents"] for i in intervals for c in i["channels"]
                   if c["channel"] == "chat")  # fmt: skip

    default = plan(None)
    one_at_a_time = plan('{"chat": {"concurrency": 1, "answer_seconds": 20}}')
    targets = one_at_a_time["targets"]
    assert isinstance(targets, dict)
    assert targets["chat"]["concurrency"] == 1 and targets["chat"]["answer_seconds"] == 20.0
    assert targets["call"] == default["targets"]["call"]  # type: ignore[index]
    assert chat_hours(one_at_a_time) > chat_hours(default) > 0
    assert channel_targets({"chat": {"concurrency": None}})["chat"].concurrency == 3
    monkeypatch.setenv("KAIROS_SERVICE_TARGETS", '{"chat": {"service_level": 1.5}}')
    get_settings.cache_clear()
    refused = CliRunner().invoke(app, ["plan"])
    get_settings.cache_clear()
    assert refused.exit_code != 0
    assert "KAIROS_SERVICE_TARGETS" in refused.output


def test_a_quiet_backlog_is_planned_as_its_work_not_two_heads_round_the_clock() -> None:
    """An email an hour, 09:00 to 17:00: 80 minutes of work a day. The plan rounded every
    interval's share up to one agent on task, two heads after shrinkage, 48 hours of heads
    for it; now the work is planned where it falls due, in whole heads."""
    emails = [ContactRecord(r.started_at, "email", CELL, False, 600.0)
              for r in _flat({"call": 300.0}, per_hour=1)]  # fmt: skip
    plan = build_plan(emails, options=PlanOptions(day=DAY), today=date(2026, 12, 1))
    email = [i.channels[2] for i in plan.intervals]
    head_hours = sum(c.erlang_c.agents for c in email) / 2
    assert math.isclose(sum(c.contacts for c in email), 8.0, abs_tol=1e-6)
    work_hours = 8 * DEFAULT_AHT_EMAIL / 3600
    assert head_hours <= math.ceil(work_hours / (0.85 * 0.7) * 2) / 2 + 0.5
    # 4,800 s of work, 1,071 s a head a half hour (85% busy, 30% shrinkage): 5 half hours.
    assert sum(c.erlang_c.agents for c in email) == math.ceil(4800 / (1800 * 0.85 * 0.7))
    # Every item is done before it falls due: what is done by each interval covers what was due.
    done = [c.erlang_c.occupancy * 1800 * c.erlang_c.agents for c in email]
    assert sum(done) >= 8 * DEFAULT_AHT_EMAIL - 1e-6


def test_backlog_work_is_done_before_it_falls_due() -> None:
    """Any arrivals: the planned heads, working the oldest items first day after day, leave
    nothing waiting past its answer time."""
    target = ServiceTarget(answer_seconds=3 * 3600, backlog=True)  # 6 half hours
    work = [float((i * 37) % 11) * 250.0 for i in range(48)]
    plan = backlog(workload_seconds=work, interval_minutes=30, target=target)
    per_head = 1800 * target.max_occupancy * (1 - target.shrinkage)
    assert sum(s.occupancy * 1800 * s.agents for s in plan) >= sum(work) - 1e-6
    waiting: list[list[float]] = []  # [due interval, seconds], oldest first
    for j in range(3 * 48):
        if work[j % 48]:
            waiting.append([j + 5, work[j % 48]])
        capacity = plan[j % 48].agents * per_head
        while waiting and capacity > 1e-9:
            take = min(waiting[0][1], capacity)
            capacity -= take
            waiting[0][1] -= take
            if waiting[0][1] <= 1e-6:
                waiting.pop(0)
        assert all(due > j for due, _ in waiting), f"late at interval {j}"
