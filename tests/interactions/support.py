"""Helpers the interaction tests share."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from kairos.runtime import Runtime


def escalate(client: TestClient, interaction_id: str, **body: Any) -> Any:
    return client.post(f"/v1/interactions/{interaction_id}/escalate", json=body)


@contextmanager
def statements(runtime: Runtime) -> Iterator[list[str]]:
    """The SQL statements run on the runtime's engine inside the block."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The request's own statements: on PostgreSQL the routing board's and lease's threads
        # share the engine and read at their own pace (a read of theirs made this count flaky).
        if not threading.current_thread().name.startswith("routing-"):
            seen.append(" ".join(statement.split()))

    event.listen(runtime.db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", record)
