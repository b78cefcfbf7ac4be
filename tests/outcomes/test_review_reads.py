"""The review of an ended contact runs inside its ingest request: what it reads, it reads once."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, select
from tests.factories import at, ended, started, utterance

from kairos.bus import BusMessage
from kairos.bus.messages import InteractionReviewed, parse
from kairos.interactions.models import EventRecord
from kairos.outcomes import review_inputs as inputs
from kairos.outcomes import service
from kairos.outcomes.schemas import ReviewOut
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


def test_the_review_is_not_read_back_for_the_outreach_rules(
    client: TestClient, runtime: Runtime
) -> None:
    client.post("/v1/events", json=[started("rv2"), utterance("rv2", "you lost my bags again")])
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(runtime.db.engine, "before_cursor_execute", record)
    try:
        assert client.post("/v1/events", json=ended("rv2", resolved=False)).status_code == 200
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", record)
    written = next(i for i, s in enumerate(seen) if s.startswith("INSERT INTO interaction_reviews"))
    assert not any(s.startswith("SELECT interaction_reviews.") for s in seen[written:])
    assert any("FROM outreach_rules" in s for s in seen[written:])  # the rules still ran


def test_a_listener_is_handed_the_review_its_message_announces(
    client: TestClient, runtime: Runtime
) -> None:
    handed: list[tuple[ReviewOut | None, ReviewOut | None]] = []
    messages: list[InteractionReviewed] = []

    def listener(topic: str, body: BusMessage) -> None:
        message = parse(body)
        if isinstance(message, InteractionReviewed):
            copy = InteractionReviewed.model_validate(dict(body))  # as if it crossed Redis
            handed.append((service.sent_review(message), service.sent_review(copy)))
            messages.append(message)

    runtime.bus.listen(listener, "outcomes")
    client.post("/v1/events", json=[started("rv3"), utterance("rv3", "my flight is cancelled")])
    client.post("/v1/events", json=ended("rv3"))
    with runtime.db.session() as session:
        stored = service.get_review(session=session, interaction_id="rv3")
    assert handed == [(stored, None)]
    assert service.sent_review(messages[0]) is None  # once published, it is read as before


def test_the_review_reads_the_utterances_as_the_log_holds_them(
    client: TestClient, runtime: Runtime
) -> None:
    client.post(
        "/v1/events",
        json=[
            started("rv4"),
            utterance("rv4", "hello, thanks for calling", speaker="agent"),
            {
                "type": "ivr.input",
                "event_id": "rv4-ivr",
                "interaction_id": "rv4",
                "occurred_at": at(30),
                "name": "account_number",
                "value": "12345678",
            },
            utterance("rv4", "my card 4111 1111 1111 1111 was charged twice"),
            {
                "type": "transfer",
                "event_id": "rv4-tr",
                "interaction_id": "rv4",
                "occurred_at": at(200),
                "to_queue": "billing",
            },
            utterance("rv4", "sorry about that, let me look", speaker="agent"),
        ],
    )
    with runtime.db.session() as session:
        interaction = service.get_interaction_or_raise(session=session, interaction_id="rv4")
        records = session.scalars(
            select(EventRecord)
            .where(EventRecord.interaction_id == interaction.id)
            .order_by(EventRecord.seq)
        ).all()
        assert {r.type for r in records} > {"utterance"}  # other events are in the log
        read = inputs.turns(inputs.utterance_rows(session, interaction))
    assert read == inputs.turns(records)
    assert [t.speaker for t in read] == ["agent", "customer", "agent"]
