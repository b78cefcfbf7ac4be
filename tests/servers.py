"""Real servers for tests, on free loopback ports: a throwaway ``redis-server`` and a throwaway
PostgreSQL cluster (one a test may stop and start without disturbing the others)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import redis
from sqlalchemy import create_engine, text

REDIS_SERVER = shutil.which("redis-server")
PG_CREATECLUSTER = shutil.which("pg_createcluster")


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
        assert process.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "kairos serve did not come up"
        time.sleep(0.3)


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
