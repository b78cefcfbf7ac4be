"""The event bus: what happened, published after it committed, to whoever listens."""

from kairos.bus.base import BusMessage, EventBus, Subscription
from kairos.bus.memory import MemoryBus

__all__ = ["BusMessage", "EventBus", "MemoryBus", "Subscription"]
