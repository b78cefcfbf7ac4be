"""The shared running app, on the assist tests' recording bus."""

from tests.assist.conftest import RecordingBus, bus

__all__ = ["RecordingBus", "bus"]
