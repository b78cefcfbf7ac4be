"""A small Prometheus registry: counters and histograms rendered in the text exposition format."""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict

Labels = tuple[tuple[str, str], ...]


def _render_labels(labels: Labels, extra: tuple[tuple[str, str], ...] = ()) -> str:
    pairs = labels + extra
    if not pairs:
        return ""
    body = ",".join(
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in pairs
    )
    return "{" + body + "}"


class Counter:
    """A monotonically increasing count, per label set."""

    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = name, help_text
        self._values: dict[Labels, float] = defaultdict(float)
        self._lock = threading.Lock()

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        """Add ``amount`` for these labels."""
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._values[key] += amount

    def value(self, **labels: str) -> float:
        """The current count for these labels."""
        return self._values.get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> list[str]:
        """Exposition lines."""
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        with self._lock:
            items = sorted(self._values.items())
        lines += [f"{self.name}{_render_labels(k)} {v:g}" for k, v in items]
        if not items:
            lines.append(f"{self.name} 0")
        return lines


class Gauge:
    """A value that goes up and down, per label set; set from the outside before rendering."""

    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = name, help_text
        self._values: dict[Labels, float] = {}
        self._lock = threading.Lock()

    def set(self, value: float, **labels: str) -> None:
        """The current value for these labels."""
        with self._lock:
            self._values[tuple(sorted(labels.items()))] = value

    def clear(self) -> None:
        """Forget every label set (values that are no longer reported)."""
        with self._lock:
            self._values.clear()

    def value(self, **labels: str) -> float | None:
        """The last value set for these labels."""
        return self._values.get(tuple(sorted(labels.items())))

    def render(self) -> list[str]:
        """Exposition lines."""
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} gauge"]
        with self._lock:
            items = sorted(self._values.items())
        lines += [f"{self.name}{_render_labels(k)} {v:g}" for k, v in items]
        return lines


class Histogram:
    """Observations counted into cumulative buckets: this process's, labelled ``own`` if given,
    and series other processes reported (:meth:`figures` there, :meth:`set_reported` here)."""

    def __init__(
        self,
        name: str,
        help_text: str,
        buckets: tuple[float, ...],
        *,
        own: tuple[str, str] | None = None,
    ) -> None:
        self.name, self.help = name, help_text
        self.buckets = tuple(sorted(buckets))
        self.own: Labels = () if own is None else (own,)
        self._counts = [0] * (len(self.buckets) + 1)
        self._sum = 0.0
        self._count = 0
        self._reported: dict[Labels, tuple[list[int], float, int]] = {}
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        """Record one observation."""
        index = bisect.bisect_left(self.buckets, value)
        with self._lock:
            self._counts[index] += 1
            self._sum += value
            self._count += 1

    @property
    def count(self) -> int:
        """Observations recorded in this process."""
        return self._count

    def figures(self, prefix: str) -> dict[str, float]:
        """This process's series as flat figures (a worker's heartbeat carries them)."""
        with self._lock:
            out = {f"{prefix}_b{i}": float(n) for i, n in enumerate(self._counts)}
            out[f"{prefix}_sum"], out[f"{prefix}_count"] = self._sum, float(self._count)
        return out

    def set_reported(self, figures: dict[str, float], prefix: str, **labels: str) -> None:
        """Show the series another process reported with :meth:`figures` under ``labels``."""
        counts = [int(figures.get(f"{prefix}_b{i}", 0)) for i in range(len(self.buckets) + 1)]
        total, count = figures.get(f"{prefix}_sum", 0.0), int(figures.get(f"{prefix}_count", 0))
        with self._lock:
            self._reported[tuple(sorted(labels.items()))] = (counts, total, count)

    def clear_reported(self) -> None:
        """Forget the reported series (processes that no longer report)."""
        with self._lock:
            self._reported.clear()

    def render(self) -> list[str]:
        """Exposition lines."""
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        with self._lock:
            series = [(self.own, (list(self._counts), self._sum, self._count))]
            series += sorted(self._reported.items())
        for labels, (counts, total, count) in series:
            cumulative = 0
            for bound, n in zip(self.buckets, counts, strict=False):
                cumulative += n
                le = _render_labels(labels, (("le", f"{bound:g}"),))
                lines.append(f"{self.name}_bucket{le} {cumulative}")
            lines.append(f"{self.name}_bucket{_render_labels(labels, (('le', '+Inf'),))} {count}")
            lines += [
                f"{self.name}_sum{_render_labels(labels)} {total:g}",
                f"{self.name}_count{_render_labels(labels)} {count}",
            ]
        return lines


