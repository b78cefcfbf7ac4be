"""The forecast recovers a seasonal pattern, weighs recent weeks most, and backtests honestly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from tests.planning import synthetic

from kairos.planning.forecast import ContactRecord, backtest, forecast_day, handle_times

MONDAY = date(2026, 10, 5)


def _record(
    at: datetime,
    *,
    channel: str = "call",
    cube: str = "c",
    mot: bool = False,
    handle: float | None = None,
) -> ContactRecord:
    return ContactRecord(at, channel, cube, mot, handle)


def test_recovers_a_synthetic_weekday_and_time_of_day_pattern() -> None:
    records = synthetic.history(start=MONDAY, days=42, per_day=1500, seed=1)
    for target in (MONDAY + timedelta(days=42), MONDAY + timedelta(days=47)):  # Monday, Saturday
        forecast = forecast_day(records, day=target, interval_minutes=30)
        assert forecast is not None
        truth = synthetic.expected(target, 1500)
        got = forecast.total()
        assert np.abs(got - truth).sum() / truth.sum() < 0.08
        assert int(np.argmax(got)) == int(np.argmax(truth))
        assert got[:16].sum() == 0  # closed before 08:00
        # Cube cells and moments of truth keep their shares.
        share = forecast.total(cube=synthetic.CUBES[-1]).sum() / got.sum()
        assert share == pytest.approx(synthetic.CUBE_SHARE[-1], abs=0.02)
        assert 0 < forecast.total(mot=True).sum() < got.sum()
    monday = forecast_day(records, day=MONDAY + timedelta(days=42))
    sunday = forecast_day(records, day=MONDAY + timedelta(days=48))
    assert monday is not None and sunday is not None
    assert monday.total().sum() / sunday.total().sum() == pytest.approx(1.3 / 0.3, rel=0.15)


def test_cells_add_up_to_the_channel_totals_and_intervals_to_the_day() -> None:
    records = synthetic.history(start=MONDAY, days=21, seed=2)
    for minutes in (15, 30, 60):
        forecast = forecast_day(records, day=MONDAY + timedelta(days=21), interval_minutes=minutes)
        assert forecast is not None
        assert len(forecast.starts) == 1440 // minutes
        by_channel = sum(forecast.total(channel=ch) for ch in forecast.channels)
        by_cell = sum(forecast.total(cube=cube) for cube in forecast.cubes)
        np.testing.assert_allclose(by_channel, forecast.total())
        np.testing.assert_allclose(by_cell, forecast.total())
        half_hourly = forecast_day(records, day=MONDAY + timedelta(days=21))
        assert half_hourly is not None
        assert forecast.total().sum() == pytest.approx(half_hourly.total().sum())


def test_the_most_recent_same_weekday_weighs_most() -> None:
    # Three Mondays at 09:00 with 10, 10 and then 40 contacts.
    records = [
        _record(datetime(2026, 10, 5 + 7 * week, 9, 5, tzinfo=UTC))
        for week, n in enumerate((10, 10, 40))
        for _ in range(n)
    ]
    forecast = forecast_day(records, day=date(2026, 10, 26), alpha=0.4)
    assert forecast is not None
    nine = forecast.total()[18]
    # Weights 1, 0.6, 0.36 from the newest week back.
    assert nine == pytest.approx((40 + 0.6 * 10 + 0.36 * 10) / (1 + 0.6 + 0.36))
    naive = forecast_day(records, day=date(2026, 10, 26), alpha=1.0)
    assert naive is not None and naive.total()[18] == pytest.approx(40)
    assert "same weekday" in forecast.method
    # A week after the newest contact is unknown, not quiet: the newest Monday still leads.
    later = forecast_day(records, day=date(2026, 11, 2), alpha=1.0)
    assert later is not None and later.total()[18] == pytest.approx(40)


def test_under_a_week_of_history_uses_recent_days_and_none_uses_nothing() -> None:
    records = [_record(datetime(2026, 10, 7, 12, 0, tzinfo=UTC)) for _ in range(6)]
    forecast = forecast_day(records, day=date(2026, 10, 8))
    assert forecast is not None and "any weekday" in forecast.method
    assert forecast.total().sum() == pytest.approx(6)
    assert forecast_day([], day=date(2026, 10, 8)) is None
    assert forecast_day(records, day=date(2026, 10, 7)) is None  # nothing before the day
    assert forecast_day(records, day=date(2027, 1, 1)) is None  # history too old to use


def test_intervals_follow_the_local_clock() -> None:
    # 09:10 in New York is 13:10 UTC in October (EDT).
    records = [_record(datetime(2026, 10, 5, 13, 10, tzinfo=UTC))]
    forecast = forecast_day(records, day=date(2026, 10, 12), tz=ZoneInfo("America/New_York"))
    assert forecast is not None
    assert int(np.argmax(forecast.total())) == 18
    assert forecast.starts[18].hour == 9


def test_backtest_holds_out_the_last_week_and_beats_the_naive_peer() -> None:
    records = synthetic.history(start=MONDAY, days=42, per_day=400, seed=3)
    result = backtest(records, last_day=MONDAY + timedelta(days=41))
    assert result is not None
    assert result.first_day == MONDAY + timedelta(days=35)
    assert result.intervals == 7 * 48
    held_out = sum(1 for r in records if r.started_at.date() >= result.first_day)
    assert result.actual_contacts == held_out
    # Averaging weeks smooths Poisson noise that "same day last week" copies.
    assert result.wape < result.naive_wape
    assert 0.05 < result.wape < 0.5
    assert result.wape_cells > result.wape  # cells are sparser than channel totals
    assert result.mape is not None and result.mape > 0


def test_backtest_sees_nothing_of_the_held_out_week() -> None:
    records = synthetic.history(start=MONDAY, days=21, per_day=200, seed=4)
    spike = [_record(datetime(2026, 10, 21, 12, 0, tzinfo=UTC)) for _ in range(500)]
    plain = backtest(records, last_day=date(2026, 10, 25))
    spiked = backtest(records + spike, last_day=date(2026, 10, 25))
    assert plain is not None and spiked is not None
    assert spiked.forecast_contacts == pytest.approx(plain.forecast_contacts)
    assert spiked.actual_contacts == plain.actual_contacts + 500
    assert backtest(records, last_day=date(2026, 10, 11)) is None  # no week before it


def test_handle_times_per_cell_shrink_toward_the_channel_and_default() -> None:
    at = datetime(2026, 10, 5, 9, tzinfo=UTC)
    records = [_record(at, cube="busy", handle=600.0) for _ in range(95)]
    records += [_record(at, cube="rare", handle=60.0)]
    records += [_record(at, channel="sms", cube="busy")]  # never handled: the default
    aht = handle_times(records)
    assert aht[("call", "busy")] == pytest.approx(600, rel=0.05)
    channel_mean = (95 * 600 + 60 + 5 * 360) / 101
    assert aht[("call", "rare")] == pytest.approx((60 + 5 * channel_mean) / 6)
    assert aht[("sms", "busy")] == pytest.approx(300)


def test_backtest_of_a_quiet_last_week_reports_no_ratio_but_does_not_fail() -> None:
    records = synthetic.history(start=MONDAY, days=14, per_day=100, seed=5)
    result = backtest(records, last_day=MONDAY + timedelta(days=20))  # a week with no contacts
    assert result is not None
    assert result.actual_contacts == 0
    assert result.forecast_contacts > 0


def test_moments_of_truth_follow_the_series_share_pooled_over_the_day() -> None:
    # One in four calls in this cell was a MoT, all of them at 09:00; 14:00 had none yet.
    monday = datetime(2026, 10, 5, tzinfo=UTC)
    records = [_record(monday + timedelta(hours=9), mot=i < 2) for i in range(4)]
    records += [_record(monday + timedelta(hours=14)) for _ in range(4)]
    forecast = forecast_day(records, day=date(2026, 10, 12))
    assert forecast is not None
    mot = forecast.total(mot=True)
    assert mot[18] == pytest.approx(1.0) and mot[28] == pytest.approx(1.0)


def _every_ten_minutes(first: datetime, last: datetime) -> list[ContactRecord]:
    out, at = [], first
    while at < last:
        out.append(_record(at))
        at += timedelta(minutes=10)
    return out


def test_a_day_that_falls_back_plans_its_25_hours_and_counts_the_repeated_hour_once() -> None:
    # A flat six contacts an hour, every hour, around New York's fall back (2026-11-01, 02:00
    # EDT -> 01:00 EST): the wall-clock hour 01:00 happens twice that day.
    ny = ZoneInfo("America/New_York")
    records = _every_ten_minutes(
        datetime(2026, 9, 20, tzinfo=UTC), datetime(2026, 11, 12, tzinfo=UTC)
    )
    fall_back = forecast_day(records, day=date(2026, 11, 1), interval_minutes=60, tz=ny)
    assert fall_back is not None
    assert len(fall_back.starts) == 25  # real hours, each planned
    assert [s.strftime("%H:%M%z") for s in fall_back.starts[1:3]] == ["01:00-0400", "01:00-0500"]
    assert fall_back.total().tolist() == pytest.approx([6.0] * 25)
    # The week after, from a history that holds the 25-hour day: 01:00 is one hour, not two.
    after = forecast_day(records, day=date(2026, 11, 8), interval_minutes=60, tz=ny, alpha=1.0)
    assert after is not None and len(after.starts) == 24
    assert after.total().tolist() == pytest.approx([6.0] * 24)


# A warning here is a number computed from nothing (0 ** -1, 0 / 0): it fails the test.
@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_a_day_that_springs_forward_plans_its_23_hours_and_its_missing_hour_is_not_quiet() -> None:
    # Paris springs forward on 2026-03-29 (02:00 CET -> 03:00 CEST): 02:00 never happens.
    paris = ZoneInfo("Europe/Paris")
    records = _every_ten_minutes(
        datetime(2026, 2, 14, 23, tzinfo=UTC), datetime(2026, 4, 10, tzinfo=UTC)
    )
    spring = forecast_day(records, day=date(2026, 3, 29), interval_minutes=30, tz=paris)
    assert spring is not None
    assert len(spring.starts) == 46
    assert [s.strftime("%H:%M") for s in spring.starts[3:5]] == ["01:30", "03:00"]
    assert len({s.astimezone(UTC) for s in spring.starts}) == 46  # no two name the same instant
    assert spring.total().tolist() == pytest.approx([3.0] * 46)
    # The next Sunday's 02:00 is read from the weeks that had one, not as zero from the 29th.
    after = forecast_day(records, day=date(2026, 4, 5), interval_minutes=30, tz=paris, alpha=1.0)
    assert after is not None and len(after.starts) == 48
    assert after.total().tolist() == pytest.approx([3.0] * 48)
