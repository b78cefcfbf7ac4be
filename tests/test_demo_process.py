"""The demo's server goes with the demo: a ``kill -9`` of ``kairos demo`` leaves no server behind,
and a server an earlier demo left on the port is stopped by the next start."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
from tests.servers import free_port, start_serve

import kairos
from kairos.demo import run_demo
from kairos.demo.arrivals import Arrivals
from kairos.demo.server import pid_file, port_free
from kairos.readiness import wait_ready

SOURCE = str(Path(kairos.__file__).resolve().parents[1])


#: A customer every third of a second at any hour, so that a test's few contacts come at once.
BRISK = Arrivals(steady_gap_s=2.0 / 6)


def _env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SOURCE, "KAIROS_DATABASE_URL": f"sqlite:///{tmp}/demo.db"}


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper has stopped running)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_a_demo_killed_with_sigkill_takes_its_server_with_it(tmp_path: Path) -> None:
    port = free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "kairos.cli", "demo", "--port", str(port), "--history-days", "0"],
        cwd=tmp_path, env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    servers: list[int] = []
    try:
        deadline = time.monotonic() + 90
        while not (servers and _answers(port)):
            assert time.monotonic() < deadline, "the demo's server never answered"
            assert demo.poll() is None, f"the demo exited with {demo.returncode}"
            servers = _children(demo.pid)
            time.sleep(0.2)
        demo.send_signal(signal.SIGKILL)
        demo.wait()
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in servers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in servers), "the server outlived the demo"
        assert not _answers(port)
    finally:
        for pid in servers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_server_an_earlier_demo_left_is_stopped_by_the_next_start(tmp_path: Path) -> None:
    port = free_port()
    # A server as a demo starts it, with its pid file, and no demo left to stop it.
    left = start_serve(
        "--host", "127.0.0.1", "--log-level", "warning", port=port, env=_env(tmp_path),
        log=tmp_path / "serve.log", new_session=True,
    )  # fmt: skip
    try:
        wait_ready(f"http://127.0.0.1:{port}", left, within_s=90)
        pid_file("127.0.0.1", port).write_text(str(left.pid))
        # A page left open on it: its connection outlives the server (the server closes first).
        page = httpx.Client(base_url=f"http://127.0.0.1:{port}")
        assert page.get("/healthz").status_code == 200
        run_demo(
            host="127.0.0.1", port=port, pace=6, max_threads=2, database=tmp_path / "demo.db",
            run_id="after", traffic="simulated", arrivals=BRISK,
        )  # fmt: skip
        assert left.wait(timeout=15) is not None  # stopped, and the demo ran on its port
        assert not pid_file("127.0.0.1", port).exists()
        page.close()
    finally:
        if left.poll() is None:
            left.kill()
            left.wait()


def test_a_port_closed_a_moment_ago_is_free_one_still_listened_on_is_not() -> None:
    """A server stopped with a page connected leaves its side of that connection waiting
    (TIME_WAIT, a minute): the demo said "port 8000 is taken: stop what uses it" though nothing
    did, right after it had stopped the server an earlier demo left there."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    page = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    assert not port_free("127.0.0.1", port)  # listened on
    accepted.close()  # the server's side closes first
    server.close()
    try:
        assert port_free("127.0.0.1", port)
    finally:
        page.close()


def _history_rows(database: Path) -> int:
    with sqlite3.connect(database) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM interactions WHERE external_id LIKE 'hist-%'"
        ).fetchone()
    return int(count)


def test_a_demo_started_again_keeps_the_history_it_seeded(tmp_path: Path) -> None:
    """With ``--history-days`` under 7 every start seeded its days again (it looked for a week of
    history), so a second start doubled the missed moments, the scorecards and the report."""
    database = tmp_path / "demo.db"
    for run_id in ("first", "again"):
        run_demo(
            host="127.0.0.1", port=free_port(), pace=6, max_threads=1, database=database,
            run_id=run_id, traffic="simulated", arrivals=BRISK, history_days=2, per_day=6.0,
        )  # fmt: skip
        if run_id == "first":
            seeded = _history_rows(database)
            assert seeded > 0
    assert _history_rows(database) == seeded
