"""PostgreSQL's connection pool exhausted by slow requests, for real: every connection of the API
process's pool held, then an ingest, a read and ``/healthz``.

Each answers 503 with ``Retry-After`` once ``KAIROS_DATABASE_POOL_TIMEOUT_S`` has passed (not a
500, not a wait of SQLAlchemy's 30 s), nothing of the refused ingest is stored, and the same
request succeeds once the connections come back.
"""

from __future__ import annotations

import time
from contextlib import ExitStack

import pytest
import sqlalchemy.exc
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import started

from kairos import migrations
from kairos.config import Settings
from kairos.interactions.models import EventRecord
from kairos.main import create_app
from kairos.runtime import Runtime

pytestmark = pytest.mark.postgres


def test_an_exhausted_pool_answers_503_then_recovers(postgres_url: str) -> None:
    migrations.upgrade(postgres_url)
    settings = Settings(database_url=postgres_url, database_pool_timeout_s=0.5)
    runtime = Runtime.build(settings)
    client = TestClient(create_app(settings, runtime=runtime), raise_server_exceptions=False)
    events = [started("p1", channel="chat", phone=None)]
    try:
        with ExitStack() as held:  # slow requests holding every connection the pool may open
            for _ in range(31):  # pool_size 10, max_overflow 20 (the board keeps one)
                try:
                    held.enter_context(runtime.db.engine.connect())
                except sqlalchemy.exc.TimeoutError:
                    break
            else:
                raise AssertionError("the pool never ran out")
            for method, path, body in (
                ("POST", "/v1/events", events),
                ("GET", "/v1/interactions", None),
                ("GET", "/healthz", None),
            ):
                began = time.monotonic()
                response = client.request(method, path, json=body)
                assert response.status_code == 503, (path, response.status_code, response.text)
                assert response.headers.get("Retry-After"), path
                assert time.monotonic() - began < 10, path
        with runtime.db.session() as session:
            assert session.scalar(select(func.count()).select_from(EventRecord)) == 0
        response = client.post("/v1/events", json=events)
        assert response.status_code == 200, response.text
    finally:
        client.close()
        runtime.close()
