"""What the routing tests share."""

from __future__ import annotations

import pytest

from kairos.bus import BusMessage, MemoryBus
from kairos.runtime import Runtime


@pytest.fixture
def seen(runtime: Runtime) -> list[BusMessage]:
    """Every routing message the test's runtime publishes, in order."""
    messages: list[BusMessage] = []
    assert isinstance(runtime.bus, MemoryBus)
    runtime.bus.listen(lambda topic, m: messages.append(m), "routing")
    return messages
