"""Find the customer's own deadline in an utterance and resolve it to an aware datetime.

"I have to be at my daughter's recital by 7 tonight" carries a deadline; "I've been waiting 2
hours" does not. Every pattern here anchors on a word that points forward (by, at, before, in,
within, tomorrow, next, a weekday after on/by/this) so that durations, counts and identifiers
("flight 640", "order #1530", "2 bags") never match. A cheap pre-check bails out before any of the
real patterns run when the utterance holds no digit and no time word (about 40% of real airline
tweets), and each family of patterns runs only when its own words occur.

Policy for times already past at ``now``:
- anchored to a day ("by 7 tonight", "at 3pm today", "this afternoon") -> dropped, no deadline;
- a bare clock time ("at 7", "by 9am") -> rolled forward to its next occurrence, with lower
  confidence, since a customer rarely names a time that has just gone by.

Confidence says how sure we are that the span is the customer's deadline: high for "by"/"before",
lower for a bare "3pm", lowest for "right now" with no demand nearby ("the agent right now is
lovely") and for a day word in a past-tense or thankful clause ("a great flight tonight, thanks").
The caller decides the threshold; nothing below is dropped for low confidence alone.
"""

from __future__ import annotations

import functools
import importlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import ModuleType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DeadlineMatch", "earliest_deadline", "find_deadlines"]


@dataclass(frozen=True, slots=True)
class DeadlineMatch:
    """A deadline found in an utterance, resolved in the customer's timezone."""

    at: datetime
    text: str
    start: int
    end: int
    kind: str
    confidence: float


# Wall-clock times for vague parts of the day. They err early: the detector turns the deadline into
# minutes left, and alerting a little too soon costs less than learning of a deadline after it.
MORNING = time(9, 0)  # when offices, branches and helpdesks open
AFTERNOON = time(14, 0)  # early afternoon: the first hours people mean by "this afternoon"
END_OF_DAY = time(17, 0)  # EOD / COB / "today" as a deadline: close of business
EVENING = time(18, 0)  # after work: dinners, recitals, evening flights start around here
TONIGHT = time(20, 0)  # "tonight" with no hour: later than evening, before people sleep
NIGHT = time(21, 0)  # "tomorrow night"
DAY_START = MORNING  # a bare day ("by Monday", "on Friday", "by the 25th"): when that day opens

_PART_OF_DAY: dict[str, time] = {
    "morning": MORNING,
    "afternoon": AFTERNOON,
    "evening": EVENING,
    "night": NIGHT,
    "tonight": TONIGHT,
}

# How sure we are that the span is the customer's deadline, by how it was said.
_CONF_BY = 0.9  # by / before / until / no later than: a deadline by construction
_CONF_AT = 0.75  # at: an appointment time, usually what the customer must make
_CONF_EVENT = 0.85  # a named event (flight, meeting) with its time
_CONF_RELATIVE = 0.8
_CONF_DAY = 0.7
_CONF_IMMEDIATE = 0.6  # "asap" / "right now" next to a demand (need, please, fix ...)
_CONF_IMMEDIATE_BARE = 0.35  # "right now" alone is as often a description of the present
_CONF_BARE = 0.55  # "3pm" with no preposition: a time mentioned, not surely one to make
_CONF_BARE_EVENT = 0.7  # "my flight is 6:40pm"
_PAST_CLAUSE_FACTOR = 0.5  # a day word in a past-tense or thankful clause
_ROLLED_FACTOR = 0.6  # a bare clock time already past, moved to its next occurrence
# A bare hour from 1 to this one without am/pm ("my meeting starts at 2") is read as afternoon:
# nobody books a meeting or flight at 2 in the morning without saying so.
_ALWAYS_PM_UP_TO = 6

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_INDEX: dict[str, int] = {}
for _i, _name in enumerate(_WEEKDAYS):
    _WEEKDAY_INDEX[_name] = _i
    _WEEKDAY_INDEX[_name[:3]] = _i
_WEEKDAY_INDEX.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")  # fmt: skip
_MONTH_INDEX: dict[str, int] = {}
for _i, _name in enumerate(_MONTHS, start=1):
    _MONTH_INDEX[_name] = _i
    _MONTH_INDEX[_name[:3]] = _i
_MONTH_INDEX["sept"] = 9

