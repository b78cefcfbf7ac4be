"""Sign-in throttling: wrong passwords back off per account and per address, and only a few
passwords are hashed at once.

After ``per_account`` wrong passwords for one username (or ``per_address`` from one client
address) each further try waits twice as long as the one before: 1 s, 2 s, 4 s ... up to 15
minutes; a right password clears the account's count. A try made during the wait is refused
with 429 and ``Retry-After`` before any hashing, so a flood costs no memory: argon2 takes 64 MiB
a hash, and at most ``max_concurrent`` are computed at once (the rest wait their turn, and give
up with 503 after ``queue_s``). The counts live in this process: with several API processes an
attacker gets that many times the tries, still exponentially slowed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

MAX_WAIT_S = 15 * 60.0


@dataclass
class _Failures:
    count: int = 0
    until: float = 0.0  # monotonic time before which a try is refused


@dataclass
class SignInThrottle:
    """Failure counts by account and by address, and the hashing gate."""

    per_account: int = 5
    per_address: int = 20
    max_concurrent: int = 4
    queue_s: float = 10.0
    max_keys: int = 100_000
    _accounts: dict[str, _Failures] = field(default_factory=dict)
    _addresses: dict[str, _Failures] = field(default_factory=dict)
    _gate: threading.BoundedSemaphore | None = None

    def wait_s(self, username: str, address: str | None, *, now: float | None = None) -> float:
        """Seconds before this account may try again from this address (0: now)."""
        now = time.monotonic() if now is None else now
        waits = [
            f.until - now
            for f in (self._accounts.get(username.lower()), self._addresses.get(address or ""))
            if f is not None
        ]
        return max([0.0, *waits])

    def failed(self, username: str, address: str | None, *, now: float | None = None) -> None:
        """Count a wrong password; past the threshold the next try waits, doubling each time."""
        now = time.monotonic() if now is None else now
        for table, key, free in (
            (self._accounts, username.lower(), self.per_account),
            (self._addresses, address or "", self.per_address),
        ):
            if len(table) >= self.max_keys:
                table.clear()  # a flood of names: start over rather than grow
            entry = table.setdefault(key, _Failures())
            entry.count += 1
            if entry.count >= free:
                entry.until = now + min(MAX_WAIT_S, 2.0 ** (entry.count - free))

    def succeeded(self, username: str) -> None:
        """A right password: the account's count starts over (the address's stays)."""
        self._accounts.pop(username.lower(), None)

    def gate(self) -> threading.BoundedSemaphore:
        """The semaphore that bounds concurrent password hashing (taken in the worker thread
        that hashes, so it holds across event loops and processes' threads alike)."""
        if self._gate is None:
            self._gate = threading.BoundedSemaphore(self.max_concurrent)
        return self._gate

    def hashing(self, check: Callable[[], T]) -> T | None:
        """``check()`` once a hashing slot is free; None when none frees within ``queue_s``."""
        gate = self.gate()
        if not gate.acquire(timeout=self.queue_s):
            return None
        try:
            return check()
        finally:
            gate.release()
