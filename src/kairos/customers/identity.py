"""Canonical identities: one customer matches across channels however a value was written.

- phone: E.164 (``+14155550100``) via ``phonenumbers``; a number written without a country code
  is read in the default region (``KAIROS_DEFAULT_PHONE_REGION``), a ``tel:`` or SIP URI by the
  number in it. A number that does not parse or is not a valid number keeps only its digits and
  is flagged invalid, so it still matches the same digits next time but is never mistaken for a
  real E.164 number. A withheld caller ID (``anonymous``, ``restricted``...) and a value that
  cannot be a phone or an email (``n/a``) identify nobody: :func:`names_nobody` tells which, and
  no customer is joined on one.
- email: trimmed and lower-cased. Dots and ``+tags`` are kept, even for Gmail: other providers
  treat them as different mailboxes, and a wrong merge costs more than a missed match.
- social: ``platform:handle`` lower-cased, without the ``@``.
- account, policy, chat: trimmed; their case may matter to the system that issued them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr

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


#: What voice platforms send as the caller's number when it is withheld or was not passed on.
WITHHELD = frozenset(
    {"anonymous", "restricted", "unknown", "private", "withheld", "unavailable", "blocked"}
)
_SIP = re.compile(r"^sips?:([^@;]*)", re.IGNORECASE)
# A plausible address: something, one @, a domain with a dot; no spaces or angle brackets.
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>.]+(\.[^@\s<>.]+)+$")


def withheld(identity: Identity) -> bool:
    """Whether ``identity`` is a withheld caller ID: a phone that names nobody."""
    return identity.kind == "phone" and identity.value.strip().lower() in WITHHELD


def names_nobody(identity: Identity, *, region: str) -> bool:
    """Whether ``identity`` cannot tell one customer from another: a withheld caller ID, or a
    phone or an email that cannot be one (what a pre-chat form's visitor typed: ``n/a``)."""
    return withheld(identity) or identity_problem(identity, region=region) is not None


def _dialled(value: str) -> str:
    """The number of a SIP URI (``sip:+14155550100@carrier;user=phone``), else ``value``."""
    found = _SIP.match(value.strip())
    return found[1] if found is not None else value


def normalise_phone(value: str, region: str) -> tuple[str, bool]:
    """The E.164 form of a phone number and True, or its bare digits and False if invalid."""
    value = _dialled(value)
    try:
        number = phonenumbers.parse(value, region.upper())
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), True
    return re.sub(r"\D", "", value) or value.strip(), False


def identity_problem(identity: Identity, *, region: str) -> str | None:
    """Why ``identity`` cannot be what its kind says (a phone, an email), or None.

    Only what cannot be one is refused: a national number, a ``tel:`` or SIP URI with a number, a
    vanity number, a short code or a withheld caller ID can be a phone; an address with a display
    name (``Jane <jane@example.com>``) can be an email.
    """
    value = identity.value.strip()
    if identity.kind == "phone" and value.lower() not in WITHHELD:
        number = _dialled(value).strip().removeprefix("tel:")
        try:
            phonenumbers.parse(number, region.upper())
        except phonenumbers.NumberParseException:
            number = ""
        if not number or not (number[0] in "+(" or number[0].isdigit()):
            return (
                "not a phone number: send E.164 (+14155550100), a national number, a tel: or "
                f"SIP URI with the number, or one of {', '.join(sorted(WITHHELD))}"
            )
    if identity.kind == "email" and _EMAIL.fullmatch(email_address(value)) is None:
        return "not an email address: send name@domain (jane@example.com)"
    return None


def email_address(value: str) -> str:
    """The address of ``Jane Doe <jane@example.com>``; ``value`` itself when it has no name."""
    if "<" in value:
        _, address = parseaddr(value)
        if address:
            return address
    return value.strip()


def canonical(identity: Identity, *, region: str = "US") -> CanonicalIdentity:
    """The canonical form of ``identity``; ``region`` reads phone numbers without a country code."""
    value = identity.value.strip()
    if identity.kind == "phone":
        phone, valid = normalise_phone(value, region)
        return CanonicalIdentity("phone", phone, valid)
    if identity.kind == "email":
        return CanonicalIdentity("email", email_address(value).lower())
    if identity.kind == "social":
        platform, sep, handle = value.partition(":")
        if sep:
            value = f"{platform.strip()}:{handle.strip().lstrip('@')}"
        return CanonicalIdentity("social", value.lstrip("@").lower())
    return CanonicalIdentity(identity.kind, value)
