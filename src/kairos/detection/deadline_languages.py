"""Deadlines said in Spanish, German, French, Portuguese and Italian.

Each language is a lexicon (``deadline_lexicons``: its prepositions, day words, parts of the day,
weekdays, units and number words) from which the same three pattern families as English are
compiled once:

- clock times after a preposition, with a day before or after ("mañana a las 15:00", "bis morgen
  15 Uhr", "avant 19h", "até amanhã às 15h", "entro le 19", "um halb 8 heute Abend");
- days and parts of days ("pasado mañana", "morgen früh", "ce soir", "hoje à tarde", "entro
  venerdì");
- durations ahead ("en 40 minutos", "in 40 Minuten", "dans une demi-heure", "daqui a 2 horas",
  "tra quaranta minuti").

Resolution (what a day or an ambiguous hour means, what happens to a time already past) is the
English finder's (``kairos.detection.deadlines``), so every language follows one policy. A
language's patterns run only when one of its marker words occurs in the text, so an English
utterance pays one split and one set test.

Conventions: a time written with "Uhr", "h" or "heures" is read on the 24-hour clock ("7 Uhr" is
07:00); "a las 7" with no part of the day is ambiguous and resolved like English "at 7".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo

from kairos.detection.deadline_grammar import compile_languages
from kairos.detection.deadline_lexicons import LANGUAGES, Lexicon
from kairos.detection.deadline_patterns import (
    _CONF_AT,
    _CONF_BARE,
    _CONF_BY,
    _CONF_DAY,
    DAY_START,
    END_OF_DAY,
    MORNING,
    DeadlineMatch,
)
from kairos.detection.deadline_resolution import (
    _at,
    _clock_match,
    _next_weekday,
    _relative_match,
    _resolve_clock,
)

__all__ = ["LANGUAGES", "Lexicon", "foreign_deadlines", "languages_in"]

compile_languages()


def _norm(phrase: str) -> str:
    return " ".join(phrase.split())


def _resolve_day_phrase(
    lex: Lexicon, phrase: str, today: date
) -> tuple[date, time | None, bool | None, bool]:
    """(day, part-of-day wall time, pm hint, whether it is a weekday) of a day phrase."""
    norm = _norm(phrase)
    found = lex.days.get(norm)
    if found is not None:
        offset, part = found
        pm = None if part is None else part != MORNING
        return today + timedelta(days=offset), part, pm, False
    weekday = None
    for word, index in lex.weekdays.items():
        if re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w])", norm):
            weekday = index
            break
    if weekday is None:  # a phrase that ends in a day word: "bis morgen" stripped elsewhere
        for word, (offset, part) in lex.days.items():
            if norm.endswith(word):
                pm = None if part is None else part != MORNING
                return today + timedelta(days=offset), part, pm, False
        return today, None, None, False
    strictly = any(w in norm for w in lex.next_words)
    day = _next_weekday(today, weekday, strictly_after=strictly)
    for words, part in lex.weekday_parts.items():  # "samedi matin", "el viernes por la tarde"
        if norm.endswith(" " + words):
            return day, part, part != MORNING, True
    return day, None, None, True


def _past(lex: Lexicon, low: str, start: int) -> bool:
    return lex.compiled["past"].search(low, max(0, start - 25), start) is not None


# A date written before a time ("29.11.2015, 18.00 Uhr", "22/02/18 às 13:10"): the time belongs to
# that date, which these patterns do not read, so it is not taken for today.
_DATE_BEFORE = re.compile(r"\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?\.?\s*[,)]?\s*(?:\w+\s+)?$")


def _dated(low: str, start: int) -> bool:
    return _DATE_BEFORE.search(low, max(0, start - 20), start) is not None


def _farewell(low: str, start: int) -> bool:
    """Whether a phrase opens its clause: what stands before it is not a word ("Ok, hasta ...",
    "Samedi matin ...")."""
    before = low[:start].rstrip()
    return not before or not before[-1].isalnum()


def _wall(lex: Lexicon, m: re.Match[str], pm_hint: bool | None) -> tuple[time, bool] | None:
    """The wall time of a clock match and whether its am/pm is ambiguous."""
    h = m.group("h")
    hour = int(h) if h.isdigit() else lex.hour_words[_norm(h)]
    minute = int(m.group("m") or 0)
    if hour > 24 or (hour == 24 and minute):
        return None
    hour %= 24
    part = m.groupdict().get("part")
    if part:
        pm_hint = lex.parts[_norm(part)]
    for name, table in (("pfrac", lex.prefix_fracs), ("sfrac", lex.suffix_fracs)):
        frac = m.groupdict().get(name)
        if frac:
            if minute or hour > 12:
                return None
            offset = table[_norm(frac)]
            if offset < 0:
                hour, minute = (hour - 1) % 12 or 12, 60 + offset
            else:
                minute = offset
    sep = (m.groupdict().get("sep") or "").strip()
    twenty_four = bool(m.groupdict().get("hh") or m.groupdict().get("uhr")) or sep in ("h", "uhr")
    if pm_hint is True and hour < 12:
        hour += 12
    elif pm_hint is False and hour == 12:
        hour = 0
    ambiguous = pm_hint is None and not twenty_four and 1 <= hour <= 12
    return time(hour, minute), ambiguous


def _clock(lex: Lexicon, text: str, low: str, now: datetime, zone: tzinfo) -> list[DeadlineMatch]:
    out: list[DeadlineMatch] = []
    today = now.date()
    patterns = [lex.compiled["clock"], lex.compiled["bare"]]
    if any(word in low for word in lex.noon):  # "morgen Mittag": only where noon is said
        patterns.append(lex.compiled["day_noon"])
    for pattern in patterns:
        for m in pattern.finditer(low):
            if m.start() == m.end() or _past(lex, low, m.start()) or _dated(low, m.start()):
                continue
            groups = m.groupdict()
            anchor = groups.get("pre") or groups.get("mid") or groups.get("post")
            day, _, pm, _ = (
                _resolve_day_phrase(lex, anchor, today) if anchor else (today, None, None, False)
            )
            noon = groups.get("noon") or groups.get("noon2")
            if noon:
                midnight = lex.noon[_norm(noon)]
                wall, ambiguous = (time(0, 0) if midnight else time(12, 0)), False
                noon_word: str | None = "midnight" if midnight else "noon"
            else:
                h = groups.get("h")
                if h is None:
                    continue
                strong = groups.get("sprep") is not None
                if (
                    not h.isdigit()
                    and anchor is None
                    and not (groups.get("part") or groups.get("hh") or strong)
                ):
                    continue  # a number word is an hour only with a day, a part or "las"
                if groups.get("sep") == "." and not (
                    groups.get("uhr") or groups.get("part") or (strong and lex.dot_times)
                ):
                    continue  # "até 11.01": a date as often as a time; not "alle 15.30"
                resolved_wall = _wall(lex, m, pm)
                if resolved_wall is None:
                    continue
                wall, ambiguous = resolved_wall
                noon_word = None
            prep = groups.get("sprep") or groups.get("wprep") or groups.get("nprep")
            conf = _CONF_BARE if prep is None else _CONF_BY if _norm(prep) in lex.by else _CONF_AT
            res = _resolve_clock(day, wall, ambiguous, anchor is None, now, zone, noon_word)
            if res is None:
                continue
            out.append(_clock_match(text, m.start(), m.end(), res, "clock", conf))
    return out


def _days(lex: Lexicon, text: str, low: str, now: datetime, zone: tzinfo) -> list[DeadlineMatch]:
    out: list[DeadlineMatch] = []
    today = now.date()
    for m in lex.compiled["day"].finditer(low):
        if _past(lex, low, m.start()):
            continue
        phrase = m.group("day")
        day, part, _, weekday = _resolve_day_phrase(lex, phrase, today)
        norm = _norm(phrase)
        bare_weekday = weekday and norm in lex.weekdays
        if bare_weekday and not m.group("prep"):
            continue  # "el martes" is a day; "martes" alone is as often a day told about
        if (
            weekday
            and not m.group("prep")
            and norm.startswith(tuple(lex.weekdays))
            and not _farewell(low, m.start())
        ):
            continue  # "samedi matin je dois ..." opens a clause; "... e sábado de manhã já
            # estava" mid-sentence, with nothing before the weekday, is a day told about
        prep = _norm(m.group("prep") or "")
        if prep in lex.until and part is None and not weekday:
            if day == today:
                continue  # "até hoje não chegou": to this day, not by today
            if _farewell(low, m.start()):
                continue  # "¡Hasta mañana!", "Ok, bis morgen": see you tomorrow
        if part is not None:
            wall = part
        elif day == today and not weekday:
            if not prep:
                continue  # "hoy" alone is not a deadline; "antes de hoy" is
            wall = END_OF_DAY
        else:
            wall = DAY_START
        when = _at(day, wall, zone)
        if when <= now:
            continue
        out.append(
            DeadlineMatch(when, text[m.start() : m.end()], m.start(), m.end(), "day", _CONF_DAY)
        )
    return out


def _relative(
    lex: Lexicon, text: str, low: str, now: datetime, zone: tzinfo
) -> list[DeadlineMatch]:
    out: list[DeadlineMatch] = []
    for m in lex.compiled["relative"].finditer(low):
        if _past(lex, low, m.start()):
            continue
        if m.group("half"):
            minutes = 30.0
        else:
            raw = _norm(m.group("num"))
            amount = float(raw.replace(",", ".")) if raw[0].isdigit() else lex.numbers[raw]
            if not raw[0].isdigit() and amount == 1 and m.group("unit")[0] in "dtjg":
                continue  # "en un día como hoy", "in einem Tag": a rate or a manner, not a deadline
            if m.group("and_half"):
                amount += 0.5
            unit = m.group("unit")
            per = 1.0 if unit.startswith("m") else 1440.0 if unit[0] in "dtjg" else 60.0
            minutes = amount * per
        found = _relative_match(text, m, minutes, now, zone)
        if found is not None:
            out.append(found)
    return out


# A marker word as it may stand in ``str.split()`` output: bare, or with one punctuation mark
# against it ("mañana?", "¿mañana", "(demain)"). Checking these beats cleaning the text first.
_AFTER, _BEFORE = (".", ",", ";", ":", "!", "?", ")", "..."), ("¿", "¡", "(")
_WORDS: dict[str, frozenset[str]] = {
    code: lex.tokens
    | {t + p for t in lex.tokens for p in _AFTER}
    | {p + t for t in lex.tokens for p in _BEFORE}
    for code, lex in LANGUAGES.items()
}
_ANY_WORD = frozenset().union(*_WORDS.values())


def languages_in(low: str, code: str | None = None) -> list[Lexicon]:
    """The languages (``code`` only, when given) one of whose marker words occurs in ``low``.

    One split and a set test: far cheaper than a substring test per marker.
    """
    words = low.split()
    if _ANY_WORD.isdisjoint(words):
        return []
    codes = LANGUAGES if code is None else (code,) if code in LANGUAGES else ()
    return [LANGUAGES[c] for c in codes if not _WORDS[c].isdisjoint(words)]


def foreign_deadlines(
    text: str, low: str, now: datetime, zone: tzinfo, languages: Iterable[Lexicon]
) -> list[DeadlineMatch]:
    """Deadlines in the given languages (see :func:`languages_in`)."""
    out: list[DeadlineMatch] = []
    for lex in languages:
        relative = _relative(lex, text, low, now, zone)
        spans = {(r.start, r.end) for r in relative}
        # "d'ici 2 heures" reads as a clock time and as a duration: the duration wins.
        out += [c for c in _clock(lex, text, low, now, zone) if (c.start, c.end) not in spans]
        out += _days(lex, text, low, now, zone)
        out += relative
    return out
