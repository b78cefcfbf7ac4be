"""Work that runs every so often on a background thread: the detection sweep, the outreach
sender. A pass that fails is logged and the next one runs; a database that is away, full or
read-only is a warning in one line, not an error with a traceback.

A pass is a background writer (``kairos.db.background``): on SQLite it waits at most 200 ms for
a lock another process holds, so this process's requests never queue behind its wait, and its
work is done on the next pass. A wait that runs out is quiet (two processes on one file meet
now and then); waits that go on running out for 10 s are a warning once, and its end a line."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, OperationalError

from kairos.db import background
from kairos.db_faults import LockWaits, classify, lock_wait_expired
from kairos.errors import log_failure, why_unavailable

log = logging.getLogger(__name__)


class Periodic:
    """Calls ``work`` every ``interval_s`` on a daemon thread, from ``start`` to ``close``."""

    def __init__(self, work: Callable[[], object], *, interval_s: float, name: str) -> None:
        self.work, self.interval_s, self.name = work, interval_s, name
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"kairos-{name}", daemon=True)
        self.lock_waits = LockWaits()

    def start(self) -> None:
        """Run a pass every ``interval_s`` from now on."""
        self.thread.start()

    def close(self) -> None:
        """Stop after the current pass."""
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(self.interval_s + 30)

    def _run(self) -> None:
        while not self.stop.wait(self.interval_s):
            self.run_once()

    def run_once(self) -> None:
        """One pass, as a background writer, its failure logged (see the module)."""
        try:
            with background():
                self.work()
        except DBAPIError as error:
            fault = classify(error)  # a full or read-only database: say that, once a pass
            if lock_wait_expired(error):
                if self.lock_waits.expired():
                    log.warning(
                        "%s skipped: another process has held the database locked for %g s; "
                        "trying again every %g s",
                        self.name, self.lock_waits.patience_s, self.interval_s,
                    )  # fmt: skip
            elif fault is not None:
                log.warning("%s skipped: %s", self.name, fault.describe())
            elif isinstance(error, OperationalError):
                log.warning(
                    "%s skipped: database unavailable (%s)", self.name, why_unavailable(error)
                )
            else:
                log_failure(log, "%s failed", self.name)
        except Exception:
            log_failure(log, "%s failed", self.name)
        else:
            if self.lock_waits.passed():
                log.warning("%s runs again: the database's lock was released", self.name)
