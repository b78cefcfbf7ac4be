"""The event bus: what happened, published after it committed, to whoever listens."""

from typing import TYPE_CHECKING

from kairos.bus.base import BusMessage, EventBus, Retry, Subscription
from kairos.bus.memory import MemoryBus

__all__ = ["BusMessage", "EventBus", "MemoryBus", "RedisBus", "Retry", "Subscription"]

if TYPE_CHECKING:
    from kairos.bus.redis import RedisBus


def __getattr__(name: str) -> object:
    # The Redis bus needs the `redis` extra; import it only when asked for.
    if name == "RedisBus":
        from kairos.bus.redis import RedisBus

        return RedisBus
    raise AttributeError(name)
