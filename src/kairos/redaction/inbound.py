"""The one choke point: every model that carries what a client sent inherits ``Inbound``.

Each string field of an ``Inbound`` model, in lists and dictionaries too, passes the redactor as
the model is validated, so a field added later cannot skip it: only the fields a class names in
``verbatim`` (ids, codes, names a program chose) keep what was sent. Every string, verbatim or
not, is refused when it holds a lone surrogate (half a UTF-16 pair: no database can store it),
with a 422 naming the field. A NUL character, which PostgreSQL's text cannot store, becomes
U+FFFD in a redacted field (the words around it are kept); a verbatim one is left as sent (rows
stored with one on SQLite must still load). Identity values that are card numbers become a keyed
hash with the last four shown (``card ••••0755 #3f1a9c0b22de``): the same card still finds the
same customer, and the number is stored nowhere.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import types
import typing
from typing import Any, ClassVar

from annotated_types import MaxLen
from pydantic import BaseModel, ValidationInfo, field_validator

from kairos.redaction.cards import MASK, is_card_number, redact_card_numbers
from kairos.redaction.text import redact_secrets

_SURROGATE = re.compile("[\ud800-\udfff]")
_CARD_LIKE = re.compile(r"[\d\s.\-_/\u00a0]{13,40}")
_CARD_TOKEN = re.compile(rf"\[card {MASK}(\d{{4}})\]")

# The key of identity hashes: the install's secret key once the runtime starts (so the same card
# maps to the same identity across restarts and processes), a random one until then.
_identity_key: list[bytes] = [secrets.token_bytes(32)]


def configure_identity_key(secret: str) -> None:
    """Key identity hashes with the install's secret (the runtime calls this at start)."""
    _identity_key[0] = hashlib.sha256(b"kairos-identity:" + secret.encode()).digest()


def keyed_digest(label: str, text: str) -> str:
    """A keyed SHA-256 (hex) of ``text`` under the identity key: the same text gives the same
    digest on every process of an install, and nobody without the secret can test a guess."""
    return hmac.new(_identity_key[0], f"{label}:{text}".encode(), hashlib.sha256).hexdigest()


def identity_value(value: str) -> str:
    """An identity value as stored: one holding a card number becomes a keyed hash of its
    digits with the card's last four (``card ••••0755 #3f1a9c0b22de``)."""
    if sum(c.isdigit() for c in value) < 13:
        return value
    digits = re.sub(r"\D", "", value)
    if _CARD_LIKE.fullmatch(value) is not None and is_card_number(digits):
        last_four = digits[-4:]
    else:
        found = _CARD_TOKEN.search(redact_card_numbers(value))
        if found is None:
            return value
        last_four = found[1]
    mac = hmac.new(_identity_key[0], digits.encode(), hashlib.sha256).hexdigest()[:12]
    return f"card {MASK}{last_four} #{mac}"


def check_unicode(value: str) -> str:
    """``value``, or a ``ValueError`` when it holds a lone surrogate."""
    if _SURROGATE.search(value) is not None:
        raise ValueError("holds a lone surrogate: not valid Unicode text")
    return value


def _max_length(annotation: Any) -> int | None:
    """The ``max_length`` of a string annotation, looking inside ``X | None`` and Annotated."""
    if typing.get_origin(annotation) is typing.Annotated:
        for meta in annotation.__metadata__:
            if isinstance(meta, MaxLen):
                return int(meta.max_length)
            limit = getattr(meta, "max_length", None)
            if isinstance(limit, int):
                return limit
        return _max_length(annotation.__origin__)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _max_length(arg)
            if found is not None:
                return found
    return None


def _cleaned(value: Any, *, redact: bool, limit: int | None) -> Any:
    if isinstance(value, str):
        if not value.isascii():  # an ASCII string holds no surrogate (isascii is a flag test)
            check_unicode(value)
        if redact and "\x00" in value:  # PostgreSQL's text holds no NUL: the words are kept
            value = value.replace("\x00", "\ufffd")
        if not redact or not value:
            return value
        redacted = redact_secrets(value)
        if limit is not None and len(redacted) > limit:  # a mark can be longer than a number
            redacted = redacted[: limit - 1] + "…"
        return redacted
    if isinstance(value, list):
        return [_cleaned(v, redact=redact, limit=None) for v in value]
    if isinstance(value, dict):
        return {
            check_unicode(k) if isinstance(k, str) else k: _cleaned(v, redact=redact, limit=None)
            for k, v in value.items()
        }
    return value


class Inbound(BaseModel):
    """Base of every model that carries what a client sent: strings redacted, surrogates
    refused (see the module)."""

    #: Fields kept as sent (ids, codes, names a program chose); still refused with a surrogate.
    verbatim: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _redact_inbound(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, (str, list, dict)):
            return value  # what _cleaned leaves as it is (a nested model cleaned its own)
        redact, limit = _field_rule(cls, info.field_name or "")
        return _cleaned(value, redact=redact, limit=limit)


@functools.cache
def _field_rule(cls: type[Inbound], name: str) -> tuple[bool, int | None]:
    """Whether a field of ``cls`` is redacted, and its ``max_length``: worked out once per field
    (the annotation's introspection cost more than the redaction of most values)."""
    field = cls.model_fields.get(name)
    limit = _max_length(field.annotation) if field is not None else None
    if field is not None and limit is None:
        for meta in field.metadata:
            if isinstance(meta, MaxLen):
                limit = int(meta.max_length)
    return name not in cls.verbatim, limit
