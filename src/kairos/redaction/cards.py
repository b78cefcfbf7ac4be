"""Payment card numbers in text, however they are written or said.

A card number is found by scanning every window of a run of digits: a run is digits joined by
the separators people type (spaces, several of them, no-break spaces, dashes, dots, slashes,
underscores), and a window starts and ends where a group of digits does, so "order 12345 4704
7485 5946 1517 12 25" gives up the card in its middle and leaves the order number and the
expiry. A group long enough to be a card on its own is one window. Each window of 13 to 19
digits that passes the Luhn check (python-stdnum's) is a card number; the standard lengths are
tried first. Spoken digits ("four seven zero four ...") are read as digits the same way.
"""

from __future__ import annotations

import re

from stdnum import luhn

MASK = "••••"

# A run of digit groups joined by up to three separators of the kinds people type.
_SEPARATORS = " \t\u00a0\u2007\u202f._/\\-\u2010\u2011\u2012\u2013\u2014"
_RUN = re.compile(rf"\d+(?:[{re.escape(_SEPARATORS)}]{{1,3}}\d+)*")
_GROUP = re.compile(r"\d+")
_ASCII_DIGIT = re.compile(r"[0-9]")
#: Card lengths, most common first: a window of 16 digits wins over 18 that also pass Luhn.
_LENGTHS = (16, 15, 19, 14, 13, 17, 18)

_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d)"
#: Three or more spoken digits in a row ("seven three nine", "four, seven, zero").
SPOKEN_RUN = re.compile(rf"\b{_DIGIT_WORD}(?:[\s,.-]+{_DIGIT_WORD}\b){{2,}}", re.IGNORECASE)


def card_token(digits: str) -> str:
    """How a redacted card number reads: ``[card ••••1234]``."""
    return f"[card {MASK}{digits[-4:]}]"


def luhn_valid(digits: str) -> bool:
    """Whether a digit string passes the Luhn check used by every payment card number."""
    return digits.isdigit() and luhn.is_valid(digits)


def is_card_number(digits: str) -> bool:
    """Whether a digit string is long enough to be a card number and passes the Luhn check."""
    return 13 <= len(digits) <= 19 and luhn_valid(digits)


def _windows(groups: list[re.Match[str]]) -> list[tuple[int, int, str]]:
    """(start, end, digits) of each card number among a run's groups, left to right.

    Every window of whole groups with 13 to 19 digits that passes the Luhn check is a
    candidate. Overlapping candidates are redacted together (a wrong guess costs a few digits
    of an order number, never a card's middle); the one named is what a card number looks like
    most: a major network's first digit (2 to 6) first, then the common lengths.
    """
    candidates: list[tuple[int, int, tuple[bool, int, int], str]] = []
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            digits += groups[last].group(0)
            if len(digits) > 19:
                break
            if len(digits) >= 13 and luhn_valid(digits):
                rank = (digits[0] not in "23456", _LENGTHS.index(len(digits)), first)
                candidates.append((first, last, rank, digits))
    found: list[tuple[int, int, str]] = []
    span: list[tuple[int, int, tuple[bool, int, int], str]] = []
    for candidate in sorted(candidates):  # by first group: overlapping ones are adjacent
        if span and candidate[0] > max(c[1] for c in span):
            found.append(_named(groups, span))
            span = []
        span.append(candidate)
    if span:
        found.append(_named(groups, span))
    return found


def _named(
    groups: list[re.Match[str]], span: list[tuple[int, int, tuple[bool, int, int], str]]
) -> tuple[int, int, str]:
    best = min(span, key=lambda c: c[2])
    return groups[span[0][0]].start(), groups[max(c[1] for c in span)].end(), best[3]


def redact_card_numbers(text: str) -> str:
    """``text`` with every Luhn-valid card number replaced by ``[card ••••1234]``."""
    if text.isascii():
        if _ASCII_DIGIT.search(text) is None:
            return text
    elif not any(c.isdigit() for c in text):
        return text
    out: list[str] = []
    pos = 0
    for run in _RUN.finditer(text):
        if len(run.group(0)) < 13:
            continue
        groups = list(_GROUP.finditer(text, run.start(), run.end()))
        for start, end, digits in _windows(groups):
            out += [text[pos:start], card_token(digits)]
            pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def spoken_digits(words: str) -> str:
    """The digits a run of spoken digits stands for: "seven three 9" gives "739"."""
    return "".join(
        _DIGIT_WORDS.get(word.lower(), word) for word in re.findall(rf"{_DIGIT_WORD}", words, re.I)
    )


def redact_spoken_cards(text: str) -> str:
    """``text`` with card numbers said as words ("four seven zero four ...") redacted."""

    def replace(match: re.Match[str]) -> str:
        digits = spoken_digits(match.group(0))
        return card_token(digits) if is_card_number(digits) else match.group(0)

    return SPOKEN_RUN.sub(replace, text)
