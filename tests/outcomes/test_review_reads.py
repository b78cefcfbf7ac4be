"""The review of an ended contact runs inside its ingest request: what it reads, it reads once."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event
from tests.factories import ended, started, utterance

from kairos.runtime import Runtime


def test_a_review_reads_the_customer_and_the_rules_once(
    client: TestClient, runtime: Runtime
) -> None:
    client.post(
        "/v1/events",
        json=[started("rv1"), utterance("rv1", "my flight was cancelled and I need to fly today")],
    )
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(runtime.db.engine, "before_cursor_execute", record)
    try:
        assert client.post("/v1/events", json=ended("rv1")).status_code == 200
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", record)
    review = client.get("/v1/interactions/rv1/review").json()
    assert review["customer_id"] is not None  # the row the review wrote names the customer
    assert sum(s.startswith("SELECT customers.") for s in seen) == 1
    assert sum(s.startswith("SELECT customer_identities.") for s in seen) == 1
    assert sum("FROM outreach_rules" in s for s in seen) == 1
