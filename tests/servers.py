"""Real servers for tests, on free loopback ports: ``kairos serve`` itself (:func:`serving`), a
throwaway ``redis-server`` and a throwaway PostgreSQL cluster (one a test may stop and start
without disturbing the others)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import redis
from sqlalchemy import create_engine, text

REDIS_SERVER = shutil.which("redis-server")
PG_CREATECLUSTER = shutil.which("pg_createcluster")
#: ``kairos`` as a child process runs it: this interpreter, the code on its ``PYTHONPATH``.
CLI = [sys.executable, "-m", "kairos.cli"]


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_serving(
    base: str, process: subprocess.Popen[bytes], log: Path, *, timeout_s: float
) -> None:
    """Wait for a ``kairos serve`` started as ``process`` to answer ``base``'s ``/healthz``;
    fail with the end of its ``log`` if it exits, or if it is not up within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert process.poll() is None, _said(
            f"kairos serve exited with status {process.returncode}", log
        )
        assert time.monotonic() < deadline, _said(
            f"kairos serve did not answer {base}/healthz within {timeout_s:.0f} s", log
        )
        time.sleep(0.2)


def _said(what: str, log: Path) -> str:
    """``what`` went wrong, and the end of what the server wrote to ``log``."""
    return f"{what}; the end of its output ({log}):\n{log.read_text(errors='replace')[-3000:]}"


def start_serve(
    *args: str,
    port: int,
    env: Mapping[str, str],
    log: Path,
    timeout_s: float | None = None,
    cwd: Path | None = None,
    new_session: bool = False,
) -> subprocess.Popen[bytes]:
    """``kairos serve`` with ``args`` as a child process: ``env`` is its whole environment
    (``KAIROS_PORT`` set to ``port``; ``PYTHONPATH``'s entries made absolute, so the code under
    test runs in any ``cwd``); its output (stdout and stderr) goes to ``log``; ``new_session``:
    in a session of its own, as a demo that is gone leaves one. With ``timeout_s``, returned
    once it answers ``/healthz`` on 127.0.0.1 (stopped, and the end of its output said, if it
    exits first or is not up within ``timeout_s``); without, at once."""
    given = env.get("PYTHONPATH", "").split(os.pathsep)
    settings = {**env, "KAIROS_PORT": str(port)}
    if any(given):
        settings["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in given if p)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*CLI, "serve", *args], env=settings, cwd=cwd, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=new_session,
        )  # fmt: skip
    if timeout_s is not None:
        try:
            wait_until_serving(f"http://127.0.0.1:{port}", process, log, timeout_s=timeout_s)
        except BaseException:
            stop_serve(process)
            raise
    return process


def stop_serve(process: subprocess.Popen[bytes], *, within_s: float = 30) -> None:
    """Stop a ``kairos serve`` as an operator does (SIGTERM); SIGKILL it if it has not exited
    within ``within_s``. One that has exited already is left as it is."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(within_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serving(
    *args: str,
    env: Mapping[str, str],
    log: Path,
    timeout_s: float,
    port: int | None = None,
    cwd: Path | None = None,
    stop_within_s: float = 30,
) -> Iterator[str]:
    """``kairos serve`` with ``args`` on ``port`` of 127.0.0.1 (a free one unless given), as
    :func:`start_serve` starts it and waits ``timeout_s`` at most for it to answer: its address;
    stopped after, as :func:`stop_serve` stops it (``stop_within_s``)."""
    port = port or free_port()
    process = start_serve(*args, port=port, env=env, log=log, timeout_s=timeout_s, cwd=cwd)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_serve(process, within_s=stop_within_s)


class RedisServer:
    """A redis-server on a free loopback port, no persistence, in a temporary directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def flush(self) -> None:
        client = redis.Redis(port=self.port)
        client.flushall()
        client.close()


def _pg_version() -> str | None:
    root = Path("/usr/lib/postgresql")
    if not root.is_dir():
        return None
    versions = sorted(
        (p.name for p in root.iterdir()), key=lambda v: [int(x) for x in v.split(".")]
    )
    return versions[-1] if versions else None


def can_run_postgres_cluster() -> str | None:
    """Why a private PostgreSQL cluster cannot be made here, or None when it can."""
    if PG_CREATECLUSTER is None or _pg_version() is None:
        return "no PostgreSQL server packages (apt-get install postgresql)"
    if os.geteuid() != 0:
        return "making a PostgreSQL cluster needs root (pg_createcluster)"
    return None


class PostgresCluster:
    """A private PostgreSQL cluster (Debian's pg_createcluster) on a free port, trust auth on
    loopback; :meth:`stop` and :meth:`start` restart it for real."""

    def __init__(self) -> None:
        version = _pg_version()
        assert version is not None
        self.version = version
        self.name = f"kairos{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, action: str) -> None:
        subprocess.run(
            [
                "pg_ctlcluster",
                self.version,
                self.name,
                action,
                *(["-m", "fast"] if action == "stop" else []),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def create(self) -> None:
        subprocess.run(
            ["pg_createcluster", self.version, self.name, "-p", str(self.port),
             "--", "--auth-local=trust", "--auth-host=trust"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.start()

    def start(self) -> None:
        self._ctl("start")
        deadline = time.monotonic() + 30
        engine = create_engine(self.url)
        try:
            while True:
                try:
                    with engine.connect() as connection:
                        connection.execute(text("SELECT 1"))
                    return
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        finally:
            engine.dispose()

    def stop(self) -> None:
        self._ctl("stop")

    def drop(self) -> None:
        subprocess.run(
            ["pg_dropcluster", "--stop", self.version, self.name],
            check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