_NUMBER_WORDS: dict[str, float] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-five": 45, "forty five": 45, "fifty": 50, "sixty": 60,
    "ninety": 90, "couple": 2, "a couple": 2, "a couple of": 2, "couple of": 2, "few": 3,
    "a few": 3,
}  # fmt: skip

_NUM_WORD_RE = "|".join(sorted((re.escape(w) for w in _NUMBER_WORDS), key=len, reverse=True))
_HOUR_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_WEEKDAY_RE = (
    r"(?:mon|tues?|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day)?|wednesday|thursday|saturday"
)
_MONTH_RE = "|".join(sorted(_MONTH_INDEX, key=len, reverse=True))
_EVENT_NOUNS = (
    r"flight|connection|plane|train|bus|ferry|cruise|boarding|meeting|appointment|interview|"
    r"wedding|funeral|surgery|recital|exam|presentation|call|check-?in|checkout|closing|hearing|"
    r"event|show|concert|party|ceremony|shift|class"
)

# The pre-checks: each family of patterns needs one of these substrings (of the lowercased text)
# or a digit, and plain `in` tests cost a fraction of a regex scan. Most utterances pass none.
_CLOCK_WORDS = ("noon", "midday", "midnight")
_ANCHOR_WORDS = (
    "tonight",
    "today",
    "tom",
    "tmr",
    "morning",
    "afternoon",
    "evening",
    "night",
    "day",
    " am",
    " pm",
    "a.m",
    "p.m",
    "o'clock",
    "past ",
    "quarter",
)
_HOUR_WORD_HINTS = (
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)
_UNIT_WORDS = ("min", "hour", "hr", "day", "h ")
_DAY_WORDS = (
    "tom",
    "tmr",
    "tonight",
    "today",
    "morning",
    "afternoon",
    "evening",
    "end of",
    "eod",
    "cob",
    "close of business",
    "day",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
)
_IMMEDIATE_WORDS = (
    "now",
    "asap",
    "a.s.a.p",
    "immediately",
    "right away",
    "straight away",
    "as soon as possible",
)
# One gate before the family gates, as few substrings as cover them all ("day" covers today,
# midday and every weekday; "noon" covers afternoon; "night" covers tonight and midnight).
_ANY_WORDS = ("day", "night", "noon", "tom", "tmr", "morning", "evening", "end of", "eod", "cob",
              "close of", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "min", "hour", "hr",
              "h ", "now", "asap", "a.s.a.p", "immediately", "right away", "straight away",
              "as soon as", " am", " pm", "a.m", "p.m", "o'clock")  # fmt: skip
# Languages with their own patterns, in ``deadline_languages`` (imported on first use: it builds
# on this module).
_FOREIGN_CODES = frozenset(("es", "de", "fr", "pt", "it"))
_DIGIT = re.compile(r"\d")
_LOOKBEHIND = 40  # characters before a span searched for context ("happened at", "last")

