"""Backpressure and lag: with the workers behind, ingestion refuses new events with 429 and
Retry-After before storing any, ``/metrics`` shows the lag, and once a worker catches up the same
request is accepted. Also ``kairos serve --workers`` end to end, and ``kairos worker``'s refusal
without the settings it needs."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import ended, started, utterance
from tests.servers import REDIS_SERVER, free_port, start_serve, wait_until_serving

from kairos.config import Settings
from kairos.interactions.models import EventRecord
from kairos.main import create_app
from kairos.runtime import Runtime
from kairos.workers import run_worker

pytest.importorskip("kairos.detection.detector")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="no redis-server binary")


def _metric(text: str, name: str, **labels: str) -> float | None:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)"
    match = re.search("^" + pattern + "$", text, re.MULTILINE)
    return float(match.group(1)) if match else None


def _utterances(interaction_id: str, start: int, n: int) -> list[dict[str, Any]]:
    return [
        utterance(interaction_id, f"still waiting on my refund, message {i}", event_id=f"u{i}")
        for i in range(start, start + n)
    ]


def test_workers_behind_get_429_before_anything_is_stored(
    migrated_url: str, redis_url: str
) -> None:
    settings = Settings(
        database_url=migrated_url, redis_url=redis_url, detection="workers", max_detection_lag=100
    )
    runtime = Runtime.build(settings)
    client = TestClient(create_app(settings, runtime=runtime))
    try:
        assert client.post("/v1/events", json=[started("b1", channel="chat")]).status_code == 200
        # No worker runs: the stream grows past the limit.
        for start in (0, 60):
            assert client.post("/v1/events", json=_utterances("b1", start, 60)).status_code == 200
        time.sleep(0.6)  # the backlog figure is read at most every half second
        refused = client.post("/v1/events", json=_utterances("b1", 120, 5))
        assert refused.status_code == 429
        assert refused.json()["error"] == "overloaded"
        assert int(refused.headers["Retry-After"]) >= 1
        with runtime.db.session() as session:  # the refused request stored nothing
            assert session.scalar(select(func.count()).select_from(EventRecord)) == 121
        metrics = client.get("/metrics").text
        assert _metric(metrics, "kairos_bus_lag", topic="events", group="detectors") == 121
        assert _metric(metrics, "kairos_detection_backlog_interactions") == 1
        assert _metric(metrics, "kairos_events_rejected_total", reason="overloaded") == 5

        # A worker starts and catches up; the same request is accepted.
        stop = threading.Event()
        worker = threading.Thread(target=run_worker, args=(settings,), kwargs={"stop": stop})
        worker.start()
        try:
            deadline = time.monotonic() + 60
            while True:
                again = client.post("/v1/events", json=_utterances("b1", 120, 5))
                if again.status_code == 200:
                    break
                assert again.status_code == 429 and time.monotonic() < deadline
                time.sleep(float(again.headers["Retry-After"]) / 4)
            assert again.json()["applied"] == 5
            client.post("/v1/events", json=[ended("b1")])
            deadline = time.monotonic() + 60
            while _metric(client.get("/metrics").text, "kairos_detection_backlog_interactions"):
                assert time.monotonic() < deadline, "the worker never caught up"
                time.sleep(0.2)
            health = client.get("/healthz").json()
            assert health["detection"] == "workers" and health["models"] == "workers"
            assessed = client.get("/v1/interactions/b1").json()
            assert assessed["assessment"] is not None
        finally:
            stop.set()
            worker.join(30)
    finally:
        client.close()
        runtime.close()


def test_kairos_worker_refuses_to_start_without_workers_mode(tmp_path: Path) -> None:
    env = {**os.environ, "KAIROS_DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}"}
    env.pop("KAIROS_DETECTION", None)
    done = subprocess.run(
        [sys.executable, "-m", "kairos.cli", "worker"], env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 2
    assert b"KAIROS_DETECTION=workers" in done.stdout + done.stderr


@pytest.mark.postgres
def test_serve_with_workers_assesses_through_them(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {**os.environ, "KAIROS_DATABASE_URL": postgres_url, "KAIROS_REDIS_URL": redis_url}
    env.pop("KAIROS_DETECTION", None)  # --workers sets it for the API and the workers
    log = tmp_path / "serve.log"
    server = start_serve("--workers", "2", "--processes", "2", port=port, env=env, log=log)
    base = f"http://127.0.0.1:{port}"
    # Bound before anything can fail: the stop below reads it whatever happened, so a failed
    # start shows its own error, never a NameError of this name.
    children: dict[int, str] = {}
    try:
        wait_until_serving(base, server, log, timeout_s=180)
        events = [
            started("s1", channel="chat"),
            utterance("s1", "My flight was cancelled and my daughter's recital is at 7 tonight"),
        ]
        assert httpx.post(base + "/v1/events", json=events, timeout=10).status_code == 200
        deadline = time.monotonic() + 60
        while True:
            body = httpx.get(base + "/v1/interactions/s1", timeout=5).json()
            if body.get("assessment"):
                break
            assert time.monotonic() < deadline, "no worker assessed the interaction"
            time.sleep(0.2)
        assert body["assessment"]["mot_score"] > 0.5
        deadline = time.monotonic() + 30
        while True:  # each worker reports in every few seconds
            metrics = httpx.get(base + "/metrics", timeout=5).text
            assessed = re.findall(
                r'^kairos_worker\{figure="events_assessed",worker="[^"]+"\} (\S+)$',
                metrics,
                re.MULTILINE,
            )
            # Two workers alive; between them, the start and the utterance assessed once each.
            if _metric(metrics, "kairos_workers_alive") == 2 and sum(map(float, assessed)) == 2:
                break
            assert time.monotonic() < deadline, metrics
            time.sleep(0.5)
        assert _metric(metrics, "kairos_detection_backlog_interactions") == 0
        children = _children(server.pid)
        workers = [pid for pid, command in children.items() if "kairos.cli worker" in command]
        assert len(workers) == 2, children
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            for pid in children:  # a serve that would not stop: nor do its workers outlive it
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            raise
    # The workers and API processes went with it.
    deadline = time.monotonic() + 15
    while alive := {p: c for p, c in children.items() if Path(f"/proc/{p}").exists()}:
        assert time.monotonic() < deadline, alive
        time.sleep(0.2)


def _children(pid: int) -> dict[int, str]:
    """The processes started by ``pid``, with their command lines."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = command
    return found
