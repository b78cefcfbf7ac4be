"""Stopping with the process that started this one, on any system.

A process that starts others and is killed with ``kill -9`` (or by the out-of-memory killer)
cannot stop them: ``kairos serve --workers N`` left its N workers running, reparented to init,
and the next start added N more (after an upgrade, the old ones went on with the old code).
The same held for the API processes of ``kairos serve --processes M`` (uvicorn's; they watch from
``kairos.main.app_from_env``). The starter names itself in ``KAIROS_STOP_WITH_PARENT``; the
process it starts looks at its own parent every second and sends itself SIGTERM, stopping in
order, once that is another process.
``os.getppid`` is all it needs, so it works where Linux's ``PR_SET_PDEATHSIG`` does not.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

#: The variable a starter sets to its own pid in the environment of what it starts.
STOP_WITH_PARENT = "KAIROS_STOP_WITH_PARENT"
#: How often the parent is looked at.
POLL_S = 1.0


def as_parent() -> dict[str, str]:
    """The environment entry that makes a process this one starts stop when this one is gone."""
    return {STOP_WITH_PARENT: str(os.getpid())}


def _terminate_self() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def watch_parent(on_gone: Callable[[], None] = _terminate_self) -> threading.Thread | None:
    """When ``KAIROS_STOP_WITH_PARENT`` names a process: a daemon thread that calls ``on_gone``
    (by default: SIGTERM to this process) once this process's parent is no longer that one.
    None when the variable is unset (a process started by hand or by a service manager)."""
    raw = os.environ.get(STOP_WITH_PARENT, "").strip()
    if not raw:
        return None
    try:
        parent = int(raw)
    except ValueError:
        log.warning("%s=%r is not a process id; not watching the parent", STOP_WITH_PARENT, raw)
        return None

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(POLL_S)
        log.warning("the process that started this one (%d) is gone; stopping", parent)
        on_gone()

    thread = threading.Thread(target=watch, name="kairos-parent-watch", daemon=True)
    thread.start()
    return thread
