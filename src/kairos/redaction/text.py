"""Redaction of secrets and national ID numbers before anything is stored or shown.

Card numbers keep their last four digits (PCI DSS allows that much); card security codes, PINs
and passwords keep nothing. Text is redacted where a secret is recognisable: a Luhn-valid run of
13 to 19 digits, or a value right after a keyword ("cvv 123", "my PIN is 4321", "password:
hunter2"). Keyed values (IVR inputs, form fields) are judged by their name. A redacted secret
reads ``[card ••••1234]``, ``[cvv ••••]``, ``[pin ••••]`` or ``[password ••••]``, so the text
still says that the customer gave one.

National ID numbers and bank accounts, as contact centers hear them:

- US Social Security numbers: ``123-45-6789`` or ``123 45 6789`` anywhere, nine bare digits only
  after a keyword ("SSN", "social security number"); only numbers the SSA could issue (area not
  000, 666 or 900-999, group not 00, serial not 0000). They keep their last four, as US practice
  does ("the last four of your social"): ``[ssn ••••6789]``.
- UK National Insurance numbers: two prefix letters the HMRC allocates, six digits, a suffix
  A-D (``QQ 12 34 56 C``; the suffix may be left out after a keyword): ``[nino ••••]``.
- IBANs: a country's length and a valid mod-97 check (``GB82 WEST 1234 5698 7654 32``); they
  keep their last four: ``[iban ••••5432]``.
- Canadian Social Insurance numbers: nine Luhn-valid digits after a keyword ("SIN",
  "social insurance number"): ``[sin ••••]``.
- Passport numbers: six to nine letters and digits after "passport number": ``[passport ••••]``.
"""

from __future__ import annotations

import re

from kairos.redaction.cards import (
    MASK,
    card_token,
    luhn_valid,
    redact_card_numbers,
    redact_spoken_cards,
)
from kairos.redaction.phrases import redact_phrases

__all__ = [
    "MASK",
    "iban_valid",
    "is_secret_name",
    "luhn_valid",
    "mask_value",
    "redact_card_numbers",
    "redact_national_ids",
    "redact_secrets",
    "ssn_valid",
]


# After a card keyword, a number is redacted even when it fails the Luhn check (a typo).
_CARD_STATED = re.compile(
    r"(?P<k>\b(?:credit|debit|bank|payment)?\s*card(?:\s*(?:number|no\.?|num|#))?"
    r"(?:\s*(?:is|was|it'?s|:|=|-))?\s*)(?P<v>(?:\d[ -]?){11,18}\d)(?![\d-])",
    re.IGNORECASE,
)
_IS = r"(?:\s*(?:(?:is|was|it'?s|are)\b|=|:|-|#)\s*|\s+)"
# Keyed values named like a secret; "pin_code", "cardNumber", "CVV2", "new-password".
_SECRET_NAME = re.compile(
    r"card|pan(?![a-z])|cvv|cvc|csc(?![a-z])|(?<![a-z])pin(?![a-z]{2})|pincode|pass_?code|"
    r"(?<![a-z])otp(?![a-z])|one_?time|"
    r"password|passwd|pwd(?![a-z])|passphrase|secret|ssn(?![a-z])|social_?security|"
    r"national_?id|security_?code|nino(?![a-z])|national_?insurance|iban(?![a-z])|"
    r"(?<![a-z])sin(?![a-z])|social_?insurance|passport",
    re.IGNORECASE,
)
_CARD_NAME = re.compile(r"card|pan(?![a-z])", re.IGNORECASE)
# Keyed values that keep their last four, as their text form does.
_LAST_FOUR_NAME = re.compile(r"ssn(?![a-z])|social_?security|iban(?![a-z])", re.IGNORECASE)

