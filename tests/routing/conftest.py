"""What the routing tests share."""

from __future__ import annotations

import pytest

from kairos.bus import BusMessage, MemoryBus
from kairos.config import Settings
from kairos.runtime import Runtime


@pytest.fixture
def seen(runtime: Runtime) -> list[BusMessage]:
    """Every routing message the test's runtime publishes, in order."""
    messages: list[BusMessage] = []
    assert isinstance(runtime.bus, MemoryBus)
    runtime.bus.listen(lambda topic, m: messages.append(m), "routing")
    return messages


@pytest.fixture(params=["live", "database"])
def live_or_database(request: pytest.FixtureRequest, migrated_url: str) -> Settings:
    """Settings for the live board (what ``auto`` picks: the board in the process on SQLite,
    the leased board on PostgreSQL), then for the database path. A module that runs its tests
    on both takes them as its ``settings``."""
    board = "database" if request.param == "database" else "auto"
    return Settings(database_url=migrated_url, routing_board=board)