# A day anchor that can follow or precede a clock time.
_DAY_ANCHOR = (
    r"(?:(?:the\s+)?day\s+after\s+tomorrow|today|tonight|tomorrow|tmrw|tmr)"
    r"(?:\s+(?:morning|afternoon|evening|night))?"
    r"|this\s+(?:morning|afternoon|evening)"
    r"|(?:on\s+|this\s+|next\s+)?(?:"
    + _WEEKDAY_RE
    + r")(?:\s+(?:morning|afternoon|evening|night))?"
)
# "a quarter past 3pm", "half past 4", "ten to six": minutes before or after the hour.
_FRACTION = (
    r"(?:(?P<frac>(?:a\s+)?quarter|half|\d{1,2}|five|ten|twenty(?:[\s-]five)?)\s+"
    r"(?P<dir>past|after|to)\s+)?"
)
# After the hour: ":30", ".30" or "h30" ("15h00"), or a bare "h" ("15h"); then am/pm, or a lone
# a/p written against the digits ("3p"); "12 noon"; "in the morning", "at night".
_CLOCK_TIME = (
    r"(?:(?P<noon>noon|midday|midnight)"
    r"|" + _FRACTION + r"(?P<h>\d{1,2}|" + _HOUR_WORDS + r")"
    r"(?:(?P<sep>[:.h])(?P<m>[0-5]\d)|(?P<hh>(?<=\d)h)\b)?"
    r"(?:\s*(?P<ap>[ap]\.?m\b\.?|(?<=\d)[ap]\b))?(?:\s+(?P<noon12>noon|midday))?"
    r"(?:\s+(?P<part>in\s+the\s+(?:morning|afternoon|evening)|at\s+night))?)"
)
_CLOCK_PREP = (
    r"(?P<prep>by|at|before|until|till|til|no\s+later\s+than|not\s+later\s+than|around"
    r"|before\s+(?:my|the|our|his|her|their)|for\s+(?:my|the|our|his|her|their)|is|'s)"
)
# A bare hour ("at 3") must be followed by something that closes a time, so that "at 3 stores"
# and "by 2 people" do not read as clock times.
# A time written out in full (minutes, am/pm, "h", a part of the day) needs only to end there:
# "at 19:30 please", but not "at 15.99" or "at 1-800-555-0199".
_CLOCK_EXPLICIT_END = r"(?![\w:]|[.,\-/]\d)"
# "Noon" keeps the closing words: "for the noon flight from ..." is a flight told about.
_CLOCK_END = (
    r"(?(m)" + _CLOCK_EXPLICIT_END + r"|(?(ap)" + _CLOCK_EXPLICIT_END + r"|(?(hh)"
    + _CLOCK_EXPLICIT_END + r"|(?(part)" + _CLOCK_EXPLICIT_END + r"|"
    r"(?=\s*(?:$|[!?;)]|[.,:\-](?!\d)|o'?clock|sharp|latest|at\s+the\s+latest|today|tonight|"
    r"tomorrow|this|on|or|and|so|but|i\b|we\b|my\b|am\b|pm\b|" + _EVENT_NOUNS + r"|"
    + _WEEKDAY_RE + r"))))))"
)  # fmt: skip
# A day said before the time ("tomorrow at 9", "by Tuesday 3pm"), with its own preposition.
_PRE_ANCHOR = re.compile(r"\b(?:(?:by|before|until|till|on|for)\s+)?(?:" + _DAY_ANCHOR + r")\s+$")
_CLOCK = re.compile(
    r"\b" + _CLOCK_PREP + r"\s+" + _CLOCK_TIME
    + r"(?:\s+(?P<evt>" + _EVENT_NOUNS + r"))?"
    + r"(?:\s*(?:,\s*)?(?P<post>" + _DAY_ANCHOR + r"))?" + _CLOCK_END,
)  # fmt: skip
# An explicit am/pm time with no preposition ("my flight is 6:40pm", "the 3 pm meeting").
_BARE_AMPM = re.compile(
    r"(?<![\w#.:$])(?P<h>\d{1,2})(?:[:.](?P<m>[0-5]\d))?\s*(?P<ap>[ap]\.?m\b\.?)"
    r"(?:\s+(?P<post>" + _DAY_ANCHOR + r"))?",
)
_RELATIVE = re.compile(
    r"\b(?P<prep>in|within|under|in\s+(?:the\s+)?next|within\s+(?:the\s+)?next|in\s+less\s+than"
    r"|in\s+about|in\s+like)\s+"
    r"(?:(?P<half>half\s+an?\s+hour)|(?P<num>\d+(?:\.\d+)?|" + _NUM_WORD_RE + r")\s*(?:-\s*)?"
    r"(?P<and_half>and\s+a\s+half\s+)?"
    r"(?P<unit>minutes?|mins?|hours?|hrs?|h\b|days?)(?P<tail_half>\s+and\s+a\s+half)?)\b",
)
_IMMEDIATE = re.compile(
    r"\b(?:right\s+now|asap|a\.s\.a\.p\.?|immediately|right\s+away|straight\s+away"
    r"|as\s+soon\s+as\s+possible)(?!\w)",
)
_DAY = re.compile(
    r"\b(?:"
    r"(?P<eod>(?:by\s+|before\s+)?(?:(?:the\s+)?end\s+of\s+(?:the\s+)?(?:business\s+)?day|eod|cob"
    r"|close\s+of\s+business)(?:\s+(?:today|tomorrow|(?:on\s+)?(?P<eod_wd>" + _WEEKDAY_RE + r")))?)"
    r"|(?P<eow>(?:by\s+)?(?:the\s+)?end\s+of\s+(?:the|this)\s+week)"
    r"|(?P<tom>(?:tomorrow|tmrw|tmr)(?:\s+(?P<tom_part>morning|afternoon|evening|night))?)"
    r"|(?P<this>(?:this|by\s+this)\s+(?P<this_part>morning|afternoon|evening))"
    r"|(?P<tonight>tonight)"
    r"|(?P<today>(?:by|before)\s+(?:the\s+end\s+of\s+)?today)"
    r"|(?P<wd>(?P<wd_prep>by|on|before|this|next|until|till|for|this\s+coming)\s+"
    r"(?P<wd_name>" + _WEEKDAY_RE + r")(?:\s+(?P<wd_part>morning|afternoon|evening|night))?)"
    r"|(?P<date>(?:by|on|before|until)\s+(?:the\s+)?(?:"
    r"(?P<d1>\d{1,2})(?:st|nd|rd|th)(?:\s+of\s+(?P<m1>" + _MONTH_RE + r")\.?)?"
    r"|(?P<m2>" + _MONTH_RE + r")\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?(?!\s*[:\d])))"
    r")\b",
)
# Words just before a time that make it a past time ("it happened at 3pm", "I called at 9").
_PAST_BEFORE = re.compile(
    r"\b(?:happened|was|were|arrived|landed|called|since|started|began|left|got\s+here|ago|"
    r"last|twice|times|once|delayed|postponed|pushed\s+back|pushed)(?:\s+(?:at|by|around|about|till|until|to))?\s*$",
)
_PAST_AFTER = re.compile(r"^\s*(?:,\s*)?(?:yesterday|ago|last\s+\w+)\b")


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


