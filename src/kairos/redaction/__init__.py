"""Redaction of secrets and national ID numbers before anything is stored or shown.

``text`` holds the recognisers (see its docstring), ``cards`` the card-number scan, ``phrases``
the security-code, PIN and password grammar, ``inbound`` the one choke point every model that
carries what a client sent inherits, and ``stored`` the second pass at ingestion.
"""

from __future__ import annotations

from kairos.redaction.text import (
    MASK,
    iban_valid,
    is_secret_name,
    luhn_valid,
    mask_value,
    redact_card_numbers,
    redact_national_ids,
    redact_secrets,
    ssn_valid,
)

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
