"""The foreign-language deadline patterns, compiled once per language from its lexicon.

Each ``Lexicon`` of ``deadline_lexicons`` gets the same pattern families as English (clock
times after a preposition, bare "Uhr" times, days, durations ahead, a past-tense marker before a
time), stored in its ``compiled`` table on import. ``deadline_languages`` runs them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kairos.detection.deadline_lexicons import LANGUAGES, UNITS_AND_CURRENCY, Lexicon


def _alt(words: Iterable[str]) -> str:
    """A regex alternation of literal phrases, longest first, any run of spaces between words."""
    escaped = {re.escape(w).replace(r"\ ", r"\s+") for w in words}
    return "|".join(sorted(escaped, key=len, reverse=True))


def _day_expr(lex: Lexicon) -> str:
    """A day phrase (no named groups, for embedding): 'pasado mañana', 'am Montag', 'ce soir'."""
    plain = [d for d in lex.days if d not in lex.guarded_days]
    guarded = [
        "".join(f"(?<!{re.escape(g)})" for g in guards) + re.escape(word)
        for word, guards in lex.guarded_days.items()
    ]
    weekday = (
        r"(?:(?:" + _alt(lex.weekday_preps) + r")\s+)?(?:(?:" + _alt(lex.next_words) + r")\s+)?"
        r"(?:"
        + _alt(lex.weekdays)
        + r")(?!\s+(?:"
        + (_alt(lex.not_after_weekday) or "(?!)")
        + r")\b)(?:\s+(?:"
        + _alt(lex.next_words)
        + r"))?"
        + (r"(?:\s+(?:" + _alt(lex.weekday_parts) + r"))?" if lex.weekday_parts else "")
    )
    return r"(?:" + _alt(plain) + r"|" + "|".join(guarded or ["(?!)"]) + r"|" + weekday + r")"


def _clock_expr(lex: Lexicon, day: str, hour: str) -> str:
    """The clock pattern: a time after a preposition, with a day before, between or after."""
    markers = r"(?<=\d)h|\s*(?:" + _alt(lex.markers_24h) + r")" if lex.markers_24h else "(?!)"
    after_hour = (
        r"(?:(?P<sep>[:.]|(?<=\d)\s?h\s?|\s*uhr\s*)(?P<m>[0-5]\d)(?P<uhr>\s*uhr)?|(?P<hh>"
        + markers
        + r"))"
    )
    pfrac = r"(?:(?P<pfrac>" + (_alt(lex.prefix_fracs) or "(?!)") + r")\s+)?"
    sfrac = r"(?:\s+(?P<sfrac>" + (_alt(lex.suffix_fracs) or "(?!)") + r"))?"
    closers = _alt(lex.closers) if lex.closers else "(?!)"
    explicit_end = r"(?![\w:'-]|[.,/]\d)"
    # A German number and a full stop is an ordinal ("bis 14. November"), not an hour.
    stops = "[,:\\-]" if lex.code == "de" else "[.,:\\-]"
    weak_end = (
        r"(?=\s*(?:$|[!?;)]|"
        + stops
        + r"(?!\d)|(?:"
        + _alt(lex.parts)
        + r"|"
        + day
        + r"|"
        + closers
        + r")\b))"
    )
    no_units = r"(?!\s*(?:" + UNITS_AND_CURRENCY + r"))"
    weak = _alt(p for p in lex.by + lex.at if p not in lex.strong) or "(?!)"
    clock = (
        r"\b(?:(?P<pre>" + day + r")\s*,?\s+)?"
        r"(?:(?:(?P<sprep>" + _alt(lex.strong or ("(?!)",)) + r")|(?P<wprep>" + weak + r"))\s+"
        r"(?:(?P<mid>" + day + r")\s+(?:(?:" + _alt(lex.at) + r")\s+)?)?"
        r"(?:"
        + pfrac
        + r"(?P<h>"
        + hour
        + r")"
        + after_hour
        + r"?"
        + no_units
        + sfrac
        + r"(?:\s+(?P<part>"
        + _alt(lex.parts)
        + r"))?"
        r"|(?P<noon>" + _alt(lex.noon) + r"))"
        r"|(?P<nprep>" + _alt(lex.noon_preps) + r")\s+(?P<noon2>" + _alt(lex.noon) + r"))"
        r"(?:\s*,?\s*(?P<post>" + day + r"))?"
        r"(?(m)"
        + explicit_end
        + r"|(?(hh)"
        + explicit_end
        + r"|(?(part)"
        + explicit_end
        + r"|(?(sfrac)"
        + explicit_end
        + r"|(?(noon)"
        + explicit_end
        + r"|(?(noon2)"
        + explicit_end
        + r"|(?(sprep)"
        + explicit_end
        + r"|"
        + weak_end
        + explicit_end
        + r")))))))"
    )
    return clock


def _compile(lex: Lexicon) -> dict[str, re.Pattern[str]]:
    """The language's patterns, compiled once."""
    day = _day_expr(lex)
    hour = r"\d{1,2}|" + _alt(lex.hour_words)
    clock = _clock_expr(lex, day, hour)
    # A bare hour with "Uhr" and no preposition: "morgen 15 Uhr".
    bare = (
        r"\b(?:(?P<pre>" + day + r")\s+)?(?P<h>\d{1,2})(?:[:.](?P<m>[0-5]\d))?(?P<uhr>\s*uhr)\b"
        if "uhr" in lex.markers_24h
        else r"(?!)"
    )
    # Noon or midnight right after a day, with no preposition: "morgen Mittag", "demain midi".
    day_noon = r"\b(?P<pre>" + day + r")\s+(?P<noon>" + _alt(lex.noon) + r")(?![\w'-])"
    days = r"\b(?:(?P<prep>" + _alt(lex.day_by) + r")\s+)?(?P<day>" + day + r")(?![\w'-])"
    num = r"\d+(?:[.,]\d+)?|" + _alt(lex.numbers)
    relative = (
        r"\b(?P<prep>" + _alt(lex.rel_preps) + r")\s+"
        r"(?:(?P<half>" + _alt(lex.half_hours) + r")|(?P<num>" + num + r")(?:\s*|'\s*)"
        r"(?P<unit>" + lex.units + r")(?P<and_half>\s+(?:" + _alt(lex.and_half) + r"))?)"
        r"(?![\w'-])"
    )
    # "gestern um 15 Uhr", "desde las 7", "ontem às 15h": one word may sit in between.
    past = r"\b(?:" + _alt(lex.past_before) + r")(?:\s+[\w']+)?\s*$"
    return {
        "clock": re.compile(clock),
        "bare": re.compile(bare),
        "day_noon": re.compile(day_noon),
        "day": re.compile(days),
        "relative": re.compile(relative),
        "past": re.compile(past),
    }


def compile_languages() -> None:
    """Fill every lexicon's ``compiled`` table; ``deadline_languages`` calls it on import."""
    for lex in LANGUAGES.values():
        lex.compiled.update(_compile(lex))
