"""The same running app and recording bus as the assist tests."""

from tests.assist.conftest import RecordingBus, bus, client, runtime

__all__ = ["RecordingBus", "bus", "client", "runtime"]
