"""What request handlers and bus listeners are given: the long-lived parts of a running Kairos.

:class:`Services` sits low in the layer order (above the bus, detection and the database, below
every domain), so a domain can be handed it without importing the composition root
(:mod:`kairos.runtime`), which builds it and wires the listeners.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from kairos.bus import EventBus
from kairos.config import Settings
from kairos.db import Database
from kairos.detection.live import DetectorCache
from kairos.metrics import Registry


class Forgetting:
    """What this process holds in memory about customers' contacts, and how each holder drops
    it when a customer is erased (``customer.erased``: the contacts named by
    :func:`kairos.detection.live.erased_key` digests) or when an erasure may have been missed (a
    bus gap: everything). Holders register once (:meth:`add`); the erasure listener of the
    process (``Runtime``) tells them all.

    >>> held = {"a": 1, "b": 2}
    >>> forgetting = Forgetting()
    >>> forgetting.add(lambda keys: [held.pop(k) for k in list(held) if k in keys], held.clear)
    >>> forgetting.erased(["a"]); held
    {'b': 2}
    >>> forgetting.gap(); held
    {}
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders: list[tuple[Callable[[frozenset[str]], object], Callable[[], object]]] = []

    def add(
        self, erased: Callable[[frozenset[str]], object], everything: Callable[[], object]
    ) -> None:
        """``erased(keys)`` drops what is held about those contacts; ``everything()`` all."""
        with self._lock:
            self._holders.append((erased, everything))

    def erased(self, keys: Collection[str]) -> None:
        """A customer was erased: every holder drops what it holds about these contacts."""
        wanted = frozenset(keys)
        with self._lock:
            holders = list(self._holders)
        for drop, _ in holders:
            drop(wanted)

    def gap(self) -> None:
        """An erasure may have been missed: every holder drops everything."""
        with self._lock:
            holders = list(self._holders)
        for _, everything in holders:
            everything()


@dataclass
class Services:
    """Settings, database, bus, live detectors and metrics of one process."""

    settings: Settings
    db: Database
    bus: EventBus
    detectors: DetectorCache
    metrics: Registry = field(default_factory=Registry)
    #: What the process holds about customers in memory, dropped on an erasure.
    forgetting: Forgetting = field(default_factory=Forgetting)
