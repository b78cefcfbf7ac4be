"""What ingest reads before it writes: one statement for one event about a stored interaction,
with the same answers as the two reads it replaces."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.factories import at, started, utterance
from tests.interactions.support import statements

from kairos.events import Event, event_adapter
from kairos.interactions import checks
from kairos.runtime import Runtime


def reads_before_writing(seen: list[str]) -> list[str]:
    """The statements before the first write."""
    writes = ("INSERT", "UPDATE", "DELETE")
    first = next((i for i, s in enumerate(seen) if s.startswith(writes)), len(seen))
    return seen[:first]


def typed(*bodies: dict[str, Any]) -> list[Event]:
    return [event_adapter.validate_python(b) for b in bodies]


def test_one_event_of_a_stored_interaction_is_checked_in_one_statement(
    client: TestClient, runtime: Runtime
) -> None:
    assert client.post("/v1/events", json=started("r1")).status_code == 200
    with statements(runtime) as seen:
        first = client.post("/v1/events", json=utterance("r1", "hello", event_id="r1-u1"))
    assert first.json()["applied"] == 1
    reads = reads_before_writing(seen)
    assert len(reads) == 1, reads
    assert "FROM interactions" in reads[0] and "EXISTS" in reads[0]
    # The same event again: acknowledged as a repeat after the same single read and, only for a
    # repeat, the stored event's interaction and type (an id reused for another event is a
    # conflict, test_ingest); nothing written.
    with statements(runtime) as seen:
        again = client.post("/v1/events", json=utterance("r1", "hello", event_id="r1-u1"))
    assert again.json() == {
        "applied": 0,
        "duplicates": 1,
        "parked": 0,
        "released": 0,
        "events": [{"event_id": "r1-u1", "status": "duplicate"}],
    }
    reads = reads_before_writing(seen)
    assert len(reads) == 2, reads
    assert "EXISTS" in reads[0] and "events.type" in reads[1]
    assert not any(s.startswith("INSERT INTO events") for s in seen)


def test_the_combined_read_answers_as_the_two_reads(client: TestClient, runtime: Runtime) -> None:
    client.post("/v1/events", json=[started("r2"), utterance("r2", "hi", event_id="r2-u1")])
    cases = [
        typed(utterance("r2", "hi", event_id="r2-u1")),  # stored, interaction stored
        typed(utterance("r2", "new", event_id="r2-u2")),  # new, interaction stored
        typed(utterance("nobody", "x", event_id="r2-u1")),  # stored id, unknown interaction
        typed(utterance("nobody", "x", event_id="r2-u3")),  # new, unknown interaction
        typed(started("r2")),  # a second start of a stored interaction
        typed(started("r3")),  # a new interaction
        typed(started("r2"), utterance("r2", "a", event_id="r2-u1")),  # a batch: two reads
    ]
    for events in cases:
        with runtime.db.session() as session:
            combined = checks.stored_and_locked(session, events)
        with runtime.db.session() as session:
            existing = checks.stored_event_ids(session, [e.event_id for e in events])
            locked = checks.locked_interactions(session, sorted({e.interaction_id for e in events}))
        assert combined[0] == existing, events
        assert {k: v.id for k, v in combined[1].items()} == {k: v.id for k, v in locked.items()}, (
            events
        )


def test_unknown_interaction_waits_and_second_start_is_still_refused(client: TestClient) -> None:
    client.post("/v1/events", json=started("r4"))
    unknown = client.post("/v1/events", json=utterance("r-none", "x", event_id="r4-x"))
    assert unknown.status_code == 202
    assert unknown.json()["events"] == [{"event_id": "r4-x", "status": "parked"}]
    again = client.post("/v1/events", json={**started("r4"), "event_id": "r4-start-2"})
    assert again.status_code == 409


def test_the_events_answer_keeps_its_documented_shape(client: TestClient) -> None:
    """The route encodes its answer itself; the schema still names it."""
    schema = client.get("/openapi.json").json()
    ok = schema["paths"]["/v1/events"]["post"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/IngestResponse"
    }
    client.post("/v1/events", json=started("r5"))
    answer = client.post("/v1/events", json=utterance("r5", "hi", event_id="r5-u1"))
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {
        "applied": 1,
        "duplicates": 0,
        "parked": 0,
        "released": 0,
        "events": [{"event_id": "r5-u1", "status": "applied"}],
    }


def test_the_latest_assessment_is_replaced_not_read(client: TestClient, runtime: Runtime) -> None:
    """Ingest does not read the stored assessment back; an event that does not assess (a survey
    answer) leaves it as it was, one that does replaces it."""
    client.post("/v1/events", json=[started("r6"), utterance("r6", "my flight was cancelled")])
    before = client.get("/v1/interactions/r6").json()["assessment"]
    assert before is not None
    survey = {
        "type": "survey.response",
        "event_id": "r6-survey",
        "interaction_id": "r6",
        "occurred_at": at(300),
        "csat": 2,
    }
    with statements(runtime) as seen:
        assert client.post("/v1/events", json=survey).status_code == 200
    reads = reads_before_writing(seen)
    assert reads and not any("interactions.assessment" in s for s in reads)
    assert client.get("/v1/interactions/r6").json()["assessment"] == before
    client.post("/v1/events", json=utterance("r6", "I need to fly today", event_id="r6-u2"))
    after = client.get("/v1/interactions/r6").json()["assessment"]
    assert after is not None and after["utterances"] == before["utterances"] + 1
