"""The Redis bus: a Stream per topic for workers, pub/sub for the pages of every API process.

``publish`` appends the message to the topic's stream (``XADD ... MAXLEN ~ n``) and publishes it
on the topic's channel in one round trip. ``subscribe`` feeds pages from one pattern subscription
per process, fanned out locally like the in-process bus. ``listen`` reads a topic's stream through
a consumer group (one group per listener, one consumer per bus instance), acknowledges each entry
after the callback returns and claims entries another consumer left pending for longer than
``claim_idle_ms``: at-least-once delivery that survives a process dying.

Publishing never raises into the caller. When Redis is unreachable the message is logged, counted
in ``publish_failures`` and dropped, and for ``retry_after_s`` after a failure publishes are dropped
at once instead of waiting on a connect timeout each: that is the loss window while Redis is down.
Once Redis answers again the process that dropped messages raises a counter in Redis
(``<prefix>:bus:gaps``); a listener given ``on_gap`` (the routing board) has it called when that
counter moves, when its own connection failed or when Redis came back without its groups, and reads
what it keeps from the database again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

import redis

from kairos.bus import redis_erase
from kairos.bus.base import BusMessage, Erasing, EventBus, LocalSubscriptions, Subscription
from kairos.bus.redis_figures import FigureReads
from kairos.bus.redis_groups import GroupReader, Listener, create_group

log = logging.getLogger(__name__)


def _encode(message: BusMessage) -> str:
    return json.dumps(message, default=str, separators=(",", ":"))


class RedisBus(FigureReads, EventBus):
    """Delivers across processes through Redis; see the module's documentation."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "kairos",
        maxlen: int = 100_000,
        claim_idle_ms: int = 30_000,
        block_ms: int = 1_000,
        batch: int = 100,
        retry_after_s: float = 1.0,
        timeout_s: float = 0.5,
        consumer: str | None = None,
        backlog_ttl_s: float = 0.5,
        orphan_idle_ms: int = 60_000,
        max_attempts: int = 5,
        dead_maxlen: int = 10_000,
    ) -> None:
        self.url, self.prefix, self.maxlen = url, prefix, maxlen
        self.claim_idle_ms, self.block_ms, self.batch = claim_idle_ms, block_ms, batch
        self.claim_every_s = max(claim_idle_ms / 2000, 0.05)
        self.retry_after_s, self.timeout_s = retry_after_s, timeout_s
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._publisher = self._client(socket_timeout=timeout_s)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._down_until = 0.0
        self._pages = LocalSubscriptions()
        self._fanout: threading.Thread | None = None
        self._fanout_ready = threading.Event()
        self._readers: list[GroupReader] = []
        self.backlog_ttl_s = backlog_ttl_s
        self.orphan_idle_ms = orphan_idle_ms
        #: Deliveries of an entry a listener fails on before it goes to the dead letters.
        self.max_attempts, self.dead_maxlen = max_attempts, dead_maxlen
        self._own_groups: list[tuple[str, str]] = []  # (stream, group) of per-process listeners
        self._init_figures()
        self.published = 0
        self.publish_failures = 0
        #: Messages were dropped since Redis last answered: the gap counter is still to raise.
        self.dropped = False
        self.gap_key = f"{prefix}:bus:gaps"
        self.fanout_reconnects = 0

    def _client(self, *, socket_timeout: float) -> redis.Redis:
        return redis.Redis.from_url(
            self.url,
            decode_responses=True,
            socket_timeout=socket_timeout,
            socket_connect_timeout=self.timeout_s,
        )

    def _channel(self, topic: str) -> str:
        return f"{self.prefix}:live:{topic}"

    # publish -------------------------------------------------------------------------------

    def publish(self, topic: str, message: BusMessage) -> bool:
        if time.monotonic() < self._down_until:
            self._lost(topic, None)
            return False
        payload = _encode(message)
        try:
            pipe = self._publisher.pipeline(transaction=False)
            pipe.xadd(self._stream(topic), {"m": payload}, maxlen=self.maxlen, approximate=True)
            pipe.publish(self._channel(topic), payload)
            dropped = self.dropped
            if dropped:  # tell every process's gap listeners that messages were lost
                pipe.incr(self.gap_key)
            pipe.execute()
        except redis.RedisError as error:
            self._down_until = time.monotonic() + self.retry_after_s
            self._lost(topic, error)
            return False
        with self._lock:
            self.published += 1
            if dropped:
                self.dropped = False
        return True

    def _lost(self, topic: str, error: Exception | None) -> None:
        with self._lock:
            self.publish_failures += 1
            self.dropped = True
        if error is not None:
            log.warning("bus: Redis unreachable, %s message dropped (%s)", topic, error)

    # subscribe (pages) ---------------------------------------------------------------------

    def subscribe(self, *topics: str, maxsize: int = 10_000) -> Subscription:
        subscription = self._pages.add(topics, maxsize)
        with self._lock:
            start = self._fanout is None
            if start:
                self._fanout = threading.Thread(
                    target=self._fan_out, name="kairos-bus-fanout", daemon=True
                )
                self._fanout.start()
        if start:  # the first page waits (briefly) until the pattern subscription is in place
            self._fanout_ready.wait(self.timeout_s * 2)
        return subscription

    def _fan_out(self) -> None:
        """One pattern subscription per process; each message goes to the matching pages."""
        client = self._client(socket_timeout=self.timeout_s * 4)
        channel_prefix = self._channel("")
        while not self._stopping.is_set():
            pubsub = client.pubsub()  # type: ignore[no-untyped-call,unused-ignore]
            try:
                pubsub.psubscribe(channel_prefix + "*")
                while not self._stopping.is_set():
                    item = pubsub.get_message(timeout=0.2)
                    if item is None:
                        continue
                    if item["type"] == "psubscribe":
                        self._fanout_ready.set()
                    if item["type"] != "pmessage":
                        continue
                    topic = item["channel"][len(channel_prefix) :]
                    self._pages.deliver(topic, json.loads(item["data"]))
            except redis.RedisError as error:
                self._fanout_ready.clear()
                self.fanout_reconnects += 1
                log.warning("bus fan-out: Redis unreachable (%s); reconnecting", error)
                self._stopping.wait(self.retry_after_s)
            finally:
                pubsub.close()
        client.close()

    # listen (workers) ----------------------------------------------------------------------

    def listen(
        self,
        callback: Listener,
        *topics: str,
        group: str | None = None,
        on_gap: Callable[[], None] | None = None,
        per_process: bool = False,
    ) -> None:
        """Call ``callback(topic, message)`` for each message of ``topics`` once per group.

        Bus instances (processes) that listen with the same ``group`` share the work; the group
        defaults to the callback's class or function name. Topics must be named: a consumer group
        reads known streams, so ``"*"`` is refused. ``on_gap``: see the module's documentation.
        ``per_process``: the group is removed by :meth:`close`; its reader keeps a key alive
        meanwhile, and groups named like it (up to the last ``-``) whose key has expired
        (``orphan_idle_ms`` after their process died) are removed now.
        """
        if not topics or "*" in topics:
            raise ValueError("a Redis bus listener names its topics")
        name = group or getattr(callback, "__qualname__", None) or type(callback).__qualname__
        reader = GroupReader(
            self, callback, topics, self.group_name(name), on_gap=on_gap, per_process=per_process
        )
        try:  # create the groups now, so what is published after listen() returns reaches it
            if per_process:  # alive before it exists: another process starting keeps it
                self._publisher.set(self.alive_key(reader.group), "1", px=self.orphan_idle_ms)
            reader.ensure_groups(self._publisher)
        except redis.RedisError as error:
            log.warning("bus listener %s: groups not created yet (%s)", name, error)
        with self._lock:
            self._readers.append(reader)
            if per_process:
                self._own_groups += [(stream, reader.group) for stream in reader.streams]
        if per_process:
            self._drop_orphans(reader)
        reader.thread.start()

    def alive_key(self, group: str) -> str:
        """The key a per-process group's reader keeps alive (it expires after ``orphan_idle_ms``
        without the reader: the process is gone)."""
        return f"{self.prefix}:alive:{group}"

    def _drop_orphans(self, reader: GroupReader) -> None:
        """Remove the groups a dead process's per-process listener left on ``reader``'s
        streams (their lag would grow forever on ``/metrics``)."""
        family = reader.group.rsplit("-", 1)[0] + "-"
        try:
            for stream in reader.streams:
                for info in self._publisher.xinfo_groups(stream):
                    name = str(info["name"])
                    if name.startswith(family) and not self._publisher.exists(self.alive_key(name)):
                        log.info("bus: removing %s on %s, left by a process gone", name, stream)
                        self._publisher.xgroup_destroy(stream, name)
        except redis.RedisError as error:
            log.warning("bus: groups left by processes gone not removed (%s)", error)

    def reachable(self) -> bool:
        """Whether Redis answers a ping (within the 0.5 s timeout; at once False during the
        second after a failed publish)."""
        if time.monotonic() < self._down_until:
            return False
        try:
            return bool(self._publisher.ping())
        except redis.RedisError:
            return False

    def first_time(self, key: str, *, ttl_s: float) -> bool:
        """Whether ``key`` is named for the first time in ``ttl_s`` by any process (``SET NX``);
        True when Redis does not answer (better sent twice than never). A Redis that restarted
        empty has forgotten what was named before."""
        try:
            return bool(
                self._publisher.set(f"{self.prefix}:once:{key}", "1", nx=True, px=int(ttl_s * 1000))
            )
        except redis.RedisError:
            return True

    def forget(self, key: str) -> None:
        """Forget ``key`` (:meth:`first_time`) in every process; nothing when Redis does not
        answer (it would have nothing to forget)."""
        with contextlib.suppress(redis.RedisError):
            self._publisher.delete(f"{self.prefix}:once:{key}")

    def mark_gap(self, client: redis.Redis) -> None:
        """Raise the gap counter if this process dropped messages (a listener's thread calls
        it once Redis answers, so the counter moves even if nothing more is published here)."""
        if self.dropped:
            client.incr(self.gap_key)
            with self._lock:
                self.dropped = False

    # backlog (backpressure, /metrics) -----------------------------------------------------

    def ensure_group(self, topic: str, group: str) -> None:
        """Create listener ``group`` on ``topic`` now, so it keeps what is published before any
        of its listeners starts (a group created later starts at the end of the stream)."""
        self.watch(topic)
        try:
            create_group(self._publisher, self._stream(topic), self.group_name(group))
        except redis.ResponseError:  # Redis refused it (not unreachable): say so
            raise
        except redis.RedisError as error:
            log.warning("bus: group %s not created (%s)", group, error)

    # close ---------------------------------------------------------------------------------

    def erase_entries(self, erasing: Erasing) -> int | None:
        """Drop or narrow the stream entries (live and dead letters) as ``erasing`` says (see
        :mod:`kairos.bus.redis_erase`); None when Redis did not answer (logged: the caller says
        so)."""
        client = self._client(socket_timeout=max(self.timeout_s, 10.0))
        try:
            return redis_erase.erase(client, self.prefix, erasing)
        except redis.RedisError as error:
            log.error("bus: erasing stream entries failed part-way: %s", error)
            return None
        finally:
            client.close()

    def close(self) -> None:
        self._stopping.set()
        threads = [reader.thread for reader in self._readers]
        if self._fanout is not None:
            threads.append(self._fanout)
        for thread in threads:
            thread.join(self.block_ms / 1000 + self.timeout_s * 4 + 1)
        try:  # this process's own groups: nobody reads them any more
            for stream, group in self._own_groups:
                self._publisher.xgroup_destroy(stream, group)
                self._publisher.delete(self.alive_key(group))
        except redis.RedisError as error:
            log.warning("bus: per-process groups not removed (%s); the next start does", error)
        self._publisher.close()
