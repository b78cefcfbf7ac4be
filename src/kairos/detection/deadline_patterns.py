"""The English deadline finder's vocabulary and patterns: when a day's parts begin, how sure each
kind of phrase is, the words that gate each pattern family, and the compiled expressions.

``kairos.detection.deadlines`` runs them; ``deadline_resolution`` turns a match into a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time


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
# Each tuple is tried in turn until one substring is found, so the ones real customer turns hold
# most often come first ("h " of "with", "day", "tom" of "customer"; counted on the 10,807
# customer turns of the airline threads): the loop stops sooner, and whether any is found does
# not depend on the order (the first gate: 2.2 µs a customer turn against 4.1, warm).
_CLOCK_WORDS = ("noon", "midday", "midnight")
_ANCHOR_WORDS = (
    "day",
    "tom",
    " am",
    "today",
    "night",
    "morning",
    "tonight",
    " pm",
    "past ",
    "evening",
    "afternoon",
    "tmr",
    "a.m",
    "o'clock",
    "quarter",
    "p.m",
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
_UNIT_WORDS = ("h ", "day", "min", "hour", "hr")
_DAY_WORDS = (
    "day",
    "tom",
    "today",
    "mon",
    "morning",
    "fri",
    "wed",
    "tonight",
    "sat",
    "sun",
    "evening",
    "thu",
    "afternoon",
    "end of",
    "tue",
    "tmr",
    "eod",
    "cob",
    "close of business",
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
_ANY_WORDS = ("h ", "day", "tom", "now", "min", "hour", " am", "hr", "mon", "night", "morning",
              "fri", "wed", " pm", "sat", "sun", "evening", "thu", "noon", "asap", "immediately",
              "end of", "tue", "tmr", "as soon as", "right away", "a.m", "eod", "cob", "o'clock",
              "close of", "a.s.a.p", "straight away", "p.m")  # fmt: skip
# Languages with their own patterns, in ``deadline_languages`` (imported on first use: it builds
# on this module).
_FOREIGN_CODES = frozenset(("es", "de", "fr", "pt", "it"))
_DIGIT = re.compile(r"\d")
# Tighter family gates, each tried only after its substring gate above has passed and each a
# condition that family's pattern cannot match without, so they drop no match: an hour word
# follows whitespace ("by ten", not "often", "someone"); a weekday follows whitespace ("on sat",
# not "satisfied", "money"); a day pattern needs "tomorrow" or "tmr" rather than "tom"
# ("customer", "bottom"); a bare "h" unit follows a number ("in 2h", not "with"); "now" reads as
# a deadline only in "right now" (the words one of which every immediate phrase holds).
_HOUR_WORD_GATE = re.compile(r"\s(?:" + _HOUR_WORDS + r")")
_DAY_GATE = re.compile(
    r"tomorrow|tmr|tonight|today|morning|afternoon|evening|end\s+of|eod|cob|close\s+of\s+business"
    r"|\s(?:mon|tue|wed|thu|fri|sat|sun)"
)
_H_UNIT_GATE = re.compile(r"(?:\d|" + _NUM_WORD_RE + r")\s*(?:-\s*)?h\b")
_IMMEDIATE_GATE = ("right", "soon", "asap", "immediately", "a.s.a.p")
_UNIT_GATE = ("min", "hour", "hr", "day")
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
