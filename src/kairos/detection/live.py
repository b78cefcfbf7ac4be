"""Live detection state: one detector per open interaction, rebuilt from the event log (by the
caller) when missing. Holds no database or bus: ingest and the detection workers drive it."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, Protocol

from kairos.detection.assessment import Assessment, Journey
from kairos.events import Event


class Detector(Protocol):
    """What the service needs of a per-interaction detector."""

    def update(self, event: Any) -> Assessment: ...

    @property
    def assessment(self) -> Assessment:
        """The current assessment, folding nothing."""
        ...


class DetectorFactory(Protocol):
    """Makes a detector for one interaction."""

    def __call__(
        self, *, interaction_id: str, timezone: str, timezone_source: str, journey: Journey
    ) -> Detector: ...


def default_factory() -> DetectorFactory:
    """The moment-of-truth detector, one per interaction."""
    from kairos.detection.detector import MomentDetector  # numpy and the model: load on use

    def make(
        *, interaction_id: str, timezone: str, timezone_source: str, journey: Journey
    ) -> Detector:
        return MomentDetector(
            interaction_id=interaction_id,
            timezone=timezone,
            timezone_source=timezone_source,
            journey=journey,
        )

    return make


def erased_key(interaction_id: str) -> str:
    """How an erased contact is named to other processes: a digest, not its id (the message
    that carries it outlives the erasure and must name nobody).

    >>> erased_key("chat-1") == erased_key("chat-1") != erased_key("chat-2")
    True
    """
    return hashlib.sha256(f"kairos-erased:{interaction_id}".encode()).hexdigest()[:32]


class DetectorCache:
    """A bounded LRU of live detectors keyed by interaction id.

    Detection state is never the source of truth: a detector that was evicted, or whose
    transaction rolled back, is rebuilt by replaying the interaction's stored events.

    ``inline``: this process assesses inside the ingest transaction. Otherwise (detection by
    workers) ingestion only stores and publishes, and refuses new events with 429 once the
    workers are more than ``max_lag`` events behind. A worker tracks, per detector, the ``seq``
    of the last event it has seen (``position``), to tell whether the cached state is current.

    ``centre_timezone``: the centre's configured zone, None when none is configured;
    ``phone_region`` reads phone numbers without a country code. Both feed the zone deadlines
    are read in (``kairos.detection.timezones``).
    """

    def __init__(
        self,
        factory: DetectorFactory | None,
        *,
        capacity: int = 50_000,
        inline: bool = True,
        max_lag: int | None = None,
        centre_timezone: str | None = None,
        phone_region: str = "US",
    ) -> None:
        self.factory = factory
        self.centre_timezone = centre_timezone
        self.phone_region = phone_region
        self.capacity = capacity
        self.inline = inline
        self.max_lag = max_lag
        self._detectors: OrderedDict[str, Detector] = OrderedDict()
        self._positions: dict[str, int] = {}
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
        self,
        interaction_id: str,
        *,
        timezone: str,
        journey: Journey,
        history: list[Event],
        timezone_source: str = "",
    ) -> Detector | None:
        """A fresh detector brought up to date with ``history``."""
        if self.factory is None:
            return None
        detector = self.factory(
            interaction_id=interaction_id,
            timezone=timezone,
            timezone_source=timezone_source,
            journey=journey,
        )
        for event in history:
            detector.update(event)
        with self.lock:
            self._detectors[interaction_id] = detector
            self._positions.pop(interaction_id, None)
            while len(self._detectors) > self.capacity:
                evicted, _ = self._detectors.popitem(last=False)
                self._positions.pop(evicted, None)
        return detector

    def position(self, interaction_id: str) -> int | None:
        """The seq of the last event the cached detector has seen, if tracked."""
        with self.lock:
            if interaction_id not in self._detectors:
                return None
            return self._positions.get(interaction_id)

    def advance(self, interaction_id: str, seq: int) -> None:
        """Record that the cached detector has seen every event up to ``seq``."""
        with self.lock:
            if interaction_id in self._detectors:
                self._positions[interaction_id] = seq

    def forget(self, *interaction_ids: str) -> None:
        """Drop detectors whose state may be ahead of the database."""
        with self.lock:
            for interaction_id in interaction_ids:
                self._detectors.pop(interaction_id, None)
                self._positions.pop(interaction_id, None)

    def forget_erased(self, keys: Iterable[str]) -> int:
        """Drop the detectors of the contacts named by :func:`erased_key` (another process
        erased their customer); how many were held here."""
        wanted = frozenset(keys)
        with self.lock:
            doomed = [i for i in self._detectors if erased_key(i) in wanted]
            for interaction_id in doomed:
                self._detectors.pop(interaction_id, None)
                self._positions.pop(interaction_id, None)
        return len(doomed)

    def clear(self) -> None:
        """Drop every detector (each is rebuilt from the stored events when next needed)."""
        with self.lock:
            self._detectors.clear()
            self._positions.clear()

    def __len__(self) -> int:
        return len(self._detectors)


def warm() -> None:
    """Load now what the first customer turn would load otherwise: the language identifier, the
    text and semantic models, the cue triggers and the deadline patterns (about a second on one
    core, most of it the language model's decompression), and the voice analysis' compiled
    kernels (a third of a second from Numba's cache, some 11 s the first time on a machine), so
    no contact's assessment and no live audio pass waits for it. Safe to call from a thread:
    each part is loaded once per process."""
    from kairos.detection import cues, deadlines, language, valence
    from kairos.detection.detector_contracts import default_model, default_semantic
    from kairos.detection.voice import compiled

    default_model()
    default_semantic()
    language.load()
    cues.warm()
    deadlines.warm()
    valence.warm()
    compiled.warm()
    _WARMED.set()


_WARMED = threading.Event()


def warmed() -> bool:
    """Whether `warm` has finished in this process (``/healthz`` reports it as ``models``)."""
    return _WARMED.is_set()
