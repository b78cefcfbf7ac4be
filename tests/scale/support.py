"""Helpers the scale tests share."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from tests.factories import utterance
from tests.servers import free_port, start_serve, stop_serve


class Server:
    """``kairos serve`` on ``database_url``, its log in ``log``."""

    def __init__(self, database_url: str, log: Path, **settings: str) -> None:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "KAIROS_DATABASE_URL": database_url}
        env.update(settings)
        env.pop("KAIROS_REDIS_URL", None)
        self.log = log
        self.process = start_serve(port=port, env=env, log=log, timeout_s=120)

    def post(self, events: list[dict[str, Any]]) -> httpx.Response:
        return httpx.post(self.base + "/v1/events", json=events, timeout=30)

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.base + path, timeout=30)

    def stop(self) -> None:
        stop_serve(self.process, within_s=20)


def fill(disk: Path) -> Path:
    """Fill ``disk`` to the last byte, as a log file or a backup does to a shared disk: the
    file that fills it (unlink it to free the space)."""
    filler = disk / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def _turn(n: int) -> dict[str, Any]:
    # ~3 kB each, so that a few fill what a full disk leaves
    return utterance("c1", f"turn {n}: my flight was cancelled " + "and I need to get home " * 130,
                     event_id=f"c1-u{n}", seconds=n)  # fmt: skip


def _set_read_only(admin_url: str, database: str, on: bool) -> None:
    """Turn the database read-only (or back) and end its sessions, as a fail-over to a standby
    (and back) would."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            setting = "on" if on else "off"
            connection.execute(
                text(f'ALTER DATABASE "{database}" SET default_transaction_read_only = {setting}')
            )
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": database},
            )
    finally:
        engine.dispose()


def _serve(
    url: str, redis_url: str, port: int, log: Path, *, timeout_s: float | None = None
) -> subprocess.Popen[bytes]:
    """``kairos serve`` on ``port`` over ``url`` with the shared Redis, its output in ``log``;
    with ``timeout_s``, once it answers (as ``start_serve`` waits)."""
    # KAIROS_ROUTING_BOARD left to `auto`: on PostgreSQL it is the leased board.
    env = {**os.environ, "KAIROS_DATABASE_URL": url, "KAIROS_REDIS_URL": redis_url,
           "KAIROS_ENVIRONMENT": "test", "KAIROS_RATE_LIMIT_PER_S": "0"}  # fmt: skip
    env.pop("KAIROS_ROUTING_BOARD", None)
    return start_serve("--log-level", "warning", port=port, env=env, log=log, timeout_s=timeout_s)


def _owner_pid(url: str) -> int | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            owner = connection.execute(text("SELECT owner FROM routing_leases")).scalar()
    finally:
        engine.dispose()
    return int(str(owner).split(":")[1]) if owner else None
