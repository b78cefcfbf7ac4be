"""A limit on request bodies, so no client can make a process buffer an unbounded upload.

Bodies that declare a larger ``Content-Length`` get a 413 before any of them is read (servers
stop a body at its declared length); bodies sent without one (chunked) are read here, counted as
they arrive, refused with the same 413 once they pass the limit, and otherwise handed on whole, so
no handler ever sees half a body. Recordings have their own, larger limit where they
are read (``channels.media_views``). ``RowId`` and ``Int64`` bound the integers a client may
send to what the databases store; ``Zone`` takes only time zones zoneinfo knows; ``Csat`` and
``Nps`` take numbers, never ``true`` or ``false``; :func:`language_tag` reads a BCP 47 tag.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kairos.errors import TooLarge

#: Paths (by suffix) that enforce their own limit.
EXEMPT_SUFFIXES = ("/recordings",)


def _refusal(limit: int, size: int | None) -> bytes:
    what = f"{size} bytes" if size is not None else "the body"
    error = TooLarge(
        f"{what} is over the limit of {limit} bytes for one request; send less at a time",
        errors=[{"field": "body", "message": f"at most {limit} bytes"}],
    )
    return json.dumps(error.body()).encode()


class BodySizeLimit:
    """ASGI middleware: refuse HTTP request bodies over ``max_bytes`` with a JSON 413."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).endswith(EXEMPT_SUFFIXES):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit():
            if int(declared) > self.max_bytes:
                await self._refuse(send, int(declared))
                return
            await self.app(scope, receive, send)
            return
        # No length declared (chunked): read it here, up to the limit, then hand it on whole.
        chunks: list[bytes] = []
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await self._refuse(send, None)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, size: int | None) -> None:
        body = _refusal(self.max_bytes, size)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


#: The range of the row ids (``INTEGER`` columns, 32 bits on PostgreSQL). An id from a client
#: outside it is refused with a 422 naming the field, before it reaches a query the database or
#: its driver could not bind (a server error otherwise).
RowId = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]

#: The range of offsets and counts a query may carry (signed 64 bits).
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]

#: The earliest time a client may send: no contact center took a call before 1970.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
#: How far ahead a client may send a time (a booked callback, a planned day): ten years.
HORIZON = timedelta(days=3653)


def latest() -> datetime:
    """The latest time a client may send now: ten years ahead."""
    return datetime.now(UTC) + HORIZON


def in_window(value: datetime) -> datetime:
    """``value`` when it lies between 1970 and ten years from now, else a ``ValueError``.

    A time outside that window is a client's mistake (a mail client's ``Date: 9999``, a
    year-1 placeholder); refused at the boundary, it never reaches date arithmetic that
    could overflow on it later.

    >>> in_window(datetime(2026, 1, 1, tzinfo=UTC)).year
    2026
    >>> in_window(datetime(9999, 12, 31, tzinfo=UTC))
    Traceback (most recent call last):
    ...
    ValueError: must lie between 1970-01-01 and ten years from now, in UTC
    """
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc <= latest():
        raise ValueError("must lie between 1970-01-01 and ten years from now, in UTC")
    return value


def day_in_window(value: date) -> date:
    """``value`` when it lies between 1970 and ten years from now, else a ``ValueError``."""
    if not EARLIEST.date() <= value <= latest().date():
        raise ValueError("must lie between 1970-01-01 and ten years from now, in UTC")
    return value


#: A timezone-aware time between 1970 and ten years from now: every time a client sends (event
#: times, query bounds) is one, so a stored time never overflows later arithmetic.
Moment = Annotated[AwareDatetime, AfterValidator(in_window)]
#: A calendar day between 1970 and ten years from now.
Day = Annotated[date, AfterValidator(day_in_window)]


def known_zone(name: str) -> str:
    """``name`` when zoneinfo knows it; else a ValueError (a 422 naming the field)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name[:64]!r}: give an IANA name such as 'America/New_York'"
        ) from None
    return name


#: An IANA time zone name ("Europe/London"): an unknown one would read the customer's deadlines
#: in UTC while their evidence named the zone sent.
Zone = Annotated[str, Field(max_length=64), AfterValidator(known_zone)]


def _not_a_bool(value: object) -> object:
    # JSON's true and false would otherwise pass as 1 and 0: a customer's score they never gave.
    if isinstance(value, bool):
        raise ValueError("a number, not true or false")
    return value


#: A survey's CSAT, 1 to 5.
Csat = Annotated[int, BeforeValidator(_not_a_bool), Field(ge=1, le=5)]
#: A survey's NPS answer, 0 to 10.
Nps = Annotated[int, BeforeValidator(_not_a_bool), Field(ge=0, le=10)]


# RFC 5646's well-formed tags: language (with extended subtags), script, region, variants,
# extensions and private use; or private use alone (``x-klingon``). Case does not matter. The
# syntax's 4-8 letter languages are left out: none is registered, and "english" is a mistake.
_LANGUAGE_TAG = re.compile(
    r"[a-z]{2,3}(?:-[a-z]{3}){0,3}"
    r"(?:-[a-z]{4})?(?:-(?:[a-z]{2}|\d{3}))?"
    r"(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*"
    r"(?:-[a-wyz\d](?:-[a-z\d]{2,8})+)*"
    r"(?:-x(?:-[a-z\d]{1,8})+)?"
    r"|x(?:-[a-z\d]{1,8})+",
    re.IGNORECASE,
)


def language_tag(value: str) -> str | None:
    """``value`` as a BCP 47 tag (``en-US``; a POSIX or Java locale's ``_`` read as ``-``), or
    None when it cannot be one."""
    tag = value.strip().replace("_", "-")
    return tag if _LANGUAGE_TAG.fullmatch(tag) is not None else None


def as_language_tag(value: str) -> str:
    """``value`` as a BCP 47 tag, or a ``ValueError`` saying what to send."""
    tag = language_tag(value)
    if tag is None:
        raise ValueError("not a BCP 47 language tag: send one such as en, en-US or es-419")
    return tag


#: A BCP 47 language tag; a POSIX or Java locale (``pt_BR``) is taken as its tag (``pt-BR``).
#: For what a webhook's platform sends; ``POST /v1/events`` checks its own input.
LanguageTag = Annotated[str, Field(max_length=20), AfterValidator(as_language_tag)]
