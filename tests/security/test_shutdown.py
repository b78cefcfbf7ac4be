"""A real server (``kairos serve``): a stop (SIGTERM) ends it within its grace period even with
live pages open, every change it answered before the stop has its audit row, and it believes
``X-Forwarded-For`` only from the proxies it is told to trust (issue 18)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from tests.servers import free_port, start_serve
from tests.web.floor import build_floor, chat_events, csrf_of

from kairos import migrations
from kairos.db import Database
from kairos.security.models import AuditEntry

GRACE_S = 2


def _serve(url: str, port: int, tmp_path: Path, **extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KAIROS_DATABASE_URL": url, "KAIROS_ENVIRONMENT": "test",
           "KAIROS_SHUTDOWN_GRACE_S": str(GRACE_S),
           "KAIROS_SECRET_KEY_FILE": str(tmp_path / "secret_key"), **extra}  # fmt: skip
    log = tmp_path / "serve.log"
    return start_serve("--log-level", "warning", port=port, env=env, log=log, timeout_s=60)


def _audited(url: str, path: str = "/v1/events") -> int:
    """How many answered (200) requests to ``path`` the audit log at ``url`` holds."""
    db = Database(url)
    try:
        with db.session() as session:
            recorded = session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.path == path, AuditEntry.status == 200)
            )
    finally:
        db.dispose()
    return recorded or 0


def test_sigterm_stops_within_the_grace_with_live_pages_open(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kairos.db'}"
    migrations.upgrade(url)
    db = Database(url)
    build_floor(db)
    db.dispose()
    port = free_port()
    process = _serve(url, port, tmp_path)
    base = f"http://127.0.0.1:{port}"
    streams: list[str] = []
    try:
        for n in range(3):  # three supervisors' wallboards, each with its live stream open
            browser = httpx.Client(base_url=base, timeout=30)
            token = csrf_of(browser.get("/login").text)
            signed = browser.post("/login", data={"username": "sue", "password":
                                  "correct horse battery", "csrf_token": token})  # fmt: skip
            assert signed.status_code == 303, signed.text

            def listen(client: httpx.Client = browser, n: int = n) -> None:
                try:
                    with client.stream("GET", "/live/events") as stream:
                        for line in stream.iter_lines():
                            streams.append(f"{n}:{line}")
                except httpx.HTTPError:
                    streams.append(f"{n}:closed")

            threading.Thread(target=listen, daemon=True).start()
        changes = 0
        for n in range(20):  # changes answered before the stop
            answer = httpx.post(f"{base}/v1/events", json=chat_events(f"stop-{n}", queue=None))
            assert answer.status_code == 200, answer.text
            changes += 1
        deadline = time.monotonic() + 10
        while sum("live.connected" in s for s in streams) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sum("live.connected" in s for s in streams) == 3, streams
        stopped_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=GRACE_S + 15)
        took = time.monotonic() - stopped_at
        assert took < GRACE_S + 10, f"the stop took {took:.1f} s"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert _audited(url) == changes


@pytest.mark.parametrize(("trusted", "third"), [("[]", 429), ('["127.0.0.1"]', 200)])
def test_x_forwarded_for_counts_only_from_a_trusted_proxy(
    tmp_path: Path, trusted: str, third: int
) -> None:
    """Two requests claim one address, the third another: untrusted, the header is ignored and
    all three share the peer's bucket (429); from a trusted proxy each address has its own."""
    url = f"sqlite:///{tmp_path / 'kairos.db'}"
    migrations.upgrade(url)
    port = free_port()
    process = _serve(url, port, tmp_path, KAIROS_TRUSTED_PROXIES=trusted,
                     KAIROS_RATE_LIMIT_PER_S="0.01", KAIROS_RATE_LIMIT_BURST="2")  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        codes = [
            httpx.get(f"{base}/v1/queues", headers={"X-Forwarded-For": address}).status_code
            for address in ("203.0.113.1", "203.0.113.1", "203.0.113.2")
        ]
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert codes == [200, 200, third]


def test_every_change_and_read_answered_before_a_kill_9_under_load_has_its_audit_row(
    tmp_path: Path,
) -> None:
    """Four clients post changes and two read customers as fast as they can; the server is
    killed (-9) mid-flight: every change and every read it answered 200 has its audit row."""
    url = f"sqlite:///{tmp_path / 'kairos.db'}"
    migrations.upgrade(url)
    port = free_port()
    process = _serve(url, port, tmp_path)
    base = f"http://127.0.0.1:{port}"
    answered: list[int] = []
    read: list[int] = []
    stop = threading.Event()

    def post(lane: int) -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            for n in range(10_000):
                if stop.is_set():
                    return
                try:
                    answer = client.post("/v1/events", json=chat_events(f"k{lane}-{n}", queue=None))
                except httpx.HTTPError:
                    return  # the server is gone
                if answer.status_code == 200:
                    answered.append(1)

    def get() -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            while not stop.is_set():
                try:
                    answer = client.get("/v1/customers", params={"limit": 1})
                except httpx.HTTPError:
                    return
                if answer.status_code == 200:
                    read.append(1)

    lanes = [threading.Thread(target=post, args=(lane,), daemon=True) for lane in range(4)]
    lanes += [threading.Thread(target=get, daemon=True) for _ in range(2)]
    try:
        for lane in lanes:
            lane.start()
        deadline = time.monotonic() + 60
        while (len(answered) < 60 or len(read) < 60) and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        stop.set()
        if process.poll() is None:
            process.kill()
            process.wait()
        for lane in lanes:
            lane.join(timeout=15)
    assert len(answered) >= 60 and len(read) >= 60
    assert _audited(url) >= len(answered)
    assert _audited(url, "/v1/customers") >= len(read)