def _clock_matches(text: str, low: str, now: datetime, zone: tzinfo) -> list[DeadlineMatch]:
    """Clock times after a preposition: 'by 7 tonight', 'at 15:30', 'before my 6:40 flight'."""
    out: list[DeadlineMatch] = []
    today = now.date()
    for m in _CLOCK.finditer(low):
        prep = m.group("prep")
        if prep in ("is", "'s") and not (
            m.group("ap") or m.group("noon") or m.group("part") or m.group("sep") in (":", "h")
        ):
            continue  # "my flight is 640", "it's 2", "the fee is 3.50": only a clock time
        if _past_context(low, m.start(), m.end()):
            continue
        pre = _PRE_ANCHOR.search(low, max(0, m.start() - _LOOKBEHIND), m.start())
        anchor = m.group("post") or (pre.group(0).strip() if pre else None)
        if (
            m.group("h")
            and not m.group("h").isdigit()
            and anchor is None
            and not (m.group("ap") or m.group("part") or m.group("frac"))
        ):
            continue  # "at one point", "by two people": a word hour needs a day or am/pm
        day, part, pm = _anchor_day(anchor, today) if anchor else (today, None, False)
        wall_amb = _clock_wall(m, pm, part == MORNING)
        if wall_amb is None:
            continue
        wall, ambiguous = wall_amb
        event = bool(m.group("evt")) or _event_nearby(low, m.start())
        if not event and (prep.startswith(("before ", "for ")) or prep in ("is", "'s")):
            continue  # "before the 3 ..." / "for my 2 ...": only with an event named
        conf = _CONF_EVENT if event else (_CONF_AT if prep in ("at", "around") else _CONF_BY)
        noon_word = m.group("noon")
        if anchor and "night" in anchor and wall == time(12, 0) and not m.group("ap"):
            noon_word = "midnight"  # "by 12 tonight" is the midnight that ends today
            wall = time(0, 0)
        resolved = _resolve_clock(day, wall, ambiguous, anchor is None, now, zone, noon_word)
        if resolved is None:
            continue
        start = pre.start() if pre and not m.group("post") else m.start()
        out.append(
            DeadlineMatch(
                at=resolved[0],
                text=text[start : m.end()],
                start=start,
                end=m.end(),
                kind="event" if event else "clock",
                confidence=round(conf * (_ROLLED_FACTOR if resolved[1] else 1.0), 3),
            )
        )
    for m in _BARE_AMPM.finditer(low):
        if _past_context(low, m.start(), m.end()):
            continue
        pre = (
            None
            if m.group("post")
            else _PRE_ANCHOR.search(low, max(0, m.start() - _LOOKBEHIND), m.start())
        )
        anchor = m.group("post") or (pre.group(0).strip() if pre else None)
        day, _, pm = _anchor_day(anchor, today) if anchor else (today, None, False)
        wall_amb = _clock_wall(_AmPm(m), pm, False)
        if wall_amb is None:
            continue
        resolved = _resolve_clock(day, wall_amb[0], False, anchor is None, now, zone, None)
        if resolved is None:
            continue
        event = _event_nearby(low, m.start())
        # No preposition: a time the customer mentions, less surely one they must make.
        conf = _CONF_BARE_EVENT if event else _CONF_BARE
        start = pre.start() if pre else m.start()
        out.append(
            DeadlineMatch(
                at=resolved[0],
                text=text[start : m.end()],
                start=start,
                end=m.end(),
                kind="event" if event else "clock",
                confidence=round(conf * (_ROLLED_FACTOR if resolved[1] else 1.0), 3),
            )
        )
    return out


