"""The in-process bus: one machine, subscribers are asyncio queues or plain callbacks."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from kairos.bus.base import BusMessage, EventBus, Subscription

log = logging.getLogger(__name__)


class _MemorySubscription(Subscription):
    def __init__(self, bus: MemoryBus, topics: frozenset[str], maxsize: int) -> None:
        self._bus = bus
        self.topics = topics
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[BusMessage] = asyncio.Queue(maxsize=maxsize)
        self.dropped = 0

    def offer(self, message: BusMessage) -> None:
        # A slow page must not stall ingestion: past maxsize the oldest message is dropped and
        # counted; pages re-fetch state when they see a gap.
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(message)

    async def get(self, timeout: float | None = None) -> BusMessage | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    def close(self) -> None:
        self._bus._remove(self)


class MemoryBus(EventBus):
    """Delivers in the same process; thread-safe publish into each subscriber's event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: list[_MemorySubscription] = []
        self._listeners: list[tuple[frozenset[str], Callable[[str, BusMessage], None]]] = []
        self.published = 0

    def publish(self, topic: str, message: BusMessage) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions)
            listeners = list(self._listeners)
            self.published += 1
        for topics, callback in listeners:
            if topic in topics or "*" in topics:
                try:
                    callback(topic, message)
                except Exception:  # a listener's bug must not undo a committed ingest
                    log.exception("bus listener failed on %s", topic)
        envelope = {"topic": topic, **message}
        for subscription in subscriptions:
            if topic in subscription.topics or "*" in subscription.topics:
                try:
                    subscription.loop.call_soon_threadsafe(subscription.offer, envelope)
                except RuntimeError:  # its loop is closed: the page went away
                    self._remove(subscription)

    def subscribe(self, *topics: str, maxsize: int = 10_000) -> Subscription:
        subscription = _MemorySubscription(self, frozenset(topics or ("*",)), maxsize)
        with self._lock:
            self._subscriptions.append(subscription)
        return subscription

    def listen(self, callback: Callable[[str, BusMessage], None], *topics: str) -> None:
        """Call ``callback(topic, message)`` synchronously on publish (workers, tests)."""
        with self._lock:
            self._listeners.append((frozenset(topics or ("*",)), callback))

    def _remove(self, subscription: _MemorySubscription) -> None:
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)
