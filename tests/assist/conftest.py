"""A running app on a migrated database, with a real in-process bus that records what it carried
and what the database held at that moment (to check that messages follow the commit)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kairos.bus import BusMessage, MemoryBus


class RecordingBus(MemoryBus):
    """The in-process bus; each publish also notes ``probe()``, read from a fresh session."""

    def __init__(self) -> None:
        super().__init__()
        self.probe: Callable[[], Any] = lambda: None
        self.seen: list[tuple[str, BusMessage, Any]] = []

    def publish(self, topic: str, message: BusMessage) -> None:
        self.seen.append((topic, message, self.probe()))
        super().publish(topic, message)

    def of_type(self, kind: str) -> list[tuple[str, BusMessage, Any]]:
        """What was published with this ``type``, in order."""
        return [entry for entry in self.seen if entry[1].get("type") == kind]


@pytest.fixture
def bus() -> RecordingBus:
    return RecordingBus()
