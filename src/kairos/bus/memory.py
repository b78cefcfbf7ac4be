"""The in-process bus: one machine, subscribers are asyncio queues or plain callbacks."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kairos.bus.base import BusMessage, EventBus, LocalSubscriptions, Subscription
from kairos.db import foreground
from kairos.errors import log_failure

log = logging.getLogger(__name__)


class MemoryBus(EventBus):
    """Delivers in the same process; thread-safe publish into each subscriber's event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages = LocalSubscriptions()
        self._listeners: list[tuple[frozenset[str], Callable[[str, BusMessage], None]]] = []
        self.published = 0

    def publish(self, topic: str, message: BusMessage) -> bool:
        with self._lock:
            listeners = list(self._listeners)
            self.published += 1
        for topics, callback in listeners:
            if topic in topics or "*" in topics:
                try:
                    with foreground():  # whoever published, its listeners' writes wait as ever
                        callback(topic, message)
                except Exception:  # a listener's bug must not undo a committed ingest
                    log_failure(log, "bus listener failed on %s", topic)
        self._pages.deliver(topic, message)
        return True

    def subscribe(self, *topics: str, maxsize: int = 10_000) -> Subscription:
        return self._pages.add(topics, maxsize)

    def listen(
        self,
        callback: Callable[[str, BusMessage], None],
        *topics: str,
        group: str | None = None,
        on_gap: Callable[[], None] | None = None,
        per_process: bool = False,
    ) -> None:
        """Call ``callback(topic, message)`` synchronously on publish (workers, tests); nothing
        published is ever lost in between, so ``on_gap`` is never called."""
        with self._lock:
            self._listeners.append((frozenset(topics or ("*",)), callback))
