"""Redaction of payment card numbers before anything is stored or shown."""

from __future__ import annotations

import re

# 13 to 19 digits, optionally grouped by spaces or dashes, as people type or say card numbers.
_CARD_CANDIDATE = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")


def luhn_valid(digits: str) -> bool:
    """Whether a digit string passes the Luhn check used by every payment card number."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def redact_card_numbers(text: str) -> str:
    """``text`` with every Luhn-valid card number replaced by ``[card ••••1234]``."""
    if not any(c.isdigit() for c in text):
        return text

    def replace(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return f"[card ••••{digits[-4:]}]"
        return match.group(0)

    return _CARD_CANDIDATE.sub(replace, text)
