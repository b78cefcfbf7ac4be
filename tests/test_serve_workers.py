"""``kairos serve --workers N`` stopped with SIGTERM (systemd, ``docker stop``, Kubernetes) stops
its detector workers too. Uvicorn re-raises the SIGTERM it caught once it has shut down, which
killed ``serve`` before it could stop them: they ran on, orphaned, for ever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.servers import free_port, start_serve

from kairos.readiness import wait_ready


def _children(pid: int) -> list[int]:
    found = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True,
                           text=True, check=False)  # fmt: skip
    return [int(p) for p in found.stdout.split()]


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_sigterm_stops_the_workers_with_the_server(
    redis_url: str, sqlite_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {**os.environ, "KAIROS_DATABASE_URL": sqlite_url, "KAIROS_REDIS_URL": redis_url}
    server = start_serve("--workers", "1", port=port, env=env, log=tmp_path / "serve.log")
    workers: list[int] = []
    try:
        wait_ready(f"http://127.0.0.1:{port}", server, within_s=90)
        workers = _children(server.pid)
        assert len(workers) == 1
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) in (0, 128 + signal.SIGTERM, -signal.SIGTERM)
        deadline = time.monotonic() + 20
        while any(_running(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_running(w) for w in workers), "a worker outlived its server"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        for worker in workers:
            if _running(worker):
                os.kill(worker, signal.SIGKILL)
