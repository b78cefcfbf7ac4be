"""The bus interface, and the page subscriptions both buses deliver to in their own process."""

from __future__ import annotations

import abc
import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Literal

from kairos.bus.message_base import Wire

if TYPE_CHECKING:
    from kairos.bus.messages import Message

#: A message's body as it travels (JSON); code outside the bus reads it through
#: :func:`kairos.bus.messages.parse`.
BusMessage = dict[str, Any]
#: What an erasure does with one stored message: ``"keep"`` it (it names none of the erased
#: contacts), ``"drop"`` it, or put back the returned message (the other contacts' part of a
#: message that named several).
Erasing = Callable[[BusMessage], "BusMessage | Literal['keep', 'drop']"]
_ONCE_LOCK = threading.Lock()


class Subscription(abc.ABC):
    """A live feed of messages on some topics, read with ``async for`` or ``get``."""

    @abc.abstractmethod
    async def get(self, timeout: float | None = None) -> BusMessage | None:
        """The next message, or None after ``timeout`` seconds."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stop receiving."""

    def __aiter__(self) -> AsyncIterator[BusMessage]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[BusMessage]:
        while True:
            message = await self.get()
            if message is not None:
                yield message


class Retry(Exception):
    """Raised by a listener: the message could not be handled now (the database is down, say);
    leave it unacknowledged so that it is delivered again later."""


class EventBus(abc.ABC):
    """Publishes applied events and assessments to subscribers.

    ``publish`` is called by services only after their database transaction commits, from any
    thread; it never blocks on slow subscribers.
    """

    @abc.abstractmethod
    def publish(self, topic: str, message: BusMessage) -> bool:
        """Send ``message`` to every subscriber of ``topic``; False when it was dropped (the
        broker unreachable: its gap listeners are told once it is back)."""

    def send(self, message: Message) -> bool:
        """Publish a typed message on its class's topic; False when it was dropped."""
        return self.publish(message.topic, Wire(message)) is not False

    @abc.abstractmethod
    def subscribe(self, *topics: str, maxsize: int = 10_000) -> Subscription:
        """A subscription to ``topics`` (``"*"`` for all), in the calling event loop."""

    def listen(  # noqa: B027 - a bus that only records or forwards has no listeners
        self,
        callback: Callable[[str, BusMessage], None],
        *topics: str,
        group: str | None = None,
        on_gap: Callable[[], None] | None = None,
        per_process: bool = False,
    ) -> None:
        """Call ``callback(topic, message)`` for each message of ``topics`` (workers).

        Listeners sharing a ``group`` (on buses that span processes) share the work.
        ``on_gap`` is called (on the listener's thread) once the bus is back after it may have
        lost messages of these topics (a bus spanning processes whose server was away or
        restarted): a listener that keeps state from them reads it again from the database.
        ``per_process``: the group is this process's alone (a name of its own): a bus spanning
        processes removes it when the process stops, or after it died.
        """

    def first_time(self, key: str, *, ttl_s: float) -> bool:
        """Whether ``key`` is named here for the first time in ``ttl_s`` (by any process the bus
        spans): a listener that may be run twice for one thing (live, then caught up after a
        gap) sends its message once. A bus that cannot tell answers True."""
        now = time.monotonic()
        with _ONCE_LOCK:
            named: dict[str, float] = self.__dict__.setdefault("_first_named", {})
            seen = named.get(key)
            if seen is not None and now - seen < ttl_s:
                return False
            if len(named) > 100_000:  # forget the oldest half
                for old in sorted(named, key=named.__getitem__)[:50_000]:
                    del named[old]
            named[key] = now
        return True

    def forget(self, key: str) -> None:
        """Forget that ``key`` was named (:meth:`first_time`): what it stood for was not sent
        after all, so the next try must send it."""
        with _ONCE_LOCK:
            self.__dict__.setdefault("_first_named", {}).pop(key, None)

    def reachable(self) -> bool | None:
        """Whether the bus's server answers now; None for a bus within one process."""
        return None

    def backlog(self, topic: str, group: str) -> int | None:
        """Messages of ``topic`` that listener ``group`` has yet to finish; None: not known."""
        return None

    def ensure_group(self, topic: str, group: str) -> None:  # noqa: B027 - nothing to prepare
        """Make sure listener ``group`` gets what is published on ``topic`` from now on, even
        before any of its listeners starts (a bus spanning processes creates it now)."""

    def report(self, figures: dict[str, float], *, ttl_s: float) -> None:  # noqa: B027
        """Leave this process's figures where every API process can read them for ``ttl_s``
        (a worker's heartbeat); a bus within one process has nowhere to leave them."""

    def listener_counts(self) -> dict[str, float]:
        """This process's listeners' counts, summed: messages handled, failed (logged and
        acknowledged: not delivered again), left to retry, claimed from a silent process, and
        held back by a database lock another process holds."""
        return {}

    def reports(self) -> dict[str, dict[str, float]]:
        """The figures processes left with :meth:`report`, by process, while they last."""
        return {}

    def stats(self) -> dict[str, Any]:
        """Figures for ``/metrics``: published, publish failures, per-group backlog."""
        return {}

    def figures_state(self) -> tuple[bool, float] | None:
        """Whether the last :meth:`stats` read the bus's server (False: it did not answer, the
        figures are the last read), and their age in seconds; None for a bus within one process."""
        return None

    def erase_entries(self, erasing: Erasing) -> int | None:
        """Take out of the stored messages what ``erasing`` says (an erasure): drop those about
        the erased contacts, narrow those that also named others; how many entries named them.
        None: this bus stores none (the in-process bus keeps nothing once delivered)."""
        return None

    def close(self) -> None:  # noqa: B027 - most buses hold nothing to release
        """Release resources."""


class QueueSubscription(Subscription):
    """A page's subscription: an asyncio queue in the event loop that subscribed."""

    def __init__(self, pages: LocalSubscriptions, topics: frozenset[str], maxsize: int) -> None:
        self._pages = pages
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
        self._pages.remove(self)


class LocalSubscriptions:
    """This process's page subscriptions; ``deliver`` is thread-safe, into each page's loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.subscriptions: list[QueueSubscription] = []

    def add(self, topics: tuple[str, ...], maxsize: int) -> QueueSubscription:
        """A new subscription to ``topics`` (none: all), in the calling event loop."""
        subscription = QueueSubscription(self, frozenset(topics or ("*",)), maxsize)
        with self._lock:
            self.subscriptions.append(subscription)
        return subscription

    def deliver(self, topic: str, message: BusMessage) -> None:
        """Hand ``message`` to every subscription of ``topic``."""
        with self._lock:
            subscriptions = list(self.subscriptions)
        envelope = {"topic": topic, **message}
        for subscription in subscriptions:
            if topic in subscription.topics or "*" in subscription.topics:
                try:
                    subscription.loop.call_soon_threadsafe(subscription.offer, envelope)
                except RuntimeError:  # its loop is closed: the page went away
                    self.remove(subscription)

    def remove(self, subscription: QueueSubscription) -> None:
        """Stop delivering to ``subscription``."""
        with self._lock:
            if subscription in self.subscriptions:
                self.subscriptions.remove(subscription)