class _AmPm:
    """Adapts a bare am/pm match to the groups ``_clock_wall`` reads."""

    __slots__ = ("_m",)

    def __init__(self, m: re.Match[str]) -> None:
        self._m = m

    def group(self, name: str) -> str | None:
        """The named group, None for those a bare time never has ('noon', 'frac', ...)."""
        return self._m.group(name) if name in self._m.re.groupindex else None


_DEMAND = re.compile(
    r"\b(?:need|needs|must|have\s+to|has\s+to|got\s+to|gotta|please|pls|plz|help|fix|sort|"
    r"respond|reply|call\s+me|want|asap|urgent|urgently|now!)"
)
# Past tense, thanks or praise close to a day word: the day is being told about, not awaited.
_PAST_CLAUSE = re.compile(
    r"\b(?:was|were|had|did|took|got|went|flew|came|happened|waited|returned"
    r"|arrived|landed|thank|thanks|reminded|treated"
    r"|great|awesome|amazing|excellent|delight|loved|rude)\b"
)
_EVENT_NEAR = re.compile(r"\b(?:" + _EVENT_NOUNS + r")\b")


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


def _relative_matches(text: str, low: str, now: datetime, zone: tzinfo) -> list[DeadlineMatch]:
    """Durations ahead: 'in two hours', 'within half an hour', 'in an hour and a half'."""
    out: list[DeadlineMatch] = []
    for m in _RELATIVE.finditer(low):
        if _past_context(low, m.start(), m.end()):
            continue  # "twice in 2 hours", "3 times in an hour": a frequency, not a deadline
        if m.group("half"):
            minutes = 30.0
        else:
            raw = m.group("num")
            if raw in ("a", "an") and m.group("unit").startswith("d"):
                continue  # "several cards in a day": a rate, not a deadline a day away
            amount = float(raw) if raw[0].isdigit() else _NUMBER_WORDS[" ".join(raw.split())]
            if m.group("and_half") or m.group("tail_half"):
                amount += 0.5
            unit = m.group("unit")
            per = 1440.0 if unit.startswith("d") else 60.0 if unit.startswith("h") else 1.0
            minutes = amount * per
        if minutes <= 0 or minutes > 60 * 24 * 14:
            continue
        out.append(
            DeadlineMatch(
                # Aware arithmetic on a zoned datetime is wall-clock arithmetic; a duration is
                # absolute, so add it in UTC ("in an hour" across a DST change is 60 minutes).
                at=(now.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(zone),
                text=text[m.start() : m.end()],
                start=m.start(),
                end=m.end(),
                kind="relative",
                confidence=_CONF_RELATIVE,
            )
        )
    return out


def _day_matches(text: str, low: str, now: datetime, zone: tzinfo) -> list[DeadlineMatch]:
    """Days and parts of days: 'tomorrow morning', 'end of day Friday', 'by the 25th', 'EOD'."""
    out: list[DeadlineMatch] = []
    today = now.date()
    for m in _DAY.finditer(low):
        if _past_context(low, m.start(), m.end()):
            continue
        when = _resolve_day(m, today, zone)
        if when is None or when <= now:
            continue  # this afternoon said at 16:00, EOD said at 18:00: already gone
        # "tonight I was reminded ...", "on Sunday ... thank you": a day told about, not one ahead.
        past = _PAST_CLAUSE.search(low, max(0, m.start() - _LOOKBEHIND), m.end() + 25) is not None
        out.append(
            DeadlineMatch(
                at=when,
                text=text[m.start() : m.end()],
                start=m.start(),
                end=m.end(),
                kind="day",
                confidence=round(_CONF_DAY * (_PAST_CLAUSE_FACTOR if past else 1.0), 3),
            )
        )
    return out


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


def _immediate_matches(text: str, low: str, now: datetime) -> list[DeadlineMatch]:
    """'right now', 'asap', 'immediately': the deadline is the present moment."""
    out: list[DeadlineMatch] = []
    for m in _IMMEDIATE.finditer(low):
        # "the agent right now is lovely" describes the present; a demand nearby makes it one.
        demand = _DEMAND.search(low, max(0, m.start() - _LOOKBEHIND), m.end() + 20) is not None
        conf = _CONF_IMMEDIATE if demand else _CONF_IMMEDIATE_BARE
        out.append(
            DeadlineMatch(now, text[m.start() : m.end()], m.start(), m.end(), "immediate", conf)
        )
    return out


def _contains_any(low: str, words: tuple[str, ...]) -> bool:
    """Whether any of the substrings occurs in the lowercased text."""
    for word in words:  # noqa: SIM110 - hot path: a plain loop is faster than any() over a genexpr
        if word in low:
            return True
    return False


@functools.cache
def _languages() -> ModuleType:
    """``deadline_languages``, imported on first use (it imports this module)."""
    return importlib.import_module("kairos.detection.deadline_languages")


def find_deadlines(
    text: str, now: datetime, tz: str | tzinfo = "UTC", language: str | None = None
) -> list[DeadlineMatch]:
    """Every future deadline in ``text``, in text order, overlapping readings resolved.

    ``language`` (an ISO 639-1 code, when the caller knows it): "en" runs only the English
    patterns; "es", "de", "fr", "pt" or "it" that language's and English (customers mix them);
    None, or any other language, every language whose marker words occur in the text.
    """
    if not text:
        return []
    # Lowercasing keeps offsets only when no character changes length ("İ" does); those rare
    # texts keep their case and simply match less.
    low = text.lower()
    if len(low) != len(text):
        low = text
    digit = _DIGIT.search(low) is not None
    code = language[:2].lower() if language else None
    if code is not None and code != "en" and code not in _FOREIGN_CODES:
        code = None  # a language without patterns (or a misdetected one): try them all
    languages = [] if code == "en" else _languages().languages_in(low, code)
    if not digit and not languages and not _contains_any(low, _ANY_WORDS):
        return []  # the common case: no digit and no time word at all
    want_clock = (
        digit
        or _contains_any(low, _CLOCK_WORDS)
        or (_contains_any(low, _ANCHOR_WORDS) and _contains_any(low, _HOUR_WORD_HINTS))
    )
    want_relative = _contains_any(low, _UNIT_WORDS)
    want_day = digit or _contains_any(low, _DAY_WORDS)
    want_immediate = _contains_any(low, _IMMEDIATE_WORDS)
    if not (want_clock or want_relative or want_day or want_immediate or languages):
        return []
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    zone = _zone(tz)
    local_now = now.astimezone(zone)
    found: list[DeadlineMatch] = []
    if want_clock:
        found += _clock_matches(text, low, local_now, zone)
    if want_relative:
        found += _relative_matches(text, low, local_now, zone)
    if want_day:
        found += _day_matches(text, low, local_now, zone)
    if want_immediate:
        found += _immediate_matches(text, low, local_now)
    if languages:
        found += _languages().foreign_deadlines(text, low, local_now, zone, languages)
    # Keep the longest reading of each stretch of text: "tomorrow at 9" beats "tomorrow".
    found.sort(key=lambda d: (d.start - d.end, d.start))
    kept: list[DeadlineMatch] = []
    for cand in found:
        if all(cand.end <= k.start or cand.start >= k.end for k in kept):
            kept.append(cand)
    kept.sort(key=lambda d: d.start)
    # Immediate deadlines equal `now` and are kept; everything else must lie ahead.
    return [d for d in kept if d.kind == "immediate" or d.at > local_now]


def earliest_deadline(
    text: str, now: datetime, tz: str | tzinfo = "UTC", language: str | None = None
) -> DeadlineMatch | None:
    """The soonest future deadline in the text (ties: highest confidence), or None."""
    found = find_deadlines(text, now, tz, language)
    if not found:
        return None
    return min(found, key=lambda d: (d.at, -d.confidence))
