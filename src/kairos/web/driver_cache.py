"""The wallboard's contact drivers of the last seven days, recomputed in the background at most
every few minutes: grouping thousands of contacts takes seconds, a wallboard update must not.

A driver is named by phrases customers said and keeps examples of their words, so an erasure
empties the cache (:func:`forget`): the next wallboard update computes them again from what the
database still holds, and a computation under way when the customer was erased is not kept."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from kairos.db import Database, utcnow
from kairos.outcomes.drivers import Driver, stored_drivers

log = logging.getLogger(__name__)

#: Seconds a computed set of drivers is shown before it is computed again.
REFRESH_S = 300.0
#: The most recent contacts read (the grouping's cost grows with them).
MOST = 1500

_lock = threading.Lock()
_state: dict[str, tuple[float, list[Driver]]] = {}
_running: set[str] = set()
_generation = [0]  # counts the erasures heard: a computation begun before one is not kept


def _compute(db: Database, timezone: str, key: str) -> None:
    with _lock:
        generation = _generation[0]
    try:
        until = utcnow()
        since: datetime = until - timedelta(days=7)
        with db.session() as session:
            found = stored_drivers(
                session=session, since=since, until=until, timezone=timezone, most=MOST
            )
        with _lock:
            if generation == _generation[0]:
                _state[key] = (time.monotonic(), found)
    except Exception:  # a failed grouping leaves the last one shown; the log says why
        log.exception("contact drivers for the wallboard")
    finally:
        with _lock:
            _running.discard(key)


def drivers(db: Database, timezone: str) -> list[Driver] | None:
    """The last computed drivers (None before the first is ready); starts a recompute when
    they are older than :data:`REFRESH_S`."""
    key = f"{db.url}|{timezone}"
    with _lock:
        at, found = _state.get(key, (None, None))
        stale = at is None or time.monotonic() - at > REFRESH_S
        if stale and key not in _running:
            _running.add(key)
            threading.Thread(
                target=_compute, args=(db, timezone, key), name="wallboard-drivers", daemon=True
            ).start()
    return found


def forget() -> None:
    """Drop every computed set of drivers (a customer was erased, or may have been)."""
    with _lock:
        _state.clear()
        _generation[0] += 1
