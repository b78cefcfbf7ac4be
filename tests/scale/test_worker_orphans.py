"""``kairos serve --workers N`` killed with SIGKILL (by hand, or by the out-of-memory killer)
takes its workers with it: each sees its parent gone and stops in order.

Before, the workers ran on, reparented to init: a restart added N more, and after an upgrade the
old ones went on assessing with the old code. A real ``kairos serve``, real workers, a real
``redis-server``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from tests.servers import free_port, start_serve

from kairos.parent_watch import STOP_WITH_PARENT

#: Settings of the environment the tests' ``kairos serve`` does not inherit.
_UNSET = ("KAIROS_DETECTION", "KAIROS_REDIS_URL", STOP_WITH_PARENT)


@dataclass
class _Serve:
    """A ``kairos serve`` process, its log, and the processes it started that the test watches."""

    process: subprocess.Popen[bytes]
    log: Path
    children: list[int] = field(default_factory=list)

    def running(self) -> None:
        assert self.process.poll() is None, self.log.read_text()[-3000:]

    def killed(self, *, wait_s: float) -> bool:
        """SIGKILL it, then give its children ``wait_s`` (a second to notice, then a stop in
        order); whether any is still alive."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        deadline = time.monotonic() + wait_s
        while any(_alive(pid) for pid in self.children) and time.monotonic() < deadline:
            time.sleep(0.2)
        return any(_alive(pid) for pid in self.children)


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


def _alive(pid: int) -> bool:
    out = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True)
    return out.returncode == 0 and not out.stdout.strip().startswith("Z")


@contextmanager
def _serve(tmp_path: Path, port: int, url: str, *flags: str, **settings: str) -> Iterator[_Serve]:
    """``kairos serve`` with ``flags`` on ``port`` over the database at ``url`` (no detection
    setting, no Redis unless ``settings`` name one, not told to stop with a parent); what it
    started is killed after, whatever the test saw."""
    env = {k: v for k, v in os.environ.items() if k not in _UNSET}
    env |= {"KAIROS_DATABASE_URL": url, **settings}
    log = tmp_path / "serve.log"
    serve = _Serve(start_serve(*flags, port=port, env=env, log=log), log)
    try:
        yield serve
    finally:
        if serve.process.poll() is None:
            serve.process.kill()
        for pid in serve.children:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_workers_stop_when_their_serve_is_killed(
    tmp_path: Path, redis_url: str, migrated_url: str
) -> None:
    port = free_port()
    flags = ("--workers", "2")
    with _serve(tmp_path, port, migrated_url, *flags, KAIROS_REDIS_URL=redis_url) as serve:
        deadline = time.monotonic() + 120
        while True:
            try:
                metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
                if "kairos_workers_alive 2" in metrics:
                    break
            except httpx.HTTPError:
                pass
            serve.running()
            assert time.monotonic() < deadline, "the workers never reported"
            time.sleep(0.5)
        serve.children = _children(serve.process.pid)
        assert len(serve.children) == 2, serve.children
        assert not serve.killed(wait_s=20), "the workers outlived kairos serve"


def test_a_worker_started_by_hand_watches_nothing() -> None:
    env = {k: v for k, v in os.environ.items() if k != STOP_WITH_PARENT}
    code = "from kairos.parent_watch import watch_parent; print(watch_parent())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "None", out.stderr


def _api_processes(pid: int) -> list[int]:
    """The API processes ``kairos serve --processes`` started (uvicorn spawns them; any helper
    process of multiprocessing, such as its resource tracker, is not one)."""
    found = []
    for child in _children(pid):
        out = subprocess.run(
            ["ps", "-o", "args=", "-p", str(child)], capture_output=True, text=True
        )
        if "spawn_main" in out.stdout:
            found.append(child)
    return found


def test_api_processes_stop_when_their_serve_is_killed(tmp_path: Path, sqlite_url: str) -> None:
    """``kairos serve --processes 2`` killed with SIGKILL: its API processes stop too. Before,
    they went on answering on its port, with the old code after an upgrade."""
    port = free_port()
    with _serve(tmp_path, port, sqlite_url, "--processes", "2") as serve:
        deadline = time.monotonic() + 120
        while len(serve.children) < 2 or not _answers(port):
            serve.running()
            assert time.monotonic() < deadline, "the API processes never answered"
            time.sleep(0.5)
            serve.children = _api_processes(serve.process.pid)
        assert not serve.killed(wait_s=30), "the API processes outlived kairos serve"
        assert not _answers(port), "the port is still answered"


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
