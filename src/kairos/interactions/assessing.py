"""Keeps one live detector per open interaction, rebuilt from the event log when missing."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Protocol

from kairos.detection.assessment import Assessment, Journey
from kairos.events import Event


class Detector(Protocol):
    """What the service needs of a per-interaction detector."""

    def update(self, event: Any) -> Assessment: ...


class DetectorFactory(Protocol):
    """Makes a detector for one interaction."""

    def __call__(self, *, interaction_id: str, timezone: str, journey: Journey) -> Detector: ...


def default_factory() -> DetectorFactory | None:
    """The moment-of-truth detector, when the detection package provides it."""
    try:
        from kairos.detection.detector import MomentDetector
    except ImportError:  # detection not built in this checkout: ingest still works
        return None

    def make(*, interaction_id: str, timezone: str, journey: Journey) -> Detector:
        return MomentDetector(interaction_id=interaction_id, timezone=timezone, journey=journey)

    return make


class DetectorCache:
    """A bounded LRU of live detectors keyed by interaction id.

    Detection state is never the source of truth: a detector that was evicted, or whose
    transaction rolled back, is rebuilt by replaying the interaction's stored events.
    """

    def __init__(self, factory: DetectorFactory | None, *, capacity: int = 50_000) -> None:
        self.factory = factory
        self.capacity = capacity
        self._detectors: OrderedDict[str, Detector] = OrderedDict()
        self.lock = threading.RLock()

    @property
    def enabled(self) -> bool:
        """Whether there is a detector to run."""
        return self.factory is not None

    def get(self, interaction_id: str) -> Detector | None:
        """The live detector, if cached."""
        with self.lock:
            detector = self._detectors.get(interaction_id)
            if detector is not None:
                self._detectors.move_to_end(interaction_id)
            return detector

    def create(
        self, interaction_id: str, *, timezone: str, journey: Journey, history: list[Event]
    ) -> Detector | None:
        """A fresh detector brought up to date with ``history``."""
        if self.factory is None:
            return None
        detector = self.factory(interaction_id=interaction_id, timezone=timezone, journey=journey)
        for event in history:
            detector.update(event)
        with self.lock:
            self._detectors[interaction_id] = detector
            while len(self._detectors) > self.capacity:
                self._detectors.popitem(last=False)
        return detector

    def forget(self, *interaction_ids: str) -> None:
        """Drop detectors whose state may be ahead of the database."""
        with self.lock:
            for interaction_id in interaction_ids:
                self._detectors.pop(interaction_id, None)

    def __len__(self) -> int:
        return len(self._detectors)
