"""The time zone a customer's deadline is read in, and where that zone came from.

"By 7 tonight" means 19:00 where the customer is. The zone is taken, in this order, from:

1. the interaction itself (``InteractionStarted.timezone``: the channel or the IVR knows it);
2. the customer's earlier interactions (the latest one that carried a zone);
3. the customer's phone number, by its region (``phonenumbers``). A number whose region has
   several zones gets the country's main one when it is among them (Europe/Madrid for a Spanish
   mobile that could also be Atlantic/Canary), else the first in alphabetical order; a number whose
   zones lie more than three hours apart (a US toll-free number, an Australian mobile) says
   nothing about where the customer is and is skipped;
4. the contact centre's configured zone (``KAIROS_CENTRE_TIMEZONE``);
5. UTC, only when nothing is configured, and then the evidence says "centre default UTC".

The choice is a pure function of those inputs; its ``detail`` is written into the deadline's
evidence so that a supervisor sees which zone a deadline was read in and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_timezones

__all__ = ["ZoneChoice", "resolve_zone", "zone_from_phone"]

ZoneSource = Literal["interaction", "customer", "phone", "centre", "default"]

# The zone most of a country's people live in, for countries with several. A phone number that
# could be in any of them is read in this one when it is among the number's zones.
MAIN_ZONE: dict[str, str] = {
    "AR": "America/Argentina/Buenos_Aires",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "CD": "Africa/Kinshasa",
    "CL": "America/Santiago",
    "DE": "Europe/Berlin",
    "EC": "America/Guayaquil",
    "ES": "Europe/Madrid",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "ID": "Asia/Jakarta",
    "IT": "Europe/Rome",
    "KZ": "Asia/Almaty",
    "MX": "America/Mexico_City",
    "NZ": "Pacific/Auckland",
    "PT": "Europe/Lisbon",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "US": "America/New_York",
}
# Zones of one number further apart than this (in winter or in summer) do not place the customer.
MAX_SPREAD_HOURS = 3.0
# Two fixed instants, so that the spread, and so the choice, never depends on today's date.
_PROBES = (datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    """The IANA zone a deadline is read in, where it came from, and that said in words."""

    name: str
    source: ZoneSource
    detail: str


def _valid(name: str | None) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _spread_hours(zones: list[str]) -> float:
    spread = 0.0
    for probe in _PROBES:
        offsets = [probe.astimezone(ZoneInfo(z)).utcoffset() for z in zones]
        hours = [o.total_seconds() / 3600 for o in offsets if o is not None]
        spread = max(spread, max(hours) - min(hours))
    return spread


def zone_from_phone(phone: str, region: str = "US") -> tuple[ZoneChoice | None, str | None]:
    """The zone a phone number places its owner in, or None and why not.

    Only the country code and region go into the evidence, never the number itself.
    """
    try:
        number = phonenumbers.parse(phone, region.upper())
    except phonenumbers.NumberParseException:
        return None, "the customer's phone does not parse"
    if not phonenumbers.is_valid_number(number):
        return None, "the customer's phone is not a valid number"
    zones = sorted(z for z in phone_timezones.time_zones_for_number(number) if _valid(z))
    country = phonenumbers.region_code_for_number(number) or region.upper()
    said = f"+{number.country_code}, {country}"
    if not zones:
        return None, f"phone {said} has no known zone"
    if len(zones) == 1:
        return ZoneChoice(zones[0], "phone", f"the customer's phone ({said})"), None
    if _spread_hours(zones) > MAX_SPREAD_HOURS:
        return None, f"phone {said} spans {len(zones)} zones"
    main = MAIN_ZONE.get(country)
    if main is not None and main in zones:
        name, why = main, "the country's main one"
    else:
        name, why = zones[0], "the first alphabetically"
    others = ", ".join(z for z in zones if z != name)
    detail = f"the customer's phone ({said}): {len(zones)} zones, {why} (not {others})"
    return ZoneChoice(name, "phone", detail), None


def resolve_zone(
    *,
    interaction_zone: str | None,
    customer_zone: str | None,
    phone: str | None,
    centre_zone: str | None,
    phone_region: str = "US",
) -> ZoneChoice:
    """The zone to read the customer's deadlines in (see the module's docstring for the order)."""
    skipped: list[str] = []

    def noted(choice: ZoneChoice) -> ZoneChoice:
        if not skipped:
            return choice
        return ZoneChoice(choice.name, choice.source, f"{choice.detail}; {'; '.join(skipped)}")

    if interaction_zone and _valid(interaction_zone):
        return ZoneChoice(interaction_zone, "interaction", "the interaction's zone")
    if interaction_zone:
        skipped.append(f"unknown interaction zone {interaction_zone!r}")
    if customer_zone and _valid(customer_zone):
        return noted(ZoneChoice(customer_zone, "customer", "the customer's earlier contacts"))
    if customer_zone:
        skipped.append(f"unknown earlier zone {customer_zone!r}")
    if phone:
        choice, why_not = zone_from_phone(phone, phone_region)
        if choice is not None:
            return noted(choice)
        if why_not:
            skipped.append(why_not)
    if centre_zone and _valid(centre_zone):
        return noted(ZoneChoice(centre_zone, "centre", "the centre's zone"))
    if centre_zone:
        skipped.append(f"unknown centre zone {centre_zone!r}")
    return noted(ZoneChoice("UTC", "default", "centre default UTC"))
