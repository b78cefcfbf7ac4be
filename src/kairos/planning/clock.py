"""The intervals of a local day, daylight-saving changes included.

Customers follow the wall clock, so history is counted per wall-clock slot of the day (the slot
of 09:00 is the same slot every day). But a day is not always 24 hours: on the day the clocks go
back a wall-clock hour happens twice (25 hours), on the day they go forward one never happens
(23 hours). :func:`slot_occurrences` says how many times each slot really happened on a day, so
that a slot's count can be read per occurrence, and :func:`day_intervals` lists the real
intervals of a day (each instant once) with the slot each one is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

import numpy as np
import numpy.typing as npt


def slots_per_day(interval_minutes: int) -> int:
    """How many intervals of ``interval_minutes`` make a day; the length must divide a day."""
    if interval_minutes <= 0 or 1440 % interval_minutes:
        raise ValueError("interval_minutes must divide a day (e.g. 15, 30, 60)")
    return 1440 // interval_minutes


def slot_of(local: datetime, interval_minutes: int) -> int:
    """The wall-clock slot of the day a local time falls in."""
    return (local.hour * 60 + local.minute) // interval_minutes


def _bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The instants (UTC) the local day starts and ends at."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def day_intervals(day: date, interval_minutes: int, tz: tzinfo) -> list[tuple[datetime, int]]:
    """Every real interval of ``day``: its local start and its wall-clock slot.

    48 half hours on most days, 50 on the day the clocks go back (01:00 EDT and 01:00 EST are
    two intervals), 46 on the day they go forward (no 02:00 in Paris on 2026-03-29).

    >>> from zoneinfo import ZoneInfo
    >>> back = day_intervals(date(2026, 11, 1), 60, ZoneInfo("America/New_York"))
    >>> len(back), [start.strftime("%H:%M%z") for start, _ in back[1:3]], back[2][1]
    (25, ['01:00-0400', '01:00-0500'], 1)
    """
    slots_per_day(interval_minutes)
    start, end = _bounds(day, tz)
    step = timedelta(minutes=interval_minutes)
    out = []
    at = start
    while at < end:
        local = at.astimezone(tz)
        out.append((local, slot_of(local, interval_minutes)))
        at += step
    return out


def slot_occurrences(day: date, interval_minutes: int, tz: tzinfo) -> npt.NDArray[np.float64]:
    """How many times each wall-clock slot happened on ``day``: 1, or 2 and 0 around a change."""
    slots = slots_per_day(interval_minutes)
    start, end = _bounds(day, tz)
    if end - start == timedelta(days=1) and start.astimezone(tz).time() == time(0):
        return np.ones(slots)
    # A change of the clocks: walk the day minute by minute (once a year or twice per zone).
    minutes = np.zeros(slots)
    at = start
    while at < end:
        minutes[slot_of(at.astimezone(tz), interval_minutes)] += 1.0
        at += timedelta(minutes=1)
    out: npt.NDArray[np.float64] = minutes / interval_minutes
    return out
