"""The demo's requests that may be sent again: a slow or busy server is waited for, not quit.

Every event carries its own id, so an event posted twice is applied once (the second answer
counts it a repeat); a queue or an agent created twice answers 409 the second time. Such a
request that fails (no answer in time, the connection dropped, or a ``429``/``502``/``503``/
``504``) is sent again after a wait that doubles (``Retry-After`` when the server names one,
within the longest wait), and the demo's status line says how many were sent again and why.
Only a request that fails every try stops the demo, with what failed and for how long.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

#: Answers that say "not now" rather than "no": the same request may succeed later.
TRANSIENT = frozenset({429, 502, 503, 504})


class PersistentFailure(RuntimeError):
    """A request failed every try: the server is down or stays too busy to answer."""


@dataclass(frozen=True, slots=True)
class Retry:
    """How often, and how long apart, a failed request is sent again."""

    #: Tries in all, the first included.
    attempts: int = 6
    #: The wait before the second try; each next wait doubles, up to ``most_wait_s``.
    first_wait_s: float = 1.0
    most_wait_s: float = 16.0

    def waits(self) -> Iterator[float]:
        """The waits between tries, in order (one fewer than the tries).

        >>> list(Retry().waits())
        [1.0, 2.0, 4.0, 8.0, 16.0]
        """
        wait = self.first_wait_s
        for _ in range(self.attempts - 1):
            yield min(wait, self.most_wait_s)
            wait *= 2


@dataclass
class Retries:
    """How many requests were sent again, and why the last one was: for the status line."""

    count: int = 0
    last: str = ""

    def note(self) -> str:
        """Rich markup for the status line; empty while nothing was sent again."""
        if not self.count:
            return ""
        return f"   [yellow]{self.count} sent again[/] [dim](last: {self.last})[/]"


def _reason(outcome: httpx.Response | Exception) -> str:
    if isinstance(outcome, httpx.Response):
        return f"{outcome.status_code} {outcome.reason_phrase}".strip()
    return type(outcome).__name__


def _retry_after(response: httpx.Response | Exception, default: float, most: float) -> float:
    if not isinstance(response, httpx.Response):
        return default
    try:
        named = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return default
    return min(max(named, default), most)


async def request(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    retries: Retries,
    retry: Retry = Retry(),
    **kwargs: Any,
) -> httpx.Response:
    """Send a request that may be repeated, again while it fails for a reason that may pass;
    the answer (any other status). Raises PersistentFailure when every try failed."""
    began = time.monotonic()
    waits = retry.waits()
    while True:
        outcome: httpx.Response | Exception
        try:
            outcome = await client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            outcome = exc
        else:
            if outcome.status_code not in TRANSIENT:
                return outcome
        wait = next(waits, None)
        if wait is None:
            raise PersistentFailure(
                f"{method} {path} failed {retry.attempts} times over "
                f"{time.monotonic() - began:.0f} s (last: {_reason(outcome)}); the server is "
                "down or too busy to answer"
            )
        retries.count += 1
        retries.last = _reason(outcome)
        await asyncio.sleep(_retry_after(outcome, wait, retry.most_wait_s))
