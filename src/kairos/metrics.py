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


class Histogram:
    """Observations counted into cumulative buckets."""

    def __init__(self, name: str, help_text: str, buckets: tuple[float, ...]) -> None:
        self.name, self.help = name, help_text
        self.buckets = tuple(sorted(buckets))
        self._counts = [0] * (len(self.buckets) + 1)
        self._sum = 0.0
        self._count = 0
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        """Record one observation."""
        index = bisect.bisect_left(self.buckets, value)
        with self._lock:
            self._counts[index] += 1
            self._sum += value
            self._count += 1

    def render(self) -> list[str]:
        """Exposition lines."""
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        with self._lock:
            counts, total, count = list(self._counts), self._sum, self._count
        cumulative = 0
        for bound, n in zip(self.buckets, counts, strict=False):
            cumulative += n
            lines.append(f'{self.name}_bucket{{le="{bound:g}"}} {cumulative}')
        lines.append(f'{self.name}_bucket{{le="+Inf"}} {count}')
        lines += [f"{self.name}_sum {total:g}", f"{self.name}_count {count}"]
        return lines


class Registry:
    """The process's metrics."""

    def __init__(self) -> None:
        self.events_ingested = Counter("kairos_events_ingested_total", "Events applied, by type.")
        self.events_duplicate = Counter(
            "kairos_events_duplicate_total", "Events acknowledged as repeats and not applied again."
        )
        self.events_rejected = Counter("kairos_events_rejected_total", "Events refused, by reason.")
        self.assessments = Counter("kairos_assessments_total", "Assessments made by the detector.")
        self.ingest_latency = Histogram(
            "kairos_ingest_latency_seconds",
            "Time to validate, store and publish one ingest request.",
            (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        )

    def render(self) -> str:
        """The whole registry in the Prometheus text format."""
        lines: list[str] = []
        for metric in (
            self.events_ingested,
            self.events_duplicate,
            self.events_rejected,
            self.assessments,
            self.ingest_latency,
        ):
            lines += metric.render()
        return "\n".join(lines) + "\n"
