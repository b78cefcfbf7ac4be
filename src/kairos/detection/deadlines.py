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
from datetime import UTC, datetime, time, tzinfo
from types import ModuleType

from kairos.detection.deadline_patterns import (
    _ANCHOR_WORDS,
    _ANY_WORDS,
    _BARE_AMPM,
    _CLOCK,
    _CLOCK_WORDS,
    _CONF_AT,
    _CONF_BARE,
    _CONF_BARE_EVENT,
    _CONF_BY,
    _CONF_DAY,
    _CONF_EVENT,
    _CONF_IMMEDIATE,
    _CONF_IMMEDIATE_BARE,
    _DAY,
    _DAY_GATE,
    _DAY_WORDS,
    _DEMAND,
    _DIGIT,
    _FOREIGN_CODES,
    _HOUR_WORD_GATE,
    _HOUR_WORD_HINTS,
    _IMMEDIATE,
    _IMMEDIATE_GATE,
    _IMMEDIATE_WORDS,
    _LOOKBEHIND,
    _NUMBER_WORDS,
    _PAST_CLAUSE,
    _PAST_CLAUSE_FACTOR,
    _PRE_ANCHOR,
    _RELATIVE,
    _UNIT_GATE,
    _UNIT_WORDS,
    AFTERNOON,
    DAY_START,
    END_OF_DAY,
    EVENING,
    MORNING,
    NIGHT,
    TONIGHT,
    DeadlineMatch,
)
from kairos.detection.deadline_resolution import (
    _AmPm,
    _anchor_day,
    _clock_match,
    _clock_wall,
    _event_nearby,
    _past_context,
    _relative_match,
    _resolve_clock,
    _resolve_day,
    _zone,
)

__all__ = [
    "AFTERNOON",
    "DAY_START",
    "END_OF_DAY",
    "EVENING",
    "MORNING",
    "NIGHT",
    "TONIGHT",
    "DeadlineMatch",
    "earliest_deadline",
    "find_deadlines",
]


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
            _clock_match(text, start, m.end(), resolved, "event" if event else "clock", conf)
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
            _clock_match(text, start, m.end(), resolved, "event" if event else "clock", conf)
        )
    return out


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
        found = _relative_match(text, m, minutes, now, zone)
        if found is not None:
            out.append(found)
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


# ``_H_UNIT_GATE`` (a number, then "h": "2h", "two-h") read backwards on the reversed text: the
# same matches mirrored, found from their one fixed letter instead of trying every number word
# at every position (a third of the time; ``test_fast_paths`` holds the two to each other).
_H_UNIT_BACKWARDS = re.compile(
    r"\bh(?:\s*-)?\s*(?:\d|"
    + "|".join(sorted((re.escape(w[::-1]) for w in _NUMBER_WORDS), key=len, reverse=True))
    + ")"
)


# The times a deadline can be read at: a deadline's date, a few years at most ahead, must exist.
_MIN_NOW = datetime(2, 1, 1, tzinfo=UTC)
_MAX_NOW = datetime(9000, 1, 1, tzinfo=UTC)


def _wanted(low: str, digit: bool) -> tuple[bool, bool, bool, bool]:
    """Which English families (clock, relative, day, immediate) can match in ``low``."""
    # Each family's substring gate, then (where it passes on common words) a condition its
    # pattern cannot match without: together they drop no match and skip most spurious runs.
    want_clock = (
        digit
        or _contains_any(low, _CLOCK_WORDS)
        or (
            _contains_any(low, _ANCHOR_WORDS)
            and _contains_any(low, _HOUR_WORD_HINTS)
            and _HOUR_WORD_GATE.search(low) is not None
        )
    )
    want_relative = _contains_any(low, _UNIT_WORDS) and (
        _contains_any(low, _UNIT_GATE) or _H_UNIT_BACKWARDS.search(low[::-1]) is not None
    )
    want_day = digit or (_contains_any(low, _DAY_WORDS) and _DAY_GATE.search(low) is not None)
    want_immediate = _contains_any(low, _IMMEDIATE_WORDS) and _contains_any(low, _IMMEDIATE_GATE)
    return want_clock, want_relative, want_day, want_immediate


@functools.cache
def _languages() -> ModuleType:
    """``deadline_languages``, imported on first use (it imports this module)."""
    return importlib.import_module("kairos.detection.deadline_languages")


def warm() -> None:
    """Compile the other languages' patterns now rather than on the first text that needs them
    (about a tenth of a second, once per process)."""
    _languages()


def find_deadlines(
    text: str,
    now: datetime,
    tz: str | tzinfo = "UTC",
    language: str | None = None,
    *,
    exhaustive: bool = False,
) -> list[DeadlineMatch]:
    """Every future deadline in ``text``, in text order, overlapping readings resolved.

    ``language`` (an ISO 639-1 code, when the caller knows it): "en" runs only the English
    patterns; "es", "de", "fr", "pt" or "it" that language's and English (customers mix them);
    None, or any other language, every language whose marker words occur in the text.
    ``exhaustive`` runs every English family's patterns whatever the pre-checks say: slower, the
    same result (a test holds the pre-checks to it).
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
    if exhaustive:
        want_clock = want_relative = want_day = want_immediate = True
    elif not digit and not languages and not _contains_any(low, _ANY_WORDS):
        return []  # the common case: no digit and no time word at all
    else:
        want_clock, want_relative, want_day, want_immediate = _wanted(low, digit)
    if not (want_clock or want_relative or want_day or want_immediate or languages):
        return []
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    zone = _zone(tz)
    # Overflow guard: deadlines lie days to a few years ahead, so a `now` near the calendar's
    # ends (a stored "9999-12-31") has none that a date can hold; without this, "by tomorrow"
    # said then raised OverflowError for every later message of the interaction.
    if not _MIN_NOW <= now <= _MAX_NOW:
        return []
    local_now = now.astimezone(zone)
    found: list[DeadlineMatch] = []
    try:
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
    except OverflowError:  # "in 99999999 days": past the calendar's end, so no deadline
        return []
    # Keep the longest reading of each stretch of text: "tomorrow at 9" beats "tomorrow".
    found.sort(key=lambda d: (d.start - d.end, d.start))
    kept: list[DeadlineMatch] = []
    for cand in found:
        if all(cand.end <= k.start or cand.start >= k.end for k in kept):
            kept.append(cand)
    kept.sort(key=lambda d: d.start)
    # Immediate deadlines equal `now` and are kept; everything else must lie ahead. A duration
    # is ahead by construction, and comparing it would be wrong in the hour a clock goes back:
    # datetimes of one zone compare by wall time, and an hour on from 02:30 (summer time) is
    # 02:30 again (winter time).
    return [d for d in kept if d.kind in ("immediate", "relative") or d.at > local_now]


def earliest_deadline(
    text: str, now: datetime, tz: str | tzinfo = "UTC", language: str | None = None
) -> DeadlineMatch | None:
    """The soonest future deadline in the text (ties: highest confidence), or None."""
    found = find_deadlines(text, now, tz, language)
    if not found:
        return None
    return min(found, key=lambda d: (d.at, -d.confidence))
