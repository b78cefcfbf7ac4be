"""Which zone a deadline is read in, and the words that say where it came from."""

from __future__ import annotations

import pytest

from kairos.detection.timezones import ZoneChoice, resolve_zone, zone_from_phone


def _resolve(**given: str | None) -> ZoneChoice:
    inputs: dict[str, str | None] = {
        "interaction_zone": None,
        "customer_zone": None,
        "phone": None,
        "centre_zone": None,
    }
    inputs.update(given)
    return resolve_zone(**inputs)  # type: ignore[arg-type]


def test_the_interaction_zone_comes_first() -> None:
    choice = _resolve(
        interaction_zone="America/New_York",
        customer_zone="Europe/Paris",
        phone="+34612345678",
        centre_zone="Europe/London",
    )
    assert choice == ZoneChoice("America/New_York", "interaction", "the interaction's zone")


def test_then_the_customers_earlier_zone() -> None:
    choice = _resolve(customer_zone="Europe/Paris", phone="+34612345678", centre_zone="UTC")
    assert (choice.name, choice.source) == ("Europe/Paris", "customer")


def test_a_spanish_mobile_gets_madrid_and_says_it_picked() -> None:
    choice = _resolve(phone="+34 612 34 56 78", centre_zone="America/Chicago")
    assert (choice.name, choice.source) == ("Europe/Madrid", "phone")
    # A Spanish mobile may be in the Canaries too: the choice and the alternative are stated.
    assert "2 zones" in choice.detail and "Atlantic/Canary" in choice.detail
    assert "612" not in choice.detail  # the country code only, never the number


@pytest.mark.parametrize(
    ("phone", "zone"),
    [
        ("+34912345678", "Europe/Madrid"),  # a Madrid landline: one zone
        ("+34922123456", "Atlantic/Canary"),  # a Tenerife landline
        ("+33612345678", "Europe/Paris"),
        ("+4915112345678", "Europe/Berlin"),
        ("+393123456789", "Europe/Rome"),  # Rome or the Vatican: the country's main one
        ("+351912345678", "Europe/Lisbon"),  # Lisbon or the Azores
        ("+5511987654321", "America/Sao_Paulo"),
        ("+14155550100", "America/Los_Angeles"),
        ("(212) 555-0100", "America/New_York"),  # no country code: the default region
    ],
)
def test_phone_regions(phone: str, zone: str) -> None:
    choice, _ = zone_from_phone(phone, "US")
    assert choice is not None and choice.name == zone


def test_a_number_spanning_distant_zones_places_nobody() -> None:
    choice, why = zone_from_phone("+18005550199")  # US toll-free: Hawaii to Newfoundland
    assert choice is None and why is not None and "zones" in why
    fallback = _resolve(phone="+18005550199", centre_zone="America/Chicago")
    assert (fallback.name, fallback.source) == ("America/Chicago", "centre")
    assert "spans" in fallback.detail


def test_the_configured_centre_zone_otherwise() -> None:
    choice = _resolve(centre_zone="Europe/Rome")
    assert choice == ZoneChoice("Europe/Rome", "centre", "the centre's zone")


def test_utc_only_when_nothing_is_configured_and_then_it_says_so() -> None:
    choice = _resolve()
    assert choice == ZoneChoice("UTC", "default", "centre default UTC")


def test_unknown_zones_are_skipped_and_named() -> None:
    choice = _resolve(interaction_zone="Mars/Olympus", phone="12", centre_zone="Europe/Paris")
    assert (choice.name, choice.source) == ("Europe/Paris", "centre")
    assert "Mars/Olympus" in choice.detail and "not a valid number" in choice.detail
