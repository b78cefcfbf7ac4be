"""Resolution of the deadline finder's matches: a day anchor, an ambiguous hour or a date to an
aware datetime in the customer's zone, under the policy ``kairos.detection.deadlines`` states
(times already past roll forward, at a lower confidence).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kairos.detection.deadline_patterns import (
    _ALWAYS_PM_UP_TO,
    _CONF_RELATIVE,
    _EVENT_NEAR,
    _LOOKBEHIND,
    _MONTH_INDEX,
    _NUMBER_WORDS,
    _PART_OF_DAY,
    _PAST_AFTER,
    _PAST_BEFORE,
    _ROLLED_FACTOR,
    _WEEKDAY_INDEX,
    DAY_START,
    END_OF_DAY,
    MORNING,
    TONIGHT,
    DeadlineMatch,
)


def _zone(tz: str | tzinfo) -> tzinfo:
    """The customer's zone; an unknown or empty name falls back to UTC rather than raising."""
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _at(day: date, wall: time, zone: tzinfo) -> datetime:
    """The aware datetime of a wall-clock time on a local day."""
    return datetime.combine(day, wall, tzinfo=zone)


# The furthest a duration ahead is read as a deadline: "in 3 weeks" is a plan, not a deadline.
_MAX_RELATIVE_MINUTES = 60 * 24 * 14


