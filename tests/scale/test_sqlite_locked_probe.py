"""``/healthz`` while another process holds a SQLite file locked (a backup, a script).

A load balancer's health check gives up after 2 to 5 s. Before, ``/healthz`` said "ok" while
the file was held until a request's write had waited 10 s, and with a full disk recorded its
write probe waited SQLite's whole busy timeout (10.2 s) for the lock: the check timed out and
the node was taken for dead. Now each probe waits 1 s at most and says "locked", and "ok" as
soon as the lock is released. A real ``kairos serve``, a real file system and a real process
holding the lock.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from tests.factories import started
from tests.scale.locked_sqlite import hold, release
from tests.scale.support import Server, _turn, fill


def _health(server: Server) -> tuple[httpx.Response, float]:
    began = time.monotonic()
    answer = httpx.get(server.base + "/healthz", timeout=60)
    return answer, time.monotonic() - began


def _says_locked(answer: httpx.Response, took: float) -> None:
    assert took < 4, f"/healthz took {took:.1f} s"  # a load balancer's 5 s check, on a busy machine
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "degraded", answer.text
    assert answer.json()["database"] == "locked", answer.text
    assert "another process" in answer.json()["database_error"]


def test_healthz_says_locked_within_a_health_checks_timeout(tmp_path: Path) -> None:
    database = tmp_path / "kairos.db"
    server = Server(f"sqlite:///{database}", tmp_path / "serve.log")
    try:
        assert server.post([started("c1")]).status_code == 200
        holder = hold(database)
        try:
            for _ in range(2):  # before any request's write waited (it said "ok" then)
                _says_locked(*_health(server))
        finally:
            release(holder)
        answer, took = _health(server)  # at once, not 15 s later
        assert answer.status_code == 200 and answer.json()["status"] == "ok", answer.text
        assert took < 4  # not the 10 s lock wait nor 15 s later
    finally:
        server.stop()


def test_the_write_probe_of_a_full_disk_waits_briefly_for_a_held_lock(
    small_disk: Path, tmp_path: Path
) -> None:
    database = small_disk / "kairos.db"
    server = Server(f"sqlite:///{database}", tmp_path / "serve.log")
    try:
        assert server.post([started("c1", channel="chat", phone=None)]).status_code == 200
        filler = fill(small_disk)
        for n in range(40):
            if server.post([_turn(n)]).status_code == 503:
                break
        answer, _ = _health(server)
        assert answer.json()["database"] == "full", answer.text
        filler.unlink()  # space freed, and a backup holds the file meanwhile
        holder = hold(database)
        try:
            _says_locked(*_health(server))  # was 10.2 s, "full"
        finally:
            release(holder)
        answer, took = _health(server)
        assert answer.status_code == 200 and answer.json()["database"] == "ok", answer.text
        assert took < 4  # not the 10 s lock wait nor 15 s later
    finally:
        server.stop()
