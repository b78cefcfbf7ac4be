"""Erasing stream entries by what they carry: a customer's erasure reaches the Redis bus.

Streams are read whole with ``XRANGE`` in pages: the cost is one pass over every entry of every
stream of the prefix (each stream is capped near ``KAIROS_REDIS_STREAM_MAXLEN``-like 100,000
entries, a page of ``page`` entries a round trip), and decoding each entry's JSON. Entries
appended while the pass runs are read too; an erasure only reaches contacts that had ended, so
nothing new about them is being published.

An entry about the erased contacts alone is deleted (``XDEL``). An entry that also names others
(a key message's ``interaction_ids``, the customers a "you said, we did" message told) is not
lost with them: Redis cannot change an entry in place, so the others' part goes back on the same
stream as a new entry and the old one is deleted, in one ``MULTI``. On a topic's stream the new
entry names in ``gs`` the consumer groups that had not finished with the old one (not yet
delivered to them, or delivered and not acknowledged); every other group acknowledges it unread
(:meth:`kairos.bus.redis_groups.GroupReader._for_this_group`), so a group that had handled the
message does not handle it again. A dead letter's narrowed copy goes back on its dead-letter
stream with its other fields, to be replayed or dropped as before.

A dead letter keeps its last error by class (:func:`kairos.bus.redis_groups.dead_letter_error`);
one written before that kept the error's message, which may quote anyone's words or number, and
names nobody the erasure can match: every such letter goes back on its stream with its error's
class alone (once; it is then marked ``error_form``), whoever it is about.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import redis

from kairos.bus.base import Erasing
from kairos.bus.redis_groups import ERROR_BY_CLASS, addressed_to, entry_key

log = logging.getLogger(__name__)


def _decoded(fields: dict[str, str]) -> dict[str, Any] | None:
    try:
        message = json.loads(fields.get("m", ""))
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def _unfinished(client: redis.Redis, key: str, entry_id: str, fields: dict[str, str]) -> list[str]:
    """The consumer groups of ``key`` that still have ``entry_id`` to handle: not delivered to
    them yet, or delivered and not acknowledged (among those it was addressed to, if any)."""
    targets = addressed_to(fields)
    waiting = []
    groups: Any = client.xinfo_groups(key)
    for group in groups:
        name = str(group["name"])
        if targets is not None and name not in targets:
            continue
        last = str(group.get("last-delivered-id") or "0-0")
        unread = entry_key(entry_id) > entry_key(last)
        if unread or client.xpending_range(key, name, entry_id, entry_id, 1):
            waiting.append(name)
    return waiting


def _narrowed(
    client: redis.Redis, key: str | None, entry: tuple[str, dict[str, str]], rest: dict[str, Any]
) -> dict[str, str]:
    """The fields of the entry that carries ``rest``, the others' part of ``entry``; ``key``:
    the topic's stream it is on, None for a dead-letter stream (which no group reads)."""
    entry_id, fields = entry
    out = {**fields, "m": json.dumps(rest, default=str, separators=(",", ":"))}
    if key is not None:
        out.pop("g", None)
        out["gs"] = json.dumps(_unfinished(client, key, entry_id, fields))
    return out


def _scrubbed(fields: dict[str, str]) -> dict[str, str] | None:
    """A dead letter written before errors were kept by class (its ``error`` was the error's
    message, which may quote a customer's words or number, anyone's): its fields with the
    error's class alone. None for a letter with nothing to scrub."""
    error = fields.get("error")
    if error is None or fields.get("error_form") == ERROR_BY_CLASS:
        return None
    name = re.match(r"[A-Za-z_][\w.]*", error)
    kind = name.group(0) if name else "error"
    return {**fields, "error": f"{kind} (its message removed by an erasure)",
            "error_form": ERROR_BY_CLASS}  # fmt: skip


def _erase_page(
    client: redis.Redis, key: str, entries: list[Any], erasing: Erasing, *, live: bool
) -> int:
    """Erase one page of ``key``'s entries; how many named the erased contacts."""
    doomed: list[str] = []
    rewritten: list[dict[str, str]] = []
    only_scrubbed = 0
    for entry_id, fields in entries:
        message = _decoded(fields)
        verdict = "keep" if message is None else erasing(message)
        scrubbed = None if live else _scrubbed(fields)
        if verdict == "drop":
            doomed.append(entry_id)
        elif isinstance(verdict, dict):
            doomed.append(entry_id)
            kept = (entry_id, scrubbed or fields)
            rewritten.append(_narrowed(client, key if live else None, kept, verdict))
        elif scrubbed is not None:
            doomed.append(entry_id)
            rewritten.append(scrubbed)
            only_scrubbed += 1
    if not doomed:
        return 0
    pipe = client.pipeline(transaction=True)
    for fields in rewritten:
        pipe.xadd(key, fields)  # type: ignore[arg-type]
    pipe.xdel(key, *doomed)
    return max(0, int(pipe.execute()[-1]) - only_scrubbed)


def erase(client: redis.Redis, prefix: str, erasing: Erasing, *, page: int = 1000) -> int:
    """Drop or narrow the entries of the bus's streams (live and dead letters) as ``erasing``
    says; how many entries named the erased contacts. Raises ``redis.RedisError`` when Redis
    fails part-way (what was done by then stays done)."""
    erased = 0
    keys = sorted(
        {*client.scan_iter(match=f"{prefix}:stream:*"), *client.scan_iter(match=f"{prefix}:dead:*")}
    )
    for key in keys:
        if client.type(key) != "stream":
            continue
        live, start = key.startswith(f"{prefix}:stream:"), "-"
        while True:
            entries: Any = client.xrange(key, min=start, max="+", count=page)
            if not entries:
                break
            erased += _erase_page(client, key, entries, erasing, live=live)
            if len(entries) < page:
                break
            start = f"({entries[-1][0]}"
    return erased
