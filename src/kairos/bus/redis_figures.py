"""The Redis bus's figures: each group's backlog (backpressure, ``/metrics``), the workers'
heartbeats, the dead-letter streams' lengths and the deliveries a database lock holds back.

A scrape must not wait on a Redis that hangs (stopped, swapping, ``DEBUG SLEEP``): each read has
the publisher's 0.5 s timeout, and once one read fails the others are not tried for
``retry_after_s``; meanwhile the figures last read are kept and :meth:`FigureReads.figures_state`
says they are stale and how old they are.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import redis

if TYPE_CHECKING:
    from kairos.bus.redis_groups import GroupReader

log = logging.getLogger(__name__)


class FigureReads:
    """What :class:`kairos.bus.redis.RedisBus` reads for figures, bounded while Redis hangs."""

    prefix: str
    retry_after_s: float
    backlog_ttl_s: float
    consumer: str
    published: int
    publish_failures: int
    _publisher: redis.Redis
    _lock: threading.Lock
    _readers: list[GroupReader]
    _down_until: float

    def _init_figures(self) -> None:
        self._group_info: dict[str, tuple[float, dict[str, dict[str, Any]]]] = {}
        self._watched: set[str] = set()
        self._reports: dict[str, dict[str, float]] = {}
        self._dead: dict[str, int] = {}
        self._held: dict[str, int] = {}
        #: No figure is read from Redis before this (monotonic): one read timed out or failed.
        self._figures_down_until = 0.0
        #: When the figures were last read whole (monotonic), and whether the last try did.
        self._figures_read_at = time.monotonic()
        self._figures_fresh = True

    def _stream(self, topic: str) -> str:
        return f"{self.prefix}:stream:{topic}"

    def dead_stream(self, topic: str) -> str:
        """The dead-letter stream of ``topic``: entries a listener gave up on."""
        return f"{self.prefix}:dead:{topic}"

    def group_name(self, group: str) -> str:
        """The consumer group's name in Redis."""
        return f"{self.prefix}:{group}"

    def held_key(self, group_name: str) -> str:
        """The hash of the entries a database lock held back from group ``group_name`` (its
        name in Redis), each with the deliveries it held back (they spend no attempt)."""
        return f"{self.prefix}:bus:held:{group_name}"

    def _figures_readable(self) -> bool:
        now = time.monotonic()
        return now >= self._down_until and now >= self._figures_down_until

    def _figures_failed(self, what: str, error: Exception) -> None:
        log.warning("bus: %s unknown (%s); figures kept as last read", what, error)
        self._figures_down_until = time.monotonic() + self.retry_after_s
        self._figures_fresh = False

    def _groups(self, topic: str) -> dict[str, dict[str, Any]]:
        now = time.monotonic()
        with self._lock:
            cached = self._group_info.get(topic)
            if cached is not None and now - cached[0] < self.backlog_ttl_s:
                return cached[1]
        if not self._figures_readable():
            return {} if cached is None else cached[1]
        groups: dict[str, dict[str, Any]] = {}
        try:
            for info in self._publisher.xinfo_groups(self._stream(topic)):
                groups[str(info["name"])] = info
        except redis.ResponseError:  # no such stream yet
            pass
        except redis.RedisError as error:
            self._figures_failed(f"backlog of {topic}", error)
            return {} if cached is None else cached[1]
        with self._lock:
            self._group_info[topic] = (now, groups)
        return groups

    def backlog(self, topic: str, group: str) -> int | None:
        """Entries not yet delivered to the group plus those delivered but not acknowledged.

        Read from ``XINFO GROUPS`` at most every ``backlog_ttl_s`` per topic; None while Redis
        does not answer or the group does not exist.
        """
        if not self._figures_readable():
            return None
        info = self._groups(topic).get(self.group_name(group))
        if info is None:
            return None
        lag = info.get("lag")
        if lag is None:  # Redis cannot tell after some trims: count the stream's length instead
            try:
                lag = int(self._publisher.xlen(self._stream(topic)))
            except redis.RedisError:
                return None
        return int(lag) + int(info.get("pending") or 0)

    def report(self, figures: dict[str, float], *, ttl_s: float) -> None:
        """Leave this process's figures in Redis for ``ttl_s`` (a worker's heartbeat)."""
        key = f"{self.prefix}:workers:{self.consumer}"
        try:
            pipe = self._publisher.pipeline(transaction=True)
            pipe.hset(key, mapping={k: repr(float(v)) for k, v in figures.items()})
            pipe.pexpire(key, int(ttl_s * 1000))
            pipe.execute()
        except redis.RedisError as error:
            log.warning("bus: heartbeat not sent (%s)", error)

    def listener_counts(self) -> dict[str, float]:
        """This process's listeners' counts, summed."""
        with self._lock:
            readers = list(self._readers)
        return {
            f"bus_{figure}": float(sum(getattr(reader, figure) for reader in readers))
            for figure in ("handled", "failed", "retried", "claimed", "dead_lettered", "held")
        }

    def deliveries_held(self) -> dict[str, int]:
        """The deliveries this process's listeners held back for a database lock, by group."""
        with self._lock:
            readers = list(self._readers)
        counts: dict[str, int] = {}
        for reader in readers:
            group = reader.group.removeprefix(f"{self.prefix}:")
            counts[group] = counts.get(group, 0) + reader.held
        return counts

    def reports(self) -> dict[str, dict[str, float]]:
        """The workers' heartbeats; those last read while Redis does not answer."""
        if not self._figures_readable():
            return dict(self._reports)
        prefix = f"{self.prefix}:workers:"
        found: dict[str, dict[str, float]] = {}
        try:
            for key in self._publisher.scan_iter(match=prefix + "*", count=100):
                values = self._publisher.hgetall(key)
                if values:
                    found[str(key)[len(prefix) :]] = {str(k): float(v) for k, v in values.items()}
        except redis.RedisError as error:
            self._figures_failed("worker reports", error)
            return dict(self._reports)
        self._reports = found
        return found

    def stats(self) -> dict[str, Any]:
        """Published, publish failures, each group's backlog, each dead-letter stream's length
        and each group's entries held pending for a database lock (those last read while Redis
        does not answer), and this process's deliveries held back, by group."""
        self._figures_fresh = self._figures_readable()
        groups = {}
        topics = self._listened_topics()
        for topic in topics:
            for name, info in self._groups(topic).items():
                group = name.removeprefix(f"{self.prefix}:")
                groups[(topic, group)] = {
                    "lag": int(info.get("lag") or 0),
                    "pending": int(info.get("pending") or 0),
                }
        self._read_dead(topics)
        self._read_held(sorted({group for _, group in groups}))
        deliveries_held = self.deliveries_held()
        with self._lock:
            return {
                "published": self.published,
                "publish_failures": self.publish_failures,
                "groups": groups,
                "dead_letters": dict(self._dead),
                "held": dict(self._held),
                "deliveries_held": deliveries_held,
            }

    def _read_dead(self, topics: list[str]) -> None:
        if not self._figures_readable():
            return
        try:
            pipe = self._publisher.pipeline(transaction=False)
            for topic in topics:
                pipe.xlen(self.dead_stream(topic))
            lengths = pipe.execute()
        except redis.RedisError as error:
            self._figures_failed("dead letters", error)
            return
        self._dead = {t: int(n) for t, n in zip(topics, lengths, strict=True)}

    def _read_held(self, groups: list[str]) -> None:
        """Each group's entries held pending for a database lock, every process's listeners'
        (kept in Redis by :class:`kairos.bus.redis_groups.GroupReader`)."""
        if not self._figures_readable():
            return
        try:
            pipe = self._publisher.pipeline(transaction=False)
            for group in groups:
                pipe.hlen(self.held_key(self.group_name(group)))
            lengths = pipe.execute()
        except redis.RedisError as error:
            self._figures_failed("held deliveries", error)
            return
        self._held = {g: int(n) for g, n in zip(groups, lengths, strict=True)}

    def figures_state(self) -> tuple[bool, float] | None:
        """Whether the last :meth:`stats` (and :meth:`reports` after it) read Redis, and the
        age of the figures they gave, in seconds."""
        now = time.monotonic()
        if self._figures_fresh:
            self._figures_read_at = now
        return self._figures_fresh, now - self._figures_read_at

    def _listened_topics(self) -> list[str]:
        with self._lock:
            topics = set(self._watched)
            for reader in self._readers:
                topics.update(reader.topics)
        return sorted(topics)

    def watch(self, topic: str) -> None:
        """Report ``topic``'s groups in :meth:`stats` even if no listener here reads it."""
        with self._lock:
            self._watched.add(topic)
