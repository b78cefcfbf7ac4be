"""Processes past one machine: ``kairos worker``, and the workers ``kairos serve --workers``
starts and looks after.

A worker (``KAIROS_DETECTION=workers``, ``KAIROS_REDIS_URL`` and the shared
``KAIROS_DATABASE_URL``) reads the ``events`` stream through the ``detectors`` consumer group and
assesses, runs the bus listeners (supervisor alerts, coaching, outcomes) as consumer groups, and
sweeps for interactions the stream left behind. Start as many as the load needs, on any machine.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from types import FrameType

from kairos.config import Settings
from kairos.parent_watch import as_parent
from kairos.runtime import LATENCY_FIGURES, Runtime

log = logging.getLogger(__name__)


def run_worker(settings: Settings, *, stop: threading.Event | None = None) -> None:
    """Run one worker until SIGTERM or SIGINT (or ``stop`` is set)."""
    if settings.detection != "workers":
        raise ValueError("a worker needs KAIROS_DETECTION=workers (and KAIROS_REDIS_URL)")
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():

        def handle(signum: int, frame: FrameType | None) -> None:
            log.info("worker: signal %d, stopping", signum)
            stop.set()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)
    if not _schema_ready(settings.database_url, stop):
        return
    runtime = Runtime.build(settings, role="worker")
    log.info("worker %s started", getattr(runtime.bus, "consumer", os.getpid()))
    try:
        while not stop.wait(HEARTBEAT_S):
            runtime.bus.report(heartbeat(runtime), ttl_s=HEARTBEAT_S * 3)
    finally:
        runtime.close()
        log.info("worker stopped")


HEARTBEAT_S = 5.0
#: How often a worker waiting for the migrations looks again.
SCHEMA_POLL_S = 2.0


def _schema_ready(database_url: str, stop: threading.Event) -> bool:
    """Wait until the database answers and has this Kairos's migrations (a worker started
    before the API, or before ``kairos db upgrade``, would otherwise read tables that are not
    there yet and acknowledge messages it failed on); False if stopped first."""
    from sqlalchemy.exc import SQLAlchemyError

    from kairos import migrations

    said = None
    while True:
        try:
            why = migrations.behind(database_url)
            if why is not None:
                why = f"the database is {why}: waiting for `kairos db upgrade` or `kairos serve`"
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            why = f"the database does not answer ({reason}); waiting"
        if why is None:
            return True
        if why != said:
            log.warning("worker: %s", why)
            said = why
        if stop.wait(SCHEMA_POLL_S):
            return False


def heartbeat(runtime: Runtime) -> dict[str, float]:
    """What a worker reports every few seconds (``/metrics`` of any API process shows it)."""
    metrics = runtime.metrics
    return {
        "events_assessed": metrics.events_assessed.value(),
        "assessments": metrics.assessments.value(),
        "detector_rebuilds": metrics.detector_rebuilds.value(),
        "detection_retries": metrics.detection_retries.value(),
        "interactions_swept": metrics.interactions_swept.value(),
        "detectors_cached": float(len(runtime.detectors)),
        # 0 while its writes meet a full or read-only database (a worker serves no /healthz);
        # while one is recorded, one write that changes nothing tells when it has ended
        "database_storing": 0.0 if runtime.db.check_writes() else 1.0,
        # bus_handled, bus_failed (acknowledged after the listener raised: not delivered
        # again), bus_retried, bus_claimed (taken over from a silent worker: redelivered),
        # bus_held (deliveries a database lock another process held kept back)
        **runtime.bus.listener_counts(),
        # its ingest-to-assessment histogram, shown as its own series by the API's /metrics
        **metrics.assessment_latency.figures(LATENCY_FIGURES),
        "reported_at": time.time(),
    }


class WorkerPool:
    """``n`` worker processes, each restarted when it dies, until :meth:`close`."""

    def __init__(self, n: int, *, env: dict[str, str] | None = None, log_level: str = "info"):
        self.n = n
        # Each worker stops once this process is gone, even after a kill -9 of it.
        self.env = {**os.environ, **(env or {}), **as_parent()}
        self.command = [sys.executable, "-m", "kairos.cli", "worker", "--log-level", log_level]
        self.processes: list[subprocess.Popen[bytes]] = []
        self.restarts = 0
        self._closing = threading.Event()
        self._watch = threading.Thread(target=self._watch_loop, name="kairos-workers", daemon=True)

    def start(self) -> None:
        """Start the workers and the thread that restarts them."""
        self.processes = [self._spawn() for _ in range(self.n)]
        self._watch.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.command, env=self.env)

    def _watch_loop(self) -> None:
        while not self._closing.wait(1.0):
            for index, process in enumerate(self.processes):
                code = process.poll()
                if code is not None and not self._closing.is_set():
                    log.warning("worker %d exited with %s; starting another", process.pid, code)
                    self.restarts += 1
                    self.processes[index] = self._spawn()

    def close(self, timeout_s: float = 15.0) -> None:
        """Stop every worker: SIGTERM, then SIGKILL for those still running after the timeout."""
        self._closing.set()
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + timeout_s
        for process in self.processes:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
