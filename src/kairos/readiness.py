"""Waiting for a server just started to be ready: ``GET /healthz`` answers 200 and the models a
process that assesses loads in the background at start are loaded (``models`` is no longer
``loading``), as a readiness probe would wait. The demo and the benchmarks that start a server
(``ingest.py``, ``ingest_cpu.py``, ``routing_http.py``) share it, so none of them times or drives a
server that is still starting. Most tests that start a server wait for ``/healthz`` alone, through
``tests/servers.py``, as ``benchmarks/load.py`` does.

While it waits it can say which step the server is at (``on_wait``), as its answers tell: not
answering yet (Python loading Kairos, then the migrations), then answering while its models
load (on a first run Numba compiles the voice analysis then: the longest step on a slow
machine), or answering that it cannot serve (a database that does not answer)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

import httpx

#: The server does not answer yet: Python is loading Kairos, then it applies the migrations.
STARTING = "starting: loading Kairos and migrating the database"
#: The server answers; its detection models are still loading.
LOADING_MODELS = (
    "loading the detection models (on a first run Numba compiles the voice analysis: "
    "minutes on a slow machine)"
)
READY = "ready"

#: Told the step the server is at and the seconds waited so far, at each look (5 a second).
OnWait = Callable[[str, float], None]


class NotReady(Exception):
    """The server exited, or was not ready in time; the message says which, and at what step."""

    def __init__(self, message: str, stage: str) -> None:
        super().__init__(message)
        #: The step the server was at (:data:`STARTING`, :data:`LOADING_MODELS`, ...).
        self.stage = stage


def stage_of(base_url: str) -> str:
    """The step the server at ``base_url`` is at, from one ``GET /healthz``: :data:`STARTING`,
    :data:`LOADING_MODELS`, :data:`READY`, or what a refusal said."""
    try:
        answer = httpx.get(f"{base_url}/healthz", timeout=2)
        body = answer.json()
    except (httpx.TransportError, ValueError):  # not listening yet; a half-started answer
        return STARTING
    if answer.status_code == 200:
        return LOADING_MODELS if body.get("models") == "loading" else READY
    said = body.get("database_error") or body.get("database") or body.get("detail") or ""
    return f"answering /healthz with {answer.status_code}" + (f" ({said})" if said else "")


def wait_ready(
    base_url: str,
    server: subprocess.Popen[bytes],
    within_s: float = 60,
    on_wait: OnWait | None = None,
) -> None:
    """Return once the server at ``base_url`` (the process ``server``) is ready; raise
    :class:`NotReady` if the process exits first or ``within_s`` seconds pass. ``on_wait`` is
    told the step it is at, and the seconds waited, at each look."""
    started = time.monotonic()
    stage = STARTING
    while time.monotonic() - started < within_s:
        if server.poll() is not None:
            raise NotReady(
                f"the server exited with status {server.returncode} while {stage}", stage
            )
        stage = stage_of(base_url)
        if stage == READY:
            return
        if on_wait is not None:
            on_wait(stage, time.monotonic() - started)
        time.sleep(0.2)
    raise NotReady(
        f"the server at {base_url} was not ready (/healthz) within {within_s:.0f} s: it was "
        f"still {stage}",
        stage,
    )
