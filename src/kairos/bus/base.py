"""The bus interface; the in-process bus implements it, and the Redis bus will."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from typing import Any

BusMessage = dict[str, Any]


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


class EventBus(abc.ABC):
    """Publishes applied events and assessments to subscribers.

    ``publish`` is called by services only after their database transaction commits, from any
    thread; it never blocks on slow subscribers.
    """

    @abc.abstractmethod
    def publish(self, topic: str, message: BusMessage) -> None:
        """Send ``message`` to every subscriber of ``topic``."""

    @abc.abstractmethod
    def subscribe(self, *topics: str, maxsize: int = 10_000) -> Subscription:
        """A subscription to ``topics`` (``"*"`` for all), in the calling event loop."""

    def close(self) -> None:  # noqa: B027 - most buses hold nothing to release
        """Release resources."""
