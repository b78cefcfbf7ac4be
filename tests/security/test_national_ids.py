"""National ID numbers and bank accounts in text and keyed values: masked, and only those."""

from __future__ import annotations

import pytest

from kairos.redaction import iban_valid, mask_value, redact_secrets, ssn_valid


@pytest.mark.parametrize(
    ("said", "stored"),
    [
        # US Social Security numbers: grouped anywhere, bare after a keyword.
        ("my ssn is 536-22-1907 ok", "my ssn is [ssn ••••1907] ok"),
        ("it's 536 22 1907", "it's [ssn ••••1907]"),
        ("SSN 536221907", "SSN [ssn ••••1907]"),
        ("social security number: 536 22-1907", "social security number: [ssn ••••1907]"),
        ("my SS# is 912-34-5678", "my SS# is [ssn ••••5678]"),  # an ITIN after the keyword
        # UK National Insurance numbers.
        ("NI number JG 10 37 59 A", "NI number [nino ••••]"),
        ("it is jg103759a", "it is [nino ••••]"),
        ("national insurance no. JG103759", "national insurance no. [nino ••••]"),
        # IBANs, grouped or not, any case; the country's length says where one ends.
        ("IBAN GB82 WEST 1234 5698 7654 32 thanks", "IBAN [iban ••••5432] thanks"),
        ("send it to de89370400440532013000.", "send it to [iban ••••3000]."),
        ("FR14 2004 1010 0505 0001 3M02 606", "[iban ••••2606]"),
        # Canadian Social Insurance numbers (Luhn) and passport numbers, after a keyword.
        ("my SIN is 046 454 286", "my SIN is [sin ••••]"),
        ("social insurance number 046-454-286", "social insurance number [sin ••••]"),
        ("passport number is K8372615", "passport number is [passport ••••]"),
        ("Passport no: 123456789", "Passport no: [passport ••••]"),
    ],
)
def test_each_kind_is_masked(said: str, stored: str) -> None:
    assert redact_secrets(said) == stored


@pytest.mark.parametrize(
    "plain",
    [
        "000-12-3456 is not an SSN",  # area 000
        "666-12-3456",  # area 666
        "912-34-5678 without a keyword",  # area 9xx
        "123-00-4567",  # group 00
        "123-45-0000",  # serial 0000
        "call me on 415-555-0100",
        "1536-22-1907 is part of a longer number",
        "order 536221907 shipped",  # nine bare digits without a keyword
        "QQ 12 34 56 C is HMRC's example, never issued",
        "GB123456A",  # prefix GB is never allocated
        "GB82 WEST 1234 5698 7654 33 fails mod 97",
        "my SIN is 046 454 287",  # fails Luhn
        "I sin 123 456 789 times",  # "sin" the word, Luhn fails
        "my passport is expired and my flight BA2490 leaves at 7",
        "booking ref QX7T2P, seat 14C, 2026-11-30",
    ],
)
def test_look_alikes_are_left_alone(plain: str) -> None:
    assert redact_secrets(plain) == plain


def test_the_validity_rules() -> None:
    assert ssn_valid("536221907")
    assert not any(ssn_valid(d) for d in ("000221907", "666221907", "936221907", "536001907"))
    assert not ssn_valid("536220000") and not ssn_valid("53622190")
    assert iban_valid("GB82WEST12345698765432") and iban_valid("gb82west12345698765432")
    assert not iban_valid("GB82WEST1234569876543")  # a character short for GB
    assert not iban_valid("XX82WEST12345698765432")  # no such country


def test_keyed_values_are_judged_by_their_name() -> None:
    assert mask_value("ssn", "536-22-1907") == ("••••1907", True)
    assert mask_value("social_security_number", "536221907") == ("••••1907", True)
    assert mask_value("iban", "GB82 WEST 1234 5698 7654 32") == ("••••5432", True)
    assert mask_value("national_insurance", "JG103759A") == ("••••", True)
    assert mask_value("nino", "JG103759A") == ("••••", True)
    assert mask_value("customer_sin", "046454286") == ("••••", True)
    assert mask_value("passport_number", "K8372615") == ("••••", True)
    assert mask_value("ssn", "••••1907") == ("••••1907", True)  # masked already
    # Names that merely contain the letters are not secrets.
    assert mask_value("business_unit", "retail") == ("retail", False)
    assert mask_value("cousin", "Ann") == ("Ann", False)
    # A value under an ordinary name is still searched.
    assert mask_value("note", "SSN 536-22-1907") == ("SSN [ssn ••••1907]", True)