class Registry:
    """The process's metrics."""

    def __init__(self) -> None:
        self.events_ingested = Counter("kairos_events_ingested_total", "Events applied, by type.")
        self.events_duplicate = Counter(
            "kairos_events_duplicate_total", "Events acknowledged as repeats and not applied again."
        )
        self.events_rejected = Counter("kairos_events_rejected_total", "Events refused, by reason.")
        self.events_parked = Counter(
            "kairos_events_parked_total",
            "Events that arrived before their interaction's start: parked to wait for it, "
            "released (applied after it), expired (deleted, the start never came).",
        )
        self.events_waiting = Gauge(
            "kairos_events_parked_waiting", "Events waiting for their interaction's start now."
        )
        self.assessments = Counter("kairos_assessments_total", "Assessments made by the detector.")
        self.events_assessed = Counter(
            "kairos_events_assessed_total", "Events a detector worker has caught up with."
        )
        self.detector_rebuilds = Counter(
            "kairos_detector_rebuilds_total",
            "Detectors rebuilt from stored events (an interaction new to this worker).",
        )
        self.detection_retries = Counter(
            "kairos_detection_retries_total", "Catch-ups retried because the database failed."
        )
        self.interactions_swept = Counter(
            "kairos_interactions_swept_total",
            "Interactions caught up by the sweep, not the stream (their message was lost).",
        )
        self.interactions_timed_out = Counter(
            "kairos_interactions_timed_out_total",
            "Contacts ended by the idle sweep (no event past their channel's limit), by channel.",
        )
        self.outreach_suppressed = Counter(
            "kairos_outreach_suppressed_total",
            "Proactive contacts not made because the customer opted out, by kind and reason.",
        )
        self.media_messages_ignored = Counter(
            "kairos_media_messages_ignored_total",
            "Media stream messages of a type the protocol does not know, skipped.",
        )
        self._add_bus_figures()
        self.detection_backlog = Gauge(
            "kairos_detection_backlog_interactions",
            "Interactions with stored events the detector has not assessed yet.",
        )
        self.workers_alive = Gauge(
            "kairos_workers_alive", "Detector workers that reported in the last 15 seconds."
        )
        self.worker_figures = Gauge(
            "kairos_worker", "Each worker's own counts, as it last reported them (by figure)."
        )
        self.ingest_latency = Histogram(
            "kairos_ingest_latency_seconds",
            "Time to validate, store and publish one ingest request.",
            (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        )

        self.assessment_latency = Histogram(
            "kairos_assessment_latency_seconds",
            "From an event's acceptance (its ingest request arriving) to its assessment stored "
            'and published: process="api" where the API assesses (inline), and each '
            "worker's own series (process=its id) as it last reported them.",
            (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
            own=("process", "api"),
        )

    def _add_bus_figures(self) -> None:
        """The bus's figures (set from the bus before each render)."""
        self.bus_published = Gauge("kairos_bus_published", "Messages this process published.")
        self.bus_publish_failures = Gauge(
            "kairos_bus_publish_failures",
            "Messages this process could not publish (Redis down); the events stay stored.",
        )
        self.bus_lag = Gauge(
            "kairos_bus_lag",
            "Entries of a topic's stream not yet delivered to a listener group.",
        )
        self.bus_pending = Gauge(
            "kairos_bus_pending",
            "Entries delivered to a listener group and not yet acknowledged.",
        )
        self.bus_redis_up = Gauge(
            "kairos_bus_redis_up",
            "1 when this scrape read the bus figures from Redis; 0 when Redis did not answer "
            "within 0.5 s (the bus figures are then the last read).",
        )
        self.bus_figures_age = Gauge(
            "kairos_bus_figures_age_seconds",
            "Age of the bus figures (lag, pending, dead letters, workers): 0 when fresh.",
        )
        self.database_storing = Gauge(
            "kairos_database_storing",
            "1 while the database stores; 0 while its writes fail for a full disk or a read-only "
            "file or server (/healthz says which).",
        )
        self.database_lock_waits = Counter(
            "kairos_database_lock_waits_expired_total",
            "Writes of this process whose wait for a lock another process held ran out, by wait: "
            "full (SQLite's 10 s busy timeout, PostgreSQL's lock_timeout: a request answered "
            "503) and short (a background writer's 200 ms on SQLite, done again on its next try).",
        )
        self.bus_dead_letters = Gauge(
            "kairos_bus_dead_letters",
            "Entries in a topic's dead-letter stream: listeners gave up on them after "
            "KAIROS_BUS_MAX_ATTEMPTS tries (kairos bus dead-letters lists and replays them).",
        )
        self.bus_held = Gauge(
            "kairos_bus_held",
            "Entries a listener group holds pending, every process's, because another process "
            "holds the database locked (a backup, a script): they spend no attempt and are "
            "handled once it is released. By group.",
        )
        self.bus_deliveries_held = Counter(
            "kairos_bus_deliveries_held_total",
            "Deliveries this process's bus listeners held back because another process held the "
            "database locked (not counted toward KAIROS_BUS_MAX_ATTEMPTS), by group.",
        )

    def render(self) -> str:
        """The whole registry in the Prometheus text format."""
        lines: list[str] = []
        metrics: tuple[Counter | Gauge | Histogram, ...] = (
            self.events_ingested,
            self.events_duplicate,
            self.events_rejected,
            self.events_parked,
            self.events_waiting,
            self.assessments,
            self.events_assessed,
            self.detector_rebuilds,
            self.detection_retries,
            self.interactions_swept,
            self.interactions_timed_out,
            self.outreach_suppressed,
            self.media_messages_ignored,
            self.bus_published,
            self.bus_publish_failures,
            self.bus_lag,
            self.bus_pending,
            self.bus_redis_up,
            self.bus_figures_age,
            self.bus_dead_letters,
            self.bus_held,
            self.bus_deliveries_held,
            self.database_storing,
            self.database_lock_waits,
            self.detection_backlog,
            self.workers_alive,
            self.worker_figures,
            self.ingest_latency,
            self.assessment_latency,
        )
        for metric in metrics:
            lines += metric.render()
        return "\n".join(lines) + "\n"
