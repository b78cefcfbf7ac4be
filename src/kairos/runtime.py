"""The long-lived parts of a running Kairos: settings, database, bus, detectors, metrics."""

from __future__ import annotations

from dataclasses import dataclass, field

from kairos.assist.live import CoachingListener
from kairos.bus import EventBus, MemoryBus
from kairos.config import Settings
from kairos.db import Database
from kairos.interactions.assessing import DetectorCache, default_factory
from kairos.metrics import Registry
from kairos.routing.supervision import Supervisor


@dataclass
class Runtime:
    """Everything a request handler may need, built once per process."""

    settings: Settings
    db: Database
    bus: EventBus
    detectors: DetectorCache
    metrics: Registry = field(default_factory=Registry)

    @classmethod
    def build(cls, settings: Settings, *, bus: EventBus | None = None) -> Runtime:
        """A runtime for ``settings``; the Redis bus if ``redis_url`` is set, else in-process."""
        if bus is None and settings.redis_url:
            from kairos.bus.redis import RedisBus  # the `redis` extra

            bus = RedisBus(settings.redis_url)
        bus = bus or MemoryBus()
        # Listeners: in-process on the memory bus, consumer groups on the Redis bus.
        # Supervisor alerts follow every assessment of an interaction in progress.
        bus.listen(Supervisor(bus), "assessments")
        bus.listen(CoachingListener(bus), "events")  # coaching.nudge on the agent's words
        runtime = cls(
            settings=settings,
            db=Database(settings.database_url),
            bus=bus,
            detectors=DetectorCache(default_factory()),
        )
        from kairos.outcomes.worker import OutcomesWorker

        # Reviews at the end, surveys, recontacts and outreach rules follow the bus.
        bus.listen(OutcomesWorker(runtime), "events", "outcomes", "messages")
        return runtime

    def close(self) -> None:
        """Release connections."""
        self.bus.close()
        self.db.dispose()
