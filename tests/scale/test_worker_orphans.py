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
from pathlib import Path

import httpx
from tests.servers import free_port

from kairos.parent_watch import STOP_WITH_PARENT


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


def _alive(pid: int) -> bool:
    out = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True)
    return out.returncode == 0 and not out.stdout.strip().startswith("Z")


def test_workers_stop_when_their_serve_is_killed(
    tmp_path: Path, redis_url: str, migrated_url: str
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "KAIROS_DATABASE_URL": migrated_url,
        "KAIROS_REDIS_URL": redis_url,
        "KAIROS_PORT": str(port),
    }
    env.pop("KAIROS_DETECTION", None)
    env.pop(STOP_WITH_PARENT, None)
    log = tmp_path / "serve.log"
    serve = subprocess.Popen(
        [sys.executable, "-m", "kairos.cli", "serve", "--workers", "2"],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
                if "kairos_workers_alive 2" in metrics:
                    break
            except httpx.HTTPError:
                pass
            assert serve.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the workers never reported"
            time.sleep(0.5)
        workers = _children(serve.pid)
        assert len(workers) == 2, workers
        serve.send_signal(signal.SIGKILL)
        serve.wait()
        deadline = time.monotonic() + 20  # a second to notice, then a stop in order
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in workers), "the workers outlived kairos serve"
    finally:
        if serve.poll() is None:
            serve.kill()
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


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
    env = {**os.environ, "KAIROS_DATABASE_URL": sqlite_url, "KAIROS_PORT": str(port)}
    for name in ("KAIROS_DETECTION", "KAIROS_REDIS_URL", STOP_WITH_PARENT):
        env.pop(name, None)
    log = tmp_path / "serve.log"
    serve = subprocess.Popen(
        [sys.executable, "-m", "kairos.cli", "serve", "--processes", "2"],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    api: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(api) < 2 or not _answers(port):
            assert serve.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the API processes never answered"
            time.sleep(0.5)
            api = _api_processes(serve.pid)
        serve.send_signal(signal.SIGKILL)
        serve.wait()
        deadline = time.monotonic() + 30  # a second to notice, then a stop in order
        while any(_alive(pid) for pid in api) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in api), "the API processes outlived kairos serve"
        assert not _answers(port), "the port is still answered"
    finally:
        if serve.poll() is None:
            serve.kill()
        for pid in api:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