_DIGIT = re.compile(r"\d")
_DIGITS_DASH = frozenset("0123456789-")
_SPOKEN_HINT = re.compile(r"\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b")
_NUMBER_WORDS = r"(?:\s*(?:number|no\.?|num|#))?"
# US Social Security numbers as written: 3-2-4 digits with the same separator, only numbers the
# SSA issues (area not 000, 666 or 9xx; group not 00; serial not 0000).
# (The SSA's ranges and the number's edges are checked in Python: a plain pattern scans faster.)
_SSN_GROUPED = re.compile(r"\d{3}([-. ])\d{2}\1\d{4}")
# After a keyword, nine digits however grouped; redacted even outside the SSA's ranges (ITINs
# start with 9, and a stated typo is still the customer's number).
_SSN_STATED = re.compile(
    rf"(?P<k>\b(?:ssn|ss\s*#|soc(?:ial)?\s*sec(?:urity)?|social){_NUMBER_WORDS}{_IS})"
    r"(?P<v>\d{3}[-. ]?\d{2}[-. ]?\d{4})(?![\d-])",
    re.IGNORECASE,
)
# UK National Insurance numbers: prefixes HMRC allocates (first letter not D, F, I, Q, U, V;
# second not D, F, I, O, Q, U, V; never BG, GB, KN, NK, NT, TN, ZZ), six digits, suffix A-D.
_NINO_BODY = (
    r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"[\s-]?\d{2}[\s-]?\d{2}[\s-]?\d{2}"
)
_NINO = re.compile(rf"{_NINO_BODY}[\s-]?[A-D]\b", re.IGNORECASE)
# Where an IBAN or a National Insurance number may start: two letters, then digits.
_LETTERS_DIGITS = re.compile(r"\b[A-Za-z]{2}[\s-]?\d\d")
_NINO_STATED = re.compile(
    rf"(?P<k>\b(?:national\s*insurance{_NUMBER_WORDS}|ni\s*(?:number|no\.?|#)|nino){_IS})"
    rf"(?P<v>{_NINO_BODY}(?:[\s-]?[A-D])?)\b",
    re.IGNORECASE,
)
# Canadian Social Insurance numbers: nine Luhn-valid digits after a keyword ("sin" is a word).
_SIN_STATED = re.compile(
    rf"(?P<k>\b(?:sin|social\s*insurance){_NUMBER_WORDS}{_IS})"
    r"(?P<v>\d{3}[- ]?\d{3}[- ]?\d{3})(?![\d-])",
    re.IGNORECASE,
)
_PASSPORT_STATED = re.compile(
    rf"(?P<k>\bpassport{_NUMBER_WORDS}{_IS})(?P<v>(?=[A-Z]{{0,3}}\d)[A-Z0-9]{{6,9}})\b",
    re.IGNORECASE,
)
# An IBAN's start; its end comes from the country's length (it may be grouped by spaces).
_IBAN_CANDIDATE = re.compile(r"([A-Z]{2})\d{2}(?:[ -]?[A-Z0-9]){11,30}", re.IGNORECASE)
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def ssn_valid(digits: str) -> bool:
    """Whether nine digits are a Social Security number the SSA could have issued."""
    return (
        len(digits) == 9
        and digits.isdigit()
        and digits[:3] not in ("000", "666")
        and digits[0] != "9"
        and digits[3:5] != "00"
        and digits[5:] != "0000"
    )


def iban_valid(iban: str) -> bool:
    """Whether a compact IBAN has its country's length and passes the mod-97 check."""
    iban = iban.upper()
    if _IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isalnum():
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _iban_at(text: str, start: int) -> tuple[int, str] | None:
    """The end and the last four of a valid IBAN starting at ``start``, if one does."""
    match = _IBAN_CANDIDATE.match(text, start)
    if match is None:
        return None
    length = _IBAN_LENGTHS.get(match[1].upper())
    if length is None:
        return None
    # The candidate may run on into the next word: the country's length says where it ends.
    compact: list[str] = []
    for index in range(start, match.end()):
        if text[index].isalnum():
            compact.append(text[index])
            if len(compact) == length:
                end = index + 1
                iban = "".join(compact).upper()
                if (end == len(text) or not text[end].isalnum()) and iban_valid(iban):
                    return end, iban[-4:]
                return None
    return None


