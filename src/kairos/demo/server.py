"""The demo's server process: started in a session of its own, and never outliving the demo.

A Ctrl-C or a SIGTERM stops the demo, which stops its server in order. A ``kill -9`` gives the
demo no say, so the server holds two guards of its own: it watches its parent and stops in order
within a second of the demo's death (``kairos.parent_watch``, on any system), and the demo keeps
its server's pid in a file per address, so that the next start stops a server an earlier demo
left on that port instead of failing on a port taken (or talking to the old server).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from rich.console import Console

from kairos.demo.start_watch import StartWatch
from kairos.demo_defaults import START_TIMEOUT_S
from kairos.parent_watch import as_parent
from kairos.readiness import NotReady, wait_ready


class DemoError(RuntimeError):
    """The demo cannot start: the port is taken or the server did not come up."""


def port_free(host: str, port: int) -> bool:
    """Whether nothing listens on ``host:port``.

    Bound as the server binds it (``SO_REUSEADDR``): a server stopped with a page connected
    leaves its side of the connection in TIME_WAIT for a minute, which the server's own bind
    ignores; only a listener takes the port.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def pid_file(host: str, port: int) -> Path:
    """The file that holds the pid of the demo's server on ``host:port``."""
    return Path(tempfile.gettempdir()) / f"kairos-demo-{host}-{port}.pid"


def log_file(host: str, port: int) -> Path:
    """The file the demo's server on ``host:port`` writes its warnings and errors to (on the
    terminal they would break into the demo's status line)."""
    return Path(tempfile.gettempdir()) / f"kairos-demo-{host}-{port}.log"


def log_tail(host: str, port: int, lines: int = 15) -> str:
    """The last ``lines`` lines of the server's log ('' when there is none)."""
    try:
        text = log_file(host, port).read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _command_of(pid: int) -> str:
    """The command line of process ``pid``; empty when there is none."""
    found = subprocess.run(
        ["ps", "-p", str(pid), "-o", "command="], capture_output=True, text=True, check=False
    )
    return found.stdout.strip() if found.returncode == 0 else ""


def _wait_gone(pid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if "kairos" not in _command_of(pid):
            return True
        time.sleep(0.1)
    return False


def stop_left_over(host: str, port: int) -> int | None:
    """Stop the server an earlier demo left on ``host:port``; its pid, or None if there was none.

    Only a process whose command line is a Kairos server is stopped: a pid the system has given
    to another program since is left alone.
    """
    path = pid_file(host, port)
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    command = _command_of(pid)
    if "kairos" not in command or " serve" not in command:
        path.unlink(missing_ok=True)
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        if not _wait_gone(pid, 10):
            os.kill(pid, signal.SIGKILL)
            _wait_gone(pid, 5)
    path.unlink(missing_ok=True)
    return pid


def start_server(
    host: str, port: int, database_url: str, queue_map: Path
) -> subprocess.Popen[bytes]:
    """Start ``kairos serve`` on ``host:port`` and ``database_url``, made to die with the demo."""
    env = {**os.environ, "KAIROS_DATABASE_URL": database_url, **as_parent()}
    # Contacts from the webhooks (chat, email, SMS, social) join a queue like the simulated ones.
    env.setdefault("KAIROS_QUEUE_MAP", str(queue_map))
    command = [sys.executable, "-m", "kairos.cli", "serve", "--host", host, "--port", str(port)]
    # Its own session: a Ctrl-C reaches the demo only, which then stops the server in order
    # instead of racing it.
    with log_file(host, port).open("wb") as log:  # the child keeps its own copy of the file
        server = subprocess.Popen(
            [*command, "--log-level", "warning"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file(host, port).write_text(str(server.pid))
    return server


def stop_server(server: subprocess.Popen[bytes], host: str, port: int) -> None:
    """Stop the demo's server in order (SIGTERM, then SIGKILL after 10 s) and forget its pid."""
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    path = pid_file(host, port)
    with contextlib.suppress(OSError, ValueError):
        if int(path.read_text().strip()) == server.pid:
            path.unlink()


def wait_healthy(
    server: subprocess.Popen[bytes],
    base_url: str,
    timeout_s: float = START_TIMEOUT_S,
    console: Console | None = None,
) -> None:
    """Until the server answers ``/healthz`` with its models loaded (the traffic's first customer
    turns would otherwise wait for them); on ``console``, each step it reaches and the time it
    has taken (:class:`kairos.demo.start_watch.StartWatch`)."""
    watch = StartWatch(console, timeout_s) if console is not None else None
    try:
        with watch or contextlib.nullcontext():
            wait_ready(base_url, server, within_s=timeout_s, on_wait=watch)
    except NotReady as exc:
        parts = urlsplit(base_url)
        raise DemoError(
            _gave_up(exc, server, parts.hostname or "", parts.port or 0, timeout_s)
        ) from exc


def _gave_up(
    exc: NotReady, server: subprocess.Popen[bytes], host: str, port: int, timeout_s: float
) -> str:
    """What the demo says when its server did not come up: what it was waiting for, where the
    server's log is (and its end), and, when time ran out, how to wait longer."""
    tail = log_tail(host, port)
    log = log_file(host, port)
    said = f"its log ({log}) ends:\n{tail}" if tail else f"its log ({log}) is empty"
    if server.poll() is not None:
        return f"{exc}; {said}"
    return (
        f"{exc}; {said}\nThe demo stopped it. A first start on a slow machine can take longer "
        f"(Numba compiles once; later starts are quicker): wait longer with "
        f"--start-timeout {max(2 * timeout_s, START_TIMEOUT_S):.0f}"
    )
