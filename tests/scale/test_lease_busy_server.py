"""A real ``kairos serve`` in lease mode on PostgreSQL whose lease renewal is held up (another
client holds the lease row ``FOR SHARE``, so the renewal's ``UPDATE`` waits, as it waits for a
slow disk or a busy server) until the lease has run out: with no other process wanting the
lease, ``next`` still decides (before 2026-12-07: 503, "this process no longer owns the routing
board"), and once the renewal gets through the lease is extended with the same token."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from tests.factories import at, started
from tests.servers import free_port, wait_until_serving

pytestmark = pytest.mark.postgres


def _seed(client: httpx.Client) -> None:
    queue = {"name": "travel", "channel": "chat", "required_skills": [], "policy": "moments"}
    assert client.post("/v1/queues", json=queue).status_code == 201
    agent = {"external_id": "ana", "name": "Ana", "channels": ["chat"], "state": "available"}
    assert client.post("/v1/agents", json=agent).status_code == 201
    events = [started(f"chat-{n}", channel="chat", queue="travel", occurred_at=at(n))
              for n in range(2)]  # fmt: skip
    assert client.post("/v1/events", json=events).status_code == 200


def test_a_held_up_renewal_does_not_stop_routing(postgres_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "KAIROS_DATABASE_URL": postgres_url, "KAIROS_ROUTING_BOARD": "lease",
           "KAIROS_ENVIRONMENT": "test", "KAIROS_RATE_LIMIT_PER_S": "0"}  # fmt: skip
    env.pop("KAIROS_REDIS_URL", None)
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "kairos.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    engine = create_engine(postgres_url)
    try:
        wait_until_serving(base, process, log, timeout_s=120)
        client = httpx.Client(base_url=base, timeout=30)
        _seed(client)
        with engine.connect() as holder, engine.connect() as reader:
            holder.execute(text("SELECT token FROM routing_leases FOR SHARE"))
            deadline = time.monotonic() + 15
            while reader.scalar(text("SELECT expires_at > now() FROM routing_leases")):
                reader.rollback()
                assert time.monotonic() < deadline, "the lease never ran out"
                time.sleep(0.1)
            answer = client.post("/v1/agents/ana/next")  # the lease has run out, unclaimed
            assert answer.status_code == 200, answer.text
            assert answer.json()["decision"]["interaction_id"] == "chat-0"
            holder.rollback()  # the renewal gets through
            deadline = time.monotonic() + 10
            while not reader.scalar(text("SELECT expires_at > now() FROM routing_leases")):
                reader.rollback()
                assert time.monotonic() < deadline, "the lease was not renewed"
                time.sleep(0.1)
            assert reader.scalar(text("SELECT token FROM routing_leases")) == 1
        assert client.post("/v1/agents/ana/next").status_code in (200, 409)
        client.close()
    finally:
        process.terminate()
        process.wait(30)
        engine.dispose()
    assert "no other process had taken it, so this one kept deciding (token 1)" in log.read_text()