def _redact_letter_ids(text: str) -> str:
    """IBANs and National Insurance numbers: both start with two letters and digits."""
    out: list[str] = []
    pos = 0
    for candidate in _LETTERS_DIGITS.finditer(text):
        start = candidate.start()
        if start < pos:
            continue
        iban = _iban_at(text, start)
        if iban is not None:
            out += [text[pos:start], f"[iban {MASK}{iban[1]}]"]
            pos = iban[0]
            continue
        nino = _NINO.match(text, start)
        if nino is not None:
            out += [text[pos:start], f"[nino {MASK}]"]
            pos = nino.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def _ssn_grouped(match: re.Match[str]) -> str:
    text, start, end = match.string, match.start(), match.end()
    if (start and text[start - 1] in _DIGITS_DASH) or (
        end < len(text) and text[end] in _DIGITS_DASH
    ):
        return match.group(0)  # part of a longer number
    digits = match.group(0).replace(match[1], "")
    return f"[ssn {MASK}{digits[-4:]}]" if ssn_valid(digits) else match.group(0)


def _ssn_token(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return f"[ssn {MASK}{digits[-4:]}]"


def _sin(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match["v"])
    return match["k"] + f"[sin {MASK}]" if luhn_valid(digits) else match.group(0)


def redact_national_ids(text: str) -> str:
    """``text`` with SSNs, UK National Insurance and Canadian SIN numbers, IBANs and passport
    numbers redacted (see the module's docstring for what is recognised)."""
    if _DIGIT.search(text) is None:
        return text
    text = _redact_letter_ids(_SSN_GROUPED.sub(_ssn_grouped, text))
    # The keyword patterns run only where their keyword is (a substring test costs ~0.1 µs).
    lowered = text.lower()
    if "ss" in lowered or "soc" in lowered:
        text = _SSN_STATED.sub(lambda m: m["k"] + _ssn_token(m["v"]), text)
    if "insurance" in lowered or "ni" in lowered:
        text = _NINO_STATED.sub(rf"\g<k>[nino {MASK}]", text)
    if "sin" in lowered or "social" in lowered:
        text = _SIN_STATED.sub(_sin, text)
    if "passport" in lowered:
        text = _PASSPORT_STATED.sub(rf"\g<k>[passport {MASK}]", text)
    return text


# What every recogniser below needs to find anything in ASCII text: a digit (cards, codes,
# PINs and national IDs typed), three number words in a row (a card, code or PIN said), a
# password keyword ("pass", "pw"), or the slash of "login: user / secret". Text with none of
# them cannot hold a secret they would redact, and is returned as it came after one scan.
_MAYBE_SECRET = re.compile(
    r"[0-9/]|pass|pw|"
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)[\s,.\-]+"
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)[\s,.\-]+"
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)",
    re.IGNORECASE,
)


def redact_secrets(text: str) -> str:
    """``text`` with card numbers, card security codes, PINs, passwords and national ID numbers
    redacted."""
    if not text:
        return text
    if text.isascii() and _MAYBE_SECRET.search(text) is None:
        return text  # the common case: a plain sentence (non-ASCII text takes the full path)
    return redact_all(text)


def redact_all(text: str) -> str:
    """``redact_secrets`` without its shortcut: every recogniser run over ``text``."""
    text = redact_card_numbers(text)
    lowered = text.lower()
    if "card" in lowered:
        text = _CARD_STATED.sub(lambda m: m["k"] + card_token(re.sub(r"\D", "", m["v"])), text)
    if _SPOKEN_HINT.search(lowered) is not None:
        text = redact_spoken_cards(text)
    text = redact_phrases(text)
    return redact_national_ids(text)


def is_secret_name(name: str) -> bool:
    """Whether a keyed value with this name is a secret (card, CVV, PIN, password, ...)."""
    return _SECRET_NAME.search(name) is not None


def mask_value(name: str, value: str) -> tuple[str, bool]:
    """The value to store for a keyed value named ``name``, and whether it was redacted.

    A card number keeps its last four digits; any other secret keeps nothing. A value whose
    name says nothing is still searched for secrets stated in it.
    """
    if is_secret_name(name):
        if re.fullmatch(rf"{MASK}[0-9A-Za-z]{{0,4}}", value):  # masked already, on an earlier pass
            return value, True
        digits = re.sub(r"\D", "", value)
        if _CARD_NAME.search(name) and len(digits) >= 12:
            return MASK + digits[-4:], True
        characters = re.sub(r"[^0-9A-Za-z]", "", value)
        if _LAST_FOUR_NAME.search(name) and len(characters) >= 9:
            return MASK + characters[-4:].upper(), True
        return MASK, True
    redacted = redact_secrets(value)
    return redacted, redacted != value
