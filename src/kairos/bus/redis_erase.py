"""Deleting stream entries by what they carry: a customer's erasure reaches the Redis bus.

Streams are read whole with ``XRANGE`` in pages and the matching entries removed with ``XDEL``:
the cost is one pass over every entry of every stream of the prefix (each stream is capped near
``KAIROS_REDIS_STREAM_MAXLEN``-like 100,000 entries, a page of ``page`` entries a round trip),
and decoding each entry's JSON. Entries appended while the pass runs are not read again; an
erasure only reaches contacts that had ended, so nothing new about them is being published.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import redis

log = logging.getLogger(__name__)

Matcher = Callable[[dict[str, Any]], bool]


def _decoded(fields: dict[str, str]) -> dict[str, Any] | None:
    try:
        message = json.loads(fields.get("m", ""))
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def delete_matching(client: redis.Redis, prefix: str, matches: Matcher, *, page: int = 1000) -> int:
    """Delete the entries of the bus's streams (live and dead letters) whose message ``matches``;
    how many went. Raises ``redis.RedisError`` when Redis fails part-way (what was deleted by
    then stays deleted)."""
    deleted = 0
    keys = sorted(
        {*client.scan_iter(match=f"{prefix}:stream:*"), *client.scan_iter(match=f"{prefix}:dead:*")}
    )
    for key in keys:
        if client.type(key) != "stream":
            continue
        start = "-"
        while True:
            entries: Any = client.xrange(key, min=start, max="+", count=page)
            if not entries:
                break
            doomed = [
                entry_id
                for entry_id, fields in entries
                if (message := _decoded(fields)) is not None and matches(message)
            ]
            if doomed:
                deleted += int(client.xdel(key, *doomed))
            if len(entries) < page:
                break
            start = f"({entries[-1][0]}"
    return deleted
