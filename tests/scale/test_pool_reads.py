"""A read holds one pooled connection, not two: its session is back in the pool before its
answer starts, when the audit log records the read on a connection of its own.

Before, the session was closed only after the answer had been sent, so a read needed its
session's connection and the audit's at once: with every connection but one taken (15 reads at
once on a SQLite file's pool of 5 and 10 more), each read held one and waited for a second, and
none was answered until the pool's wait ran out.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy.exc
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from tests.factories import started

from kairos.config import Settings
from kairos.main import create_app
from kairos.runtime import Runtime


@pytest.mark.parametrize("path", ["/v1/interactions", "/v1/interactions/p1"])
def test_a_read_answers_with_the_one_connection_left(migrated_url: str, path: str) -> None:
    settings = Settings(database_url=migrated_url, database_pool_timeout_s=6)
    runtime = Runtime.build(settings)
    client = TestClient(create_app(settings, runtime=runtime), raise_server_exceptions=False)
    try:
        assert client.post(
            "/v1/events", json=[started("p1", channel="chat", phone=None)]
        ).is_success
        held: list[Connection] = []  # other slow requests, holding every connection but one
        try:
            while True:
                try:
                    held.append(runtime.db.engine.connect())
                except sqlalchemy.exc.TimeoutError:
                    break
            held.pop().close()  # the one left: the read's session takes it, then the audit row
            began = time.monotonic()
            response = client.get(path)
            waited = time.monotonic() - began
        finally:
            for connection in held:
                connection.close()
        assert response.status_code == 200, (response.status_code, response.text[:200])
        # Well under the pool's 6 s wait: the read never waited on it (before, it always did,
        # for its audit row; a loaded machine may take a few seconds all the same).
        assert waited < 5, waited
    finally:
        client.close()
        runtime.close()
