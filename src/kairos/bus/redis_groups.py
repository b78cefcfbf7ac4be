"""The Redis bus's listeners: one consumer group per listener, at-least-once delivery, entries
another consumer left pending claimed after ``claim_idle_ms``."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import redis

from kairos.bus.base import BusMessage, Retry
from kairos.db_faults import LockWaits, lock_wait_expired
from kairos.errors import by_class, log_failure

if TYPE_CHECKING:
    from kairos.bus.redis import RedisBus

log = logging.getLogger(__name__)

Listener = Callable[[str, BusMessage], None]


#: A dead letter's ``error_form`` when its ``error`` names the error by class, not its message.
ERROR_BY_CLASS = "class"


def dead_letter_error(error: Exception) -> str:
    """What a dead letter keeps of the last error: a :class:`Retry`'s reason (Kairos' own words,
    which name contacts by id), any other error by class and statement or place
    (:func:`kairos.errors.by_class`). A driver's message may quote a customer's words or number,
    and a dead letter stays in Redis for weeks; the failure's log line has the rest."""
    if isinstance(error, Retry):
        return f"Retry: {error}"[:1000]
    return by_class(error)[:1000]


def held_by_lock(error: BaseException) -> bool:
    """Whether ``error`` (or an error it was raised from, as a listener's :class:`Retry`) is a
    wait for a lock another process holds that ran out: the database's state, not the
    message's fault."""
    seen: BaseException | None = error
    for _ in range(8):
        if seen is None:
            return False
        if lock_wait_expired(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def create_group(client: redis.Redis, stream: str, group: str, start: str = "$") -> None:
    """Create consumer ``group`` on ``stream`` unless it exists, delivering what comes after
    entry ``start`` ("$": what is published from now on, not the stream's history)."""
    try:
        client.xgroup_create(stream, group, id=start, mkstream=True)
    except redis.ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


def addressed_to(fields: dict[str, str]) -> set[str] | None:
    """The consumer groups a stream entry is for; None: every group. A replayed dead letter is
    for the one group that gave up on it (``g``); an erasure's narrowed copy of an entry, for
    the groups that had not finished with the entry it replaces (``gs``, a JSON list)."""
    if "gs" in fields:
        return set(json.loads(fields["gs"]))
    return {fields["g"]} if "g" in fields else None


def entry_key(entry_id: str) -> tuple[int, int]:
    """A stream entry id ("1796562448502-0") as a pair that sorts as Redis orders entries."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


class GroupReader:
    """One listener: a consumer-group reader of its topics' streams on a background thread."""

    def __init__(
        self,
        bus: RedisBus,
        callback: Listener,
        topics: tuple[str, ...],
        group: str,
        *,
        on_gap: Callable[[], None] | None = None,
        per_process: bool = False,
    ):
        self.bus, self.callback, self.topics, self.group = bus, callback, topics, group
        self.streams = {bus._stream(topic): topic for topic in topics}
        self.on_gap = on_gap
        self.alive_key = bus.alive_key(group) if per_process else None
        self.handled = 0
        self.failed = 0
        self.retried = 0
        #: Entries taken over from a consumer silent for ``claim_idle_ms`` (delivered again).
        self.claimed = 0
        #: Entries moved to their topic's dead-letter stream after ``max_attempts``.
        self.dead_lettered = 0
        #: Deliveries held back by a lock held elsewhere (not counted toward ``max_attempts``).
        self.held = 0
        self._lock_waits = LockWaits()
        #: Times ``on_gap`` was called.
        self.gaps = 0
        self._gap_looked = False
        self._gap_count: str | None = None
        #: The last entry of each stream this reader knew of (see ``ensure_groups``).
        self._positions: dict[str, str] = {}
        self.thread = threading.Thread(target=self._run, name=f"kairos-bus-{group}", daemon=True)

    def ensure_groups(self, client: redis.Redis) -> None:
        """Create the groups; one created again (Redis came back without its data) starts after
        the last entry this reader knew of, so what was published between Redis's return and
        this reader's is delivered, not skipped as "$" would."""
        for stream in self.streams:
            known = self._positions.get(stream)
            create_group(client, stream, self.group, known or "$")
            if known is None:
                info: Any = client.xinfo_stream(stream)
                self._positions[stream] = str(info["last-generated-id"])

    def _run(self) -> None:
        bus = self.bus
        client = bus._client(socket_timeout=bus.block_ms / 1000 + 5)
        ready = False
        gap = False  # messages may have been lost since this reader last read
        last_claim = last_alive = 0.0
        alive_every_s = bus.orphan_idle_ms / 4000
        while not bus._stopping.is_set():
            try:
                if not ready:
                    self.ensure_groups(client)
                    ready = True
                bus.mark_gap(client)
                if self.alive_key is not None and time.monotonic() - last_alive >= alive_every_s:
                    client.set(self.alive_key, "1", px=bus.orphan_idle_ms)
                    last_alive = time.monotonic()
                if self.on_gap is not None and self._gap_seen(client, gap):
                    gap = False
                    self.gaps += 1
                    log.warning("bus listener %s: messages may be lost; reading again", self.group)
                    self.on_gap()
                if time.monotonic() - last_claim >= bus.claim_every_s:
                    last_claim = time.monotonic()
                    self._claim(client)
                response: Any = client.xreadgroup(
                    self.group,
                    bus.consumer,
                    dict.fromkeys(self.streams, ">"),
                    count=bus.batch,
                    block=bus.block_ms,
                )
                if isinstance(response, dict):  # RESP3 answers a map
                    response = response.items()
                for stream, entries in response or []:
                    self._handle(client, stream, entries)
            except redis.ResponseError as error:
                if "NOGROUP" in str(error):  # Redis restarted without its data: recreate
                    ready, gap = False, True
                    continue
                log.exception("bus listener %s: Redis refused", self.group)
                bus._stopping.wait(bus.retry_after_s)
            except redis.RedisError as error:
                ready, gap = False, True
                log.warning("bus listener %s: Redis unreachable (%s); retrying", self.group, error)
                bus._stopping.wait(bus.retry_after_s)
        client.close()

    def _gap_seen(self, client: redis.Redis, failed: bool) -> bool:
        """Whether messages may have been lost: this reader's connection ``failed``, or the
        bus's gap counter moved since the last look (another process dropped some)."""
        raw = client.get(self.bus.gap_key)
        count = None if raw is None else str(raw)
        moved = self._gap_looked and count != self._gap_count
        self._gap_looked, self._gap_count = True, count
        return failed or moved

    def _claim(self, client: redis.Redis) -> None:
        for stream in self.streams:
            start = "0-0"
            while True:
                reply: Any = client.xautoclaim(
                    stream,
                    self.group,
                    self.bus.consumer,
                    self.bus.claim_idle_ms,
                    start,
                    count=self.bus.batch,
                )
                start, entries = reply[0], reply[1]
                if entries:
                    log.info("bus listener %s claimed %d idle entries", self.group, len(entries))
                    self.claimed += len(entries)
                    self._handle(client, stream, entries, claimed=True)
                if start in ("0-0", b"0-0") or not entries:
                    break

    def _handle(
        self, client: redis.Redis, stream: Any, entries: list[Any], *, claimed: bool = False
    ) -> None:
        """Hand ``entries`` to the listener; ``claimed``: delivered before (see :meth:`_ack`)."""
        topic = self.streams[stream]
        if entries:
            last = max((str(e[0]) for e in entries), key=entry_key)
            known = self._positions.get(stream)
            if known is None or entry_key(last) > entry_key(known):
                self._positions[stream] = last
        entries = self._for_this_group(client, stream, entries)
        handle_batch = getattr(self.callback, "handle_batch", None)
        if handle_batch is not None:
            self._handle_batch(client, stream, topic, entries, handle_batch, claimed)
            return
        self._one_by_one(client, stream, topic, entries, claimed)

    def _one_by_one(
        self, client: redis.Redis, stream: Any, topic: str, entries: list[Any], claimed: bool
    ) -> None:
        for index, (entry_id, fields) in enumerate(entries):
            if not self._handle_one(client, stream, topic, entry_id, fields, claimed):
                # The database is locked: the next entries would each wait for it in vain.
                self._hold(client, stream, entries[index + 1 :])
                return

    def _handle_one(
        self,
        client: redis.Redis,
        stream: Any,
        topic: str,
        entry_id: Any,
        fields: Any,
        claimed: bool = False,
    ) -> bool:
        """Handle one entry; False when a lock held elsewhere kept it back (:meth:`_hold`)."""
        if fields is None:  # trimmed away while pending: nothing left to deliver
            self._ack(client, stream, [entry_id], claimed)
            return True
        try:
            self.callback(topic, json.loads(fields["m"]))
            self.handled += 1
        except Exception as error:
            if held_by_lock(error):
                self._hold(client, stream, [(entry_id, fields)])
                return False
            self._failed(client, stream, topic, (entry_id, fields), error)
            return True
        self._lock_waits_over()
        self._ack(client, stream, [entry_id], claimed)
        return True

    def _failed(
        self, client: redis.Redis, stream: Any, topic: str, entry: Any, error: Exception
    ) -> None:
        entry_id = entry[0]
        if isinstance(error, Retry):  # left pending: claimed again after claim_idle_ms
            self.retried += 1
            log.warning("bus listener %s will retry %s: %s", self.group, entry_id, error)
        else:  # a listener's bug must not wedge the stream
            self.failed += 1
            log_failure(
                log, "bus listener %s failed on %s %s", self.group, topic, entry_id, error=error
            )
        self._give_up_after(client, stream, [entry], error)

    def _held_key(self) -> str:
        return self.bus.held_key(self.group)

    def _hold(self, client: redis.Redis, stream: Any, entries: list[Any]) -> None:
        """A wait for a lock another process holds on the database ran out (a backup, a script
        holding a SQLite file): not the entries' fault. They stay pending, claimed again after
        ``claim_idle_ms``, and this delivery is not counted toward ``max_attempts``
        (``<prefix>:bus:held:<group>``, read by :meth:`_give_up_after`): however long the lock
        is held, nothing goes to the dead letters for it."""
        if not entries:
            return
        pipe = client.pipeline(transaction=False)
        for entry_id, _ in entries:
            pipe.hincrby(self._held_key(), f"{stream}/{entry_id}", 1)
        pipe.execute()
        self.held += len(entries)
        if self._lock_waits.expired():
            log.warning(
                "bus listener %s: another process has held the database locked for %.0f s; "
                "its messages wait, pending, and are handled once it is released",
                self.group, self._lock_waits.patience_s,
            )  # fmt: skip

    def _lock_waits_over(self) -> None:
        if self._lock_waits.passed():
            log.warning("bus listener %s: the database is writable again", self.group)

    def _ack(self, client: redis.Redis, stream: Any, ids: list[Any], claimed: bool) -> None:
        """Acknowledge ``ids``; an entry ``claimed`` may have been held (:meth:`_hold`), and
        its count goes with it (an entry read for the first time never was)."""
        if not claimed:
            client.xack(stream, self.group, *ids)
            return
        pipe = client.pipeline(transaction=True)
        pipe.xack(stream, self.group, *ids)
        pipe.hdel(self._held_key(), *(f"{stream}/{entry_id}" for entry_id in ids))
        pipe.execute()

    def _for_this_group(self, client: redis.Redis, stream: Any, entries: list[Any]) -> list[Any]:
        """Drop (acknowledged) the entries meant for other groups (:func:`addressed_to`)."""
        kept, others = [], []
        for entry_id, fields in entries:
            targets = None if fields is None else addressed_to(fields)
            if targets is None or self.group in targets:
                kept.append((entry_id, fields))
            else:
                others.append(entry_id)
        if others:
            client.xack(stream, self.group, *others)
        return kept

    def _give_up_after(
        self, client: redis.Redis, stream: Any, entries: list[Any], error: Exception
    ) -> None:
        """Leave failed entries pending (claimed again after ``claim_idle_ms``) until they have
        been delivered ``max_attempts`` times; then move them to the topic's dead-letter stream
        and acknowledge them."""
        topic = self.streams[stream]
        dead = self.bus.dead_stream(topic)
        for entry_id, fields in entries:
            pending: Any = client.xpending_range(stream, self.group, entry_id, entry_id, 1)
            delivered = int(pending[0]["times_delivered"]) if pending else 1
            held = client.hget(self._held_key(), f"{stream}/{entry_id}")
            attempts = delivered - int(held or 0)  # deliveries a lock held back are not spent
            if attempts < self.bus.max_attempts:
                continue
            letter: dict[Any, Any] = {
                "m": fields["m"],
                "group": self.group.removeprefix(f"{self.bus.prefix}:"),
                "topic": topic,
                "entry": str(entry_id),
                "attempts": str(attempts),
                "error": dead_letter_error(error),
                "error_form": ERROR_BY_CLASS,
                "at": str(time.time()),
            }
            pipe = client.pipeline(transaction=True)
            pipe.xadd(dead, letter, maxlen=self.bus.dead_maxlen, approximate=True)
            pipe.xack(stream, self.group, entry_id)
            pipe.hdel(self._held_key(), f"{stream}/{entry_id}")
            pipe.execute()
            self.dead_lettered += 1
            log.error(
                "bus listener %s gave up on %s %s after %d attempts: moved to %s",
                self.group, topic, entry_id, attempts, dead,
            )  # fmt: skip

    def _handle_batch(
        self,
        client: redis.Redis,
        stream: Any,
        topic: str,
        entries: list[Any],
        handle_batch: Callable[[str, list[BusMessage]], None],
        claimed: bool,
    ) -> None:
        """All entries read at once, to a listener that takes them together (one database
        transaction per interaction rather than per message); acknowledged together. A batch
        that raises is handled again one entry at a time (such a listener is idempotent, as the
        detection workers are), so that only the entry that fails stays pending (and, after
        ``max_attempts`` deliveries, goes to the dead letters); one a lock held elsewhere kept
        back is held whole (:meth:`_hold`)."""
        ids = [entry_id for entry_id, _ in entries]
        messages = [json.loads(fields["m"]) for _, fields in entries if fields is not None]
        try:
            if messages:
                handle_batch(topic, messages)
            self.handled += len(messages)
        except Exception as error:
            if held_by_lock(error):
                self._hold(client, stream, [e for e in entries if e[1] is not None])
            elif isinstance(error, Retry):  # all left pending: claimed again after claim_idle_ms
                self.retried += len(messages)
                log.warning(
                    "bus listener %s will retry %d entries: %s", self.group, len(ids), error
                )
                self._give_up_after(client, stream, [e for e in entries if e[1] is not None], error)
            else:
                log_failure(
                    log, "bus listener %s failed on %d entries of %s", self.group, len(ids), topic
                )
                self._one_by_one(client, stream, topic, entries, claimed)
            return
        self._lock_waits_over()
        if ids:
            self._ack(client, stream, ids, claimed)
