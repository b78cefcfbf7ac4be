"""Redaction of secrets before anything is stored or shown.

Card numbers keep their last four digits (PCI DSS allows that much); card security codes, PINs
and passwords keep nothing. Text is redacted where a secret is recognisable: a Luhn-valid run of
13 to 19 digits, or a value right after a keyword ("cvv 123", "my PIN is 4321", "password:
hunter2"). Keyed values (IVR inputs, form fields) are judged by their name. A redacted secret
reads ``[card ••••1234]``, ``[cvv ••••]``, ``[pin ••••]`` or ``[password ••••]``, so the text
still says that the customer gave one.
"""

from __future__ import annotations

import re
from typing import Any

from kairos.events import (
    Event,
    InteractionEnded,
    InteractionStarted,
    IvrInput,
    IvrSelection,
    SurveyResponse,
    Transfer,
    Utterance,
)

MASK = "••••"

# 13 to 19 digits, optionally grouped by spaces or dashes, as people type or say card numbers.
_CARD_CANDIDATE = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
# After a card keyword, a number is redacted even when it fails the Luhn check (a typo).
_CARD_STATED = re.compile(
    r"(?P<k>\b(?:credit|debit|bank|payment)?\s*card(?:\s*(?:number|no\.?|num|#))?"
    r"(?:\s*(?:is|was|it'?s|:|=|-))?\s*)(?P<v>(?:\d[ -]?){11,18}\d)(?![\d-])",
    re.IGNORECASE,
)
_NOT_PASSWORDS = (
    "reset|changed|wrong|incorrect|not|no|expired|locked|invalid|correct|right|too|the|my|a|an|"
    "case|being|still|now|working|blocked|updated|required|needed|set|sent|lost|forgotten|gone|"
    "fine|ok|okay|same|different|new|old|weak|strong|saved|stored|rejected|accepted"
)
_IS = r"(?:\s*(?:is|was|it'?s|are|=|:|-|#)\s*|\s+)"
_STATED: list[tuple[str, re.Pattern[str]]] = [
    (
        "cvv",
        re.compile(
            rf"(?P<k>\b(?:cvv2?|cvc2?|csc|cid|security\s*code|card\s*verification\s*"
            rf"(?:code|value|number)|(?:three|four|3|4)[\s-]*digits?(?:\s*code)?\s*"
            rf"on\s*the\s*back)(?:\s*(?:number|no\.?|code))?{_IS})(?P<v>\d{{3,4}})\b",
            re.IGNORECASE,
        ),
    ),
    (
        "pin",
        re.compile(
            rf"(?P<k>\b(?:pin|pin\s*code|pincode|passcode)(?:\s*(?:number|no\.?|#))?{_IS})"
            rf"(?P<v>\d{{4,8}})\b",
            re.IGNORECASE,
        ),
    ),
    (
        "password",
        re.compile(
            r"(?P<k>\b(?:password|passwd|pass\s*word|passphrase|pwd)"
            r"\s*(?:is|was|it'?s|=|:|-)\s*[\"'“‘]?)"
            # Words that describe the password rather than spell it.
            rf"(?!(?:{_NOT_PASSWORDS})\b)"
            r"(?P<v>[^\s\"'“”‘’]{3,200}?)(?=[\"'”’]?[.,;:!?)]*(?:\s|$))",
            re.IGNORECASE,
        ),
    ),
]
# Keyed values named like a secret; "pin_code", "cardNumber", "CVV2", "new-password".
_SECRET_NAME = re.compile(
    r"card|pan(?![a-z])|cvv|cvc|csc(?![a-z])|(?<![a-z])pin(?![a-z]{2})|pincode|passcode|"
    r"password|passwd|pwd(?![a-z])|passphrase|secret|ssn(?![a-z])|social_?security|"
    r"national_?id|security_?code",
    re.IGNORECASE,
)
_CARD_NAME = re.compile(r"card|pan(?![a-z])", re.IGNORECASE)


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


def _card_token(digits: str) -> str:
    return f"[card {MASK}{digits[-4:]}]"


def redact_card_numbers(text: str) -> str:
    """``text`` with every Luhn-valid card number replaced by ``[card ••••1234]``."""
    if not any(c.isdigit() for c in text):
        return text

    def replace(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return _card_token(digits)
        return match.group(0)

    return _CARD_CANDIDATE.sub(replace, text)


def redact_secrets(text: str) -> str:
    """``text`` with card numbers, card security codes, PINs and passwords redacted."""
    text = redact_card_numbers(text)
    lowered = text.lower()
    if "card" in lowered:
        text = _CARD_STATED.sub(lambda m: m["k"] + _card_token(re.sub(r"\D", "", m["v"])), text)
    for kind, pattern in _STATED:
        text = pattern.sub(rf"\g<k>[{kind} {MASK}]", text)
    return text


def is_secret_name(name: str) -> bool:
    """Whether a keyed value with this name is a secret (card, CVV, PIN, password, ...)."""
    return _SECRET_NAME.search(name) is not None


def mask_value(name: str, value: str) -> tuple[str, bool]:
    """The value to store for a keyed value named ``name``, and whether it was redacted.

    A card number keeps its last four digits; any other secret keeps nothing. A value whose
    name says nothing is still searched for secrets stated in it.
    """
    if is_secret_name(name):
        if re.fullmatch(rf"{MASK}\d{{0,4}}", value):  # masked already, on an earlier pass
            return value, True
        digits = re.sub(r"\D", "", value)
        if _CARD_NAME.search(name) and len(digits) >= 12:
            return MASK + digits[-4:], True
        return MASK, True
    redacted = redact_secrets(value)
    return redacted, redacted != value


def _clean(value: str | None, limit: int) -> str | None:
    """Redacted, and cut to the field's length (a redaction mark can be longer than a number)."""
    if not value:
        return value
    redacted = redact_secrets(value)
    return redacted if len(redacted) <= limit else redacted[: limit - 1] + "…"


def sanitise_event(event: Event) -> Event:
    """The event as it may be stored: every free-text field and keyed secret redacted."""
    update: dict[str, Any] = {}
    if isinstance(event, Utterance):
        update["text"] = _clean(event.text, 20_000)
    elif isinstance(event, IvrInput):
        update["value"] = mask_value(event.name, event.value)[0]
    elif isinstance(event, IvrSelection):
        update["label"] = _clean(event.label, 200)
    elif isinstance(event, InteractionStarted):
        update["subject"] = _clean(event.subject, 500)
        update["reason"] = _clean(event.reason, 200)
        if event.escalation is not None and event.escalation.note:
            note = _clean(event.escalation.note, 2000)
            update["escalation"] = event.escalation.model_copy(update={"note": note})
    elif isinstance(event, Transfer):
        update["reason"] = _clean(event.reason, 500)
    elif isinstance(event, InteractionEnded):
        note, disposition = event.outcome.note, event.outcome.disposition
        update["outcome"] = event.outcome.model_copy(
            update={"note": _clean(note, 2000), "disposition": _clean(disposition, 100)}
        )
    elif isinstance(event, SurveyResponse):
        update["text"] = _clean(event.text, 5000)
    changed = {k: v for k, v in update.items() if v != getattr(event, k)}
    return event.model_copy(update=changed) if changed else event
