"""Waiting for a server just started to be ready: ``GET /healthz`` answers 200 and the models a
process that assesses loads in the background at start are loaded (``models`` is no longer
``loading``), as a readiness probe would wait. The demo and the benchmarks that start a server
(``ingest.py``, ``ingest_cpu.py``, ``routing_http.py``) share it, so none of them times or drives a
server that is still starting. Most tests that start a server wait for ``/healthz`` alone, through
``tests/servers.py``, as ``benchmarks/load.py`` does."""

from __future__ import annotations

import subprocess
import time

import httpx


class NotReady(Exception):
    """The server exited, or was not ready in time; the message says which."""


def wait_ready(base_url: str, server: subprocess.Popen[bytes], within_s: float = 60) -> None:
    """Return once the server at ``base_url`` (the process ``server``) is ready; raise
    :class:`NotReady` if the process exits first or ``within_s`` seconds pass."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise NotReady(f"the server exited with status {server.returncode}")
        try:
            answer = httpx.get(f"{base_url}/healthz", timeout=2)
            if answer.status_code == 200 and answer.json().get("models") != "loading":
                return
        except (httpx.TransportError, ValueError):  # not listening yet; a half-started answer
            pass
        time.sleep(0.2)
    raise NotReady(f"the server at {base_url} was not ready (/healthz) within {within_s:.0f} s")
