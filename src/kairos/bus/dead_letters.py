"""Dead letters: bus entries a listener group gave up on after ``KAIROS_BUS_MAX_ATTEMPTS``
deliveries, kept in ``<prefix>:dead:<topic>`` (one stream per topic) with the group, the original
entry, the attempts and the last error (by class:
:func:`kairos.bus.redis_groups.dead_letter_error`), for an operator to list, replay or drop
(``kairos bus dead-letters``).

A replay appends the message to its topic's stream again, naming the group (``g``): only that
group handles it (the others acknowledge it unread), so listeners that did their part are not
run twice. It is not published to the pages (they saw it, or re-read their state).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis


@dataclass(frozen=True)
class DeadLetter:
    """One entry a group gave up on."""

    id: str
    topic: str
    #: The listener group that gave up on it.
    group: str
    #: The entry's id on its topic's stream when it was given up on.
    entry: str
    attempts: int
    #: The last error.
    error: str
    at: datetime
    #: The message as it was published (JSON).
    message: str


def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=5)


def _topics(client: redis.Redis, prefix: str) -> list[str]:
    """The topics with a dead-letter stream."""
    found = {str(k).removeprefix(f"{prefix}:dead:") for k in client.scan_iter(f"{prefix}:dead:*")}
    return sorted(found)


def _letter(topic: str, entry_id: Any, fields: Any) -> DeadLetter:
    got = {str(k): str(v) for k, v in (fields or {}).items()}
    return DeadLetter(
        id=str(entry_id), topic=topic, group=got.get("group", ""), entry=got.get("entry", ""),
        attempts=int(got.get("attempts", 0)), error=got.get("error", ""),
        at=datetime.fromtimestamp(float(got.get("at", 0)), UTC), message=got.get("m", ""),
    )  # fmt: skip


def list_dead(url: str, *, prefix: str = "kairos", topic: str | None = None) -> list[DeadLetter]:
    """Every dead letter (of ``topic`` only, if given), oldest first."""
    client = _client(url)
    try:
        out: list[DeadLetter] = []
        for name in [topic] if topic else _topics(client, prefix):
            entries: Any = client.xrange(f"{prefix}:dead:{name}")
            out.extend(_letter(name, entry_id, fields) for entry_id, fields in entries)
        return sorted(out, key=lambda d: (d.at, d.id))
    finally:
        client.close()


def get_all(
    url: str, *, prefix: str = "kairos", topic: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[int, list[DeadLetter]]:
    """How many dead letters there are (of ``topic`` only, if given), and ``limit`` of them
    from ``offset`` on, oldest first (each stream keeps 10,000 at the most)."""
    letters = list_dead(url, prefix=prefix, topic=topic)
    return len(letters), letters[offset : offset + limit]


def get(url: str, *, topic: str, entry_id: str, prefix: str = "kairos") -> DeadLetter | None:
    """One dead letter of ``topic`` by its id, or None."""
    client = _client(url)
    try:
        entries: Any = client.xrange(f"{prefix}:dead:{topic}", entry_id, entry_id)
        return _letter(topic, *entries[0]) if entries else None
    finally:
        client.close()


def replay(
    url: str, letters: list[DeadLetter], *, prefix: str = "kairos", maxlen: int = 100_000
) -> int:
    """Give ``letters`` to their groups again (and remove them from the dead letters)."""
    client = _client(url)
    try:
        for letter in letters:
            pipe = client.pipeline(transaction=True)
            fields: dict[Any, Any] = {"m": letter.message, "g": f"{prefix}:{letter.group}"}
            pipe.xadd(f"{prefix}:stream:{letter.topic}", fields, maxlen=maxlen, approximate=True)
            pipe.xdel(f"{prefix}:dead:{letter.topic}", letter.id)
            pipe.execute()
        return len(letters)
    finally:
        client.close()


def drop(url: str, letters: list[DeadLetter], *, prefix: str = "kairos") -> int:
    """Remove ``letters`` for good."""
    client = _client(url)
    try:
        for letter in letters:
            client.xdel(f"{prefix}:dead:{letter.topic}", letter.id)
        return len(letters)
    finally:
        client.close()
