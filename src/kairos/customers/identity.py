"""Canonical identities: one customer matches across channels however a value was written.

- phone: E.164 (``+14155550100``) via ``phonenumbers``; a number written without a country code
  is read in the default region (``KAIROS_DEFAULT_PHONE_REGION``). A number that does not parse
  or is not a valid number keeps only its digits and is flagged invalid, so it still matches the
  same digits next time but is never mistaken for a real E.164 number.
- email: trimmed and lower-cased. Dots and ``+tags`` are kept, even for Gmail: other providers
  treat them as different mailboxes, and a wrong merge costs more than a missed match.
- social: ``platform:handle`` lower-cased, without the ``@``.
- account, policy, chat: trimmed; their case may matter to the system that issued them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from kairos.events import Identity


@dataclass(frozen=True)
class CanonicalIdentity:
    """An identity as stored: its kind, its canonical value, and whether the value is valid."""

    kind: str
    value: str
    valid: bool = True

    @property
    def key(self) -> tuple[str, str]:
        """The unique (kind, value) pair."""
        return self.kind, self.value


def normalise_phone(value: str, region: str) -> tuple[str, bool]:
    """The E.164 form of a phone number and True, or its bare digits and False if invalid."""
    try:
        number = phonenumbers.parse(value, region.upper())
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), True
    return re.sub(r"\D", "", value) or value.strip(), False


def canonical(identity: Identity, *, region: str = "US") -> CanonicalIdentity:
    """The canonical form of ``identity``; ``region`` reads phone numbers without a country code."""
    value = identity.value.strip()
    if identity.kind == "phone":
        phone, valid = normalise_phone(value, region)
        return CanonicalIdentity("phone", phone, valid)
    if identity.kind == "email":
        return CanonicalIdentity("email", value.lower())
    if identity.kind == "social":
        platform, sep, handle = value.partition(":")
        if sep:
            value = f"{platform.strip()}:{handle.strip().lstrip('@')}"
        return CanonicalIdentity("social", value.lstrip("@").lower())
    return CanonicalIdentity(identity.kind, value)