def _relative_match(
    text: str, m: re.Match[str], minutes: float, now: datetime, zone: tzinfo
) -> DeadlineMatch | None:
    """The deadline of a duration ahead ("in two hours", "en 40 minutos") matched by ``m``, or
    None when the duration is not one a deadline lies at (none, or more than two weeks).

    Every language's relative pattern ends here, so they share one policy.
    """
    if minutes <= 0 or minutes > _MAX_RELATIVE_MINUTES:
        return None
    return DeadlineMatch(
        # Aware arithmetic on a zoned datetime is wall-clock arithmetic; a duration is
        # absolute, so add it in UTC ("in an hour" across a DST change is 60 minutes).
        at=(now.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(zone),
        text=text[m.start() : m.end()],
        start=m.start(),
        end=m.end(),
        kind="relative",
        confidence=_CONF_RELATIVE,
    )


def _clock_match(
    text: str, start: int, end: int, resolved: tuple[datetime, bool], kind: str, conf: float
) -> DeadlineMatch:
    """The deadline of a clock time resolved by :func:`_resolve_clock` (every language's): one
    rolled forward to its next occurrence is less sure to be the customer's deadline."""
    at, rolled = resolved
    confidence = round(conf * (_ROLLED_FACTOR if rolled else 1.0), 3)
    return DeadlineMatch(at, text[start:end], start, end, kind, confidence)


def _hour(token: str) -> int:
    """An hour given as digits or as a word."""
    if token.isdigit():
        return int(token)
    return int(_NUMBER_WORDS[token.lower()])


_ANCHOR_PREPS = frozenset(("by", "before", "until", "till", "on", "for", "the"))


def _anchor_day(anchor: str, today: date) -> tuple[date, time | None, bool]:
    """Resolve a day anchor ('tomorrow morning', 'on friday') to (day, part of day, is_pm)."""
    words = [w for w in anchor.lower().split() if w not in _ANCHOR_PREPS]
    part: time | None = None
    pm = False
    if words[-1] in _PART_OF_DAY:
        part = _PART_OF_DAY[words[-1]]
        pm = words[-1] in ("afternoon", "evening", "night", "tonight")
    first = words[0]
    if "after" in words:  # the day after tomorrow
        return today + timedelta(days=2), part, pm
    if first in ("today", "this") or first == "tonight":
        return today, part, pm
    if first in ("tomorrow", "tmrw", "tmr"):
        return today + timedelta(days=1), part, pm
    name = next(w for w in words if w not in ("this", "next"))
    return _next_weekday(today, _WEEKDAY_INDEX[name], strictly_after=first == "next"), part, pm


def _next_weekday(today: date, weekday: int, *, strictly_after: bool) -> date:
    """The coming day with that weekday; today itself unless ``strictly_after``.

    "next Tuesday" is read as the coming Tuesday, which is what most customers mean by it.
    """
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and strictly_after:
        ahead = 7
    return today + timedelta(days=ahead)


def _clock_wall(m: re.Match[str] | _AmPm, pm_hint: bool, am_hint: bool) -> tuple[time, bool] | None:
    """The wall time of a clock match and whether am/pm was ambiguous; None if not a time."""
    noon = m.group("noon")
    if noon:
        return (time(0, 0) if noon.lower() == "midnight" else time(12, 0)), False
    hour = _hour(m.group("h") or "")
    minute = int(m.group("m") or 0)
    ap = (m.group("ap") or "").lower()
    if m.group("noon12"):
        return (time(12, 0), False) if hour == 12 and not ap else None
    part = m.group("part")
    if part:  # "3 in the morning", "6 in the evening", "11 at night"
        pm_hint = "morning" not in part
        am_hint = not pm_hint
    if hour > 23 or (ap and not 1 <= hour <= 12):
        return None
    frac = m.group("frac")
    if frac:  # "a quarter past 3pm", "half past 4", "ten to six"
        if hour > 12 or minute:
            return None
        words = frac.lower().split()
        offset = 15 if words[-1] == "quarter" else 30 if frac == "half" else _minutes_word(frac)
        if offset is None or not 0 < offset < 60:
            return None
        if m.group("dir") == "to":
            hour, minute = (hour - 1) % 12 or 12, 60 - offset
        else:
            minute = offset
    if ap.startswith("p") and hour != 12:
        hour += 12
    elif ap.startswith("a") and hour == 12:
        hour = 0
    elif not ap and pm_hint and hour < 12:
        hour += 12
    ambiguous = not ap and not pm_hint and not am_hint and 1 <= hour <= 12
    return time(hour, minute), ambiguous


def _minutes_word(token: str) -> int | None:
    """Minutes written as digits or a word ("ten", "twenty-five"), for "ten past two"."""
    if token.isdigit():
        return int(token)
    value = _NUMBER_WORDS.get(token.replace("-", " ")) or _NUMBER_WORDS.get(token)
    if value is None and token.replace("-", " ") == "twenty five":
        return 25
    return None if value is None else int(value)


def _past_context(low: str, start: int, end: int) -> bool:
    """Whether the words around a span make it a past or repeated time, not a deadline."""
    return (
        _PAST_BEFORE.search(low, max(0, start - _LOOKBEHIND), start) is not None
        or _PAST_AFTER.match(low, end) is not None
    )


class _AmPm:
    """Adapts a bare am/pm match to the groups ``_clock_wall`` reads."""

    __slots__ = ("_m",)

    def __init__(self, m: re.Match[str]) -> None:
        self._m = m

    def group(self, name: str) -> str | None:
        """The named group, None for those a bare time never has ('noon', 'frac', ...)."""
        return self._m.group(name) if name in self._m.re.groupindex else None


def _event_nearby(text: str, pos: int) -> bool:
    """Whether an event noun sits just before a time ('my flight leaves at 6:40')."""
    return _EVENT_NEAR.search(text, max(0, pos - 30), pos) is not None


def _resolve_clock(
    day: date,
    wall: time,
    ambiguous: bool,
    may_roll: bool,
    now: datetime,
    zone: tzinfo,
    noon_word: str | None,
) -> tuple[datetime, bool] | None:
    """The next matching wall time from ``now`` and whether it was rolled past its first reading.

    Midnight means the end of the named day. An ambiguous hour ("at 7") takes the sooner of 7:00
    and 19:00 still ahead. A time anchored to a day that has already passed is dropped.
    """
    if noon_word and noon_word.lower() == "midnight":
        day = day + timedelta(days=1)
    if ambiguous and wall.hour <= _ALWAYS_PM_UP_TO:
        wall = time(wall.hour + 12, wall.minute)
        ambiguous = False
    candidates = [_at(day, wall, zone)]
    if ambiguous and wall.hour < 12:
        candidates.append(_at(day, time(wall.hour + 12, wall.minute), zone))
    future = [c for c in candidates if c > now]
    if future:
        return min(future), False
    if not may_roll:
        return None
    nxt = _at(day + timedelta(days=1), wall, zone)
    return nxt, True


def _resolve_day(m: re.Match[str], today: date, zone: tzinfo) -> datetime | None:
    """The datetime a day match stands for."""
    if m.group("eod"):
        wd = m.group("eod_wd")
        day = today
        if wd:
            day = _next_weekday(today, _WEEKDAY_INDEX[wd.lower()], strictly_after=False)
        elif "tomorrow" in m.group("eod").lower():
            day = today + timedelta(days=1)
        return _at(day, END_OF_DAY, zone)
    if m.group("eow"):
        # The working week ends on Friday; said at the weekend it means the coming Friday.
        return _at(_next_weekday(today, 4, strictly_after=False), END_OF_DAY, zone)
    if m.group("tom"):
        part = m.group("tom_part")
        return _at(today + timedelta(days=1), _PART_OF_DAY[part.lower()] if part else MORNING, zone)
    if m.group("this"):
        return _at(today, _PART_OF_DAY[m.group("this_part").lower()], zone)
    if m.group("tonight"):
        return _at(today, TONIGHT, zone)
    if m.group("today"):
        return _at(today, END_OF_DAY, zone)
    if m.group("wd"):
        prep = m.group("wd_prep").lower()
        day = _next_weekday(
            today, _WEEKDAY_INDEX[m.group("wd_name").lower()], strictly_after=prep == "next"
        )
        part = m.group("wd_part")
        wall = _PART_OF_DAY[part.lower()] if part else DAY_START
        return _at(day, wall, zone)
    return _resolve_date(m, today, zone)


def _resolve_date(m: re.Match[str], today: date, zone: tzinfo) -> datetime | None:
    """'by the 25th', 'by Dec 3': the next such date, this month or year or the next."""
    day_s = m.group("d1") or m.group("d2")
    month_s = m.group("m1") or m.group("m2")
    dom = int(day_s)
    if month_s:
        month = _MONTH_INDEX[month_s.lower().rstrip(".")]
        for year in (today.year, today.year + 1):
            try:
                on_day = date(year, month, dom)
            except ValueError:
                return None  # "Feb 30": not a date
            if on_day >= today:
                return _at(on_day, DAY_START, zone)
        return None
    year, month = today.year, today.month
    for _ in range(3):  # this month, or the next one that has that day (the 31st)
        try:
            d: date | None = date(year, month, dom)
        except ValueError:
            d = None  # no 31st this month: try the next
        if d is not None and d >= today:
            return _at(d, DAY_START, zone)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None
