"""What request handlers and bus listeners are given: the long-lived parts of a running Kairos.

:class:`Services` sits low in the layer order (above the bus, detection and the database, below
every domain), so a domain can be handed it without importing the composition root
(:mod:`kairos.runtime`), which builds it and wires the listeners.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kairos.bus import EventBus
from kairos.config import Settings
from kairos.db import Database
from kairos.detection.live import DetectorCache
from kairos.metrics import Registry


@dataclass
class Services:
    """Settings, database, bus, live detectors and metrics of one process."""

    settings: Settings
    db: Database
    bus: EventBus
    detectors: DetectorCache
    metrics: Registry = field(default_factory=Registry)
