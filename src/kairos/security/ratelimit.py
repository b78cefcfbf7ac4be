"""Token-bucket rate limits per API token, or per client address when a request has none.

Each key gets a bucket of ``burst`` requests that refills at ``per_s`` a second; a request takes
one. The buckets live in this process: with ``--processes M`` API processes a client may send up to
M times the rate (a limiter shared through Redis would make that exact, at a round trip a request).
One check is a dictionary lookup and a little arithmetic, called from the event loop only.
"""

from __future__ import annotations

import math
import time


class RateLimiter:
    """Buckets by key; ``check`` answers 0 (go ahead) or the seconds to wait."""

    def __init__(self, *, per_s: float, burst: int, max_keys: int = 50_000) -> None:
        self.per_s = per_s
        self.burst = max(burst, 1)
        self.max_keys = max_keys
        self._buckets: dict[str, list[float]] = {}

    @property
    def enabled(self) -> bool:
        """A rate of 0 turns the limits off."""
        return self.per_s > 0

    def check(self, key: str, *, now: float | None = None, peek: bool = False) -> float:
        """Take a request from ``key``'s bucket: 0 when allowed, else seconds until it would be.

        ``peek``: only say how long, taking nothing.
        """
        if self.per_s <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if peek:
            if bucket is None:
                return 0.0
            left = min(self.burst, bucket[0] + (now - bucket[1]) * self.per_s)
            return 0.0 if left >= 1.0 else (1.0 - left) / self.per_s
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._prune(now)
            self._buckets[key] = [self.burst - 1.0, now]
            return 0.0
        tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.per_s)
        bucket[1] = now
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return 0.0
        bucket[0] = tokens
        return (1.0 - tokens) / self.per_s

    def _prune(self, now: float) -> None:
        # Full buckets hold nothing worth keeping: a new bucket starts full too.
        full = [
            k for k, (tokens, at) in self._buckets.items()
            if tokens + (now - at) * self.per_s >= self.burst
        ]  # fmt: skip
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:  # all busy: start over rather than grow
            self._buckets.clear()


def retry_after(seconds: float) -> str:
    """A ``Retry-After`` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
