"""Event ingestion over HTTP: idempotent, all-or-nothing, clear errors, publish on commit."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import at, ended, started, utterance

from kairos.bus import MemoryBus
from kairos.config import Settings
from kairos.interactions.models import EventRecord
from kairos.runtime import Runtime


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    """Settings with a small batch limit, to test it."""
    return Settings(database_url=migrated_url, max_batch_events=50)


def count_events(runtime: Runtime) -> int:
    with runtime.db.session() as session:
        return session.scalar(select(func.count()).select_from(EventRecord)) or 0


def test_same_event_twice_is_applied_once(client: TestClient, runtime: Runtime) -> None:
    first = client.post("/v1/events", json=[started("c1"), utterance("c1", "hello", event_id="u1")])
    assert first.status_code == 200
    assert first.json()["applied"] == 2
    again = client.post("/v1/events", json=utterance("c1", "hello", event_id="u1"))
    assert again.status_code == 200
    assert again.json() == {
        "applied": 0,
        "duplicates": 1,
        "parked": 0,
        "released": 0,
        "events": [{"event_id": "u1", "status": "duplicate"}],
    }
    # A repeat inside one batch is also applied once.
    both = client.post(
        "/v1/events",
        json=[utterance("c1", "x", event_id="u2"), utterance("c1", "x", event_id="u2")],
    )
    assert [e["status"] for e in both.json()["events"]] == ["applied", "duplicate"]
    assert count_events(runtime) == 3
    detail = client.get("/v1/interactions/c1").json()
    assert detail["event_count"] == 3
    assert [e["seq"] for e in detail["timeline"]] == [1, 2, 3]
    assert "kairos_events_duplicate_total 2" in client.get("/metrics").text


def test_batch_with_one_bad_event_applies_nothing_and_names_it(
    client: TestClient, runtime: Runtime
) -> None:
    bad = utterance("c2", "no speaker", event_id="bad-1")
    del bad["speaker"]
    response = client.post(
        "/v1/events", json={"events": [started("c2"), utterance("c2", "fine"), bad]}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_events"
    assert body["errors"] == [
        {"index": 2, "field": "speaker", "message": "Field required", "event_id": "bad-1"}
    ]
    assert count_events(runtime) == 0
    assert client.get("/v1/interactions").json()["total"] == 0


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e.update(occurred_at="2026-11-22T14:00:00"), "occurred_at"),
        (lambda e: e.update(type="utterance.deleted"), "type"),
        (lambda e: e.pop("type"), "type"),
        (lambda e: e.update(speaker="robot"), "speaker"),
        (lambda e: e.update(text=""), "text"),
        (lambda e: e.update(event_id="has space"), "event_id"),
        (lambda e: e.update(surprise=1), "surprise"),
    ],
)
def test_each_kind_of_bad_field_is_named(client: TestClient, mutate: Any, field: str) -> None:
    event = utterance("c3", "hi")
    mutate(event)
    response = client.post("/v1/events", json=[started("c3"), event])
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(1, field)]


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"{not json", 400, "malformed_body"),
        (b"[]", 400, "malformed_body"),
        (b'"an event"', 400, "malformed_body"),
        (b'{"events": "nope"}', 400, "malformed_body"),
        (b"[1, 2]", 422, "invalid_events"),
        (b"\xff\xfe", 400, "malformed_body"),
    ],
)
def test_malformed_bodies_get_clear_4xx(
    client: TestClient, body: bytes, status: int, error: str
) -> None:
    response = client.post("/v1/events", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert response.json()["error"] == error


def test_too_many_events_in_one_request(client: TestClient) -> None:
    events = [started("c4")] + [utterance("c4", f"line {i}") for i in range(60)]
    response = client.post("/v1/events", json=events)
    assert response.status_code == 413
    assert "limit is 50" in response.json()["message"]


def test_an_event_of_an_interaction_not_started_waits_for_its_start(
    client: TestClient, runtime: Runtime
) -> None:
    """Parked, not refused (tests/interactions/test_early_events.py: the whole contract)."""
    response = client.post("/v1/events", json=[started("c5"), utterance("ghost", "hello?")])
    assert response.status_code == 202
    body = response.json()
    assert (body["applied"], body["parked"]) == (1, 1)
    assert body["events"][1]["status"] == "parked"
    assert count_events(runtime) == 1


def test_starting_an_interaction_twice_is_a_conflict(client: TestClient) -> None:
    assert client.post("/v1/events", json=started("c6")).status_code == 200
    second = started("c6")
    second["event_id"] = "c6-start-again"
    response = client.post("/v1/events", json=second)
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "interaction_id"


def test_events_are_published_only_after_commit(client: TestClient, runtime: Runtime) -> None:
    assert isinstance(runtime.bus, MemoryBus)
    seen: list[tuple[str, bool]] = []

    def check_committed(topic: str, message: dict[str, Any]) -> None:
        if message["type"] != "event.applied":
            return
        event_id = message["event"]["event_id"]
        # A new session on another connection sees only committed rows.
        with runtime.db.session() as session:
            visible = session.scalar(
                select(func.count())
                .select_from(EventRecord)
                .where(EventRecord.event_id == event_id)
            )
        seen.append((event_id, visible == 1))

    runtime.bus.listen(check_committed, "events")
    client.post("/v1/events", json=[started("c7"), utterance("c7", "hi", event_id="c7-u")])
    assert seen == [("c7-start", True), ("c7-u", True)]
    # A refused request publishes nothing at all.
    bad = utterance("c7", "x")
    bad["speaker"] = "robot"
    client.post("/v1/events", json=[utterance("c7", "fine", event_id="c7-ok"), bad])
    again = {**started("c7"), "event_id": "c7-start-2"}  # a second start: 409
    client.post("/v1/events", json=[utterance("c7", "fine", event_id="c7-ok2"), again])
    assert [e for e, _ in seen] == ["c7-start", "c7-u"]
    # A duplicate is acknowledged but not published again.
    client.post("/v1/events", json=utterance("c7", "hi", event_id="c7-u"))
    assert len(seen) == 2


def segment(interaction_id: str, n: int, stress: float) -> dict[str, Any]:
    """An ``audio.segment`` event: the ``n``-th 0.8 s of the customer's voice."""
    return {
        "type": "audio.segment",
        "event_id": f"{interaction_id}-a{n}",
        "interaction_id": interaction_id,
        "occurred_at": at(10 + n),
        "start_s": 0.8 * n,
        "end_s": 0.8 * n + 0.8,
        "stress": stress,
        "features": {"f0_mean_st": 1.5},
    }


def test_grouped_segments_are_stored_in_order_and_rebuilt_detectors_miss_none(
    client: TestClient, runtime: Runtime
) -> None:
    """Segments of many calls go in one request (the media endpoints group them): the rows of a
    request are written together, yet every event keeps its order and assessment, and a detector
    rebuilt in the middle of a request replays what came before it in that request too."""
    client.post("/v1/events", json=[started("g1"), started("g2", phone="+14155550199")])
    client.post("/v1/events", json=[segment("g1", 0, 0.2), utterance("g1", "hello there")])
    # One detector cached at a time: each call's next event rebuilds its detector from the log,
    # in the middle of the request, from rows that request has yet to commit.
    runtime.detectors.capacity = 1
    runtime.detectors.forget("g1", "g2")
    batch = [segment("g2", 0, 0.3), segment("g1", 1, 0.4), utterance("g2", "my card number"),
             segment("g2", 1, 0.9), segment("g1", 2, 0.95)]  # fmt: skip
    assert client.post("/v1/events", json=batch).json()["applied"] == 5
    for interaction, stress, kinds in (
        ("g1", 0.95, ["interaction.started", "audio.segment", "utterance", "audio.segment",
                      "audio.segment"]),
        ("g2", 0.9, ["interaction.started", "audio.segment", "utterance", "audio.segment"]),
    ):  # fmt: skip
        detail = client.get(f"/v1/interactions/{interaction}").json()
        stored = sorted(detail["timeline"], key=lambda e: e["seq"])  # the timeline: by time said
        assert [e["type"] for e in stored] == kinds
        assert [e["seq"] for e in stored] == list(range(1, len(kinds) + 1))
        assert detail["assessment"]["stress"] == stress
        assert detail["assessment"]["utterances"] == 1
        history = client.get(f"/v1/interactions/{interaction}/assessments").json()
        assert history["total"] == len(kinds) - 1
    # g2's detector was rebuilt for its utterance: it had heard the segment before it.
    after = {i["event_id"]: i["assessment"] for i in history["items"]}
    assert after[batch[2]["event_id"]]["stress"] == 0.3


def test_concurrent_repeats_are_applied_once(client: TestClient, runtime: Runtime) -> None:
    client.post("/v1/events", json=started("c8"))
    batch = [utterance("c8", f"line {i}", event_id=f"c8-{i}") for i in range(20)]
    statuses: list[int] = []

    def send() -> None:
        statuses.append(client.post("/v1/events", json=batch).status_code)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 6
    assert count_events(runtime) == 21
    detail = client.get("/v1/interactions/c8").json()
    assert sorted(e["seq"] for e in detail["timeline"]) == list(range(1, 22))


def test_outcome_survey_and_ivr_facts_are_recorded(client: TestClient) -> None:
    events = [
        started("c9", reason=None),
        {
            "type": "ivr.selection",
            "event_id": "c9-sel",
            "interaction_id": "c9",
            "occurred_at": "2026-11-22T14:00:02+00:00",
            "menu": "main",
            "option": "2",
            "label": "claims",
        },
        {
            "type": "ivr.input",
            "event_id": "c9-acct",
            "interaction_id": "c9",
            "occurred_at": "2026-11-22T14:00:04+00:00",
            "name": "policy_number",
            "value": "PN-77321",
            "verified": True,
        },
        {
            "type": "ivr.input",
            "event_id": "c9-card",
            "interaction_id": "c9",
            "occurred_at": "2026-11-22T14:00:05+00:00",
            "name": "card_number",
            "value": "4111 1111 1111 1111",
        },
        utterance("c9", "my card is 4111-1111-1111-1111 by the way", event_id="c9-u"),
        {
            "type": "transfer",
            "event_id": "c9-xfer",
            "interaction_id": "c9",
            "occurred_at": "2026-11-22T14:01:00+00:00",
            "to_queue": "claims-tier2",
            "to_agent": "a-17",
        },
        ended("c9", resolved=True),
        {
            "type": "survey.response",
            "event_id": "c9-survey",
            "interaction_id": "c9",
            "occurred_at": "2026-11-22T15:00:00+00:00",
            "csat": 5,
            "nps": 9,
            "text": "thank you",
        },
    ]
    assert client.post("/v1/events", json=events).status_code == 200
    detail = client.get("/v1/interactions/c9").json()
    assert detail["reason"] == "claims"
    assert detail["state"] == "ended"
    assert detail["queue"] == "claims-tier2"
    assert detail["agent_id"] == "a-17"
    assert detail["outcome"]["resolved"] is True
    assert detail["outcome"]["survey"] == {"csat": 5, "nps": 9, "text": "thank you"}
    facts = {f["name"]: f for f in detail["facts"]}
    assert facts["policy_number"]["value"] == "PN-77321"
    assert facts["policy_number"]["source"] == "ivr"
    assert facts["policy_number"]["verified"] is True
    assert facts["card_number"]["redacted"] is True
    assert "4111" not in facts["card_number"]["value"].replace("1111", "", 1)
    stored = " ".join(str(e["body"]) for e in detail["timeline"])
    assert "4111111111111111" not in stored.replace(" ", "").replace("-", "")
    assert "[card ••••1111]" in stored


def test_interaction_list_filters(client: TestClient) -> None:
    client.post(
        "/v1/events",
        json=[started("a1", channel="call"), started("a2", channel="chat", phone="+442079460000")],
    )
    client.post("/v1/events", json=ended("a1"))
    assert {i["id"] for i in client.get("/v1/interactions").json()["items"]} == {"a1", "a2"}
    assert [i["id"] for i in client.get("/v1/interactions?state=ended").json()["items"]] == ["a1"]
    assert [i["id"] for i in client.get("/v1/interactions?channel=chat").json()["items"]] == ["a2"]
    assert client.get("/v1/interactions?since=2026-11-23T00:00:00Z").json()["total"] == 0
    assert client.get("/v1/interactions?until=2026-11-23T00:00:00Z").json()["total"] == 2
    assert client.get("/v1/interactions?channel=fax").status_code == 422
    # A misspelt state is named, not answered with an empty list as if none were in it.
    misspelt = client.get("/v1/interactions?state=eneded")
    assert misspelt.status_code == 422
    assert misspelt.json()["errors"][0]["field"] == "query.state"
    assert "'ended'" in misspelt.json()["errors"][0]["message"]
    assert client.get("/v1/interactions?since=yesterday").status_code == 422
    assert client.get("/v1/interactions/none-such").status_code == 404


def test_one_customer_across_channels_with_journey(client: TestClient) -> None:
    client.post("/v1/events", json=started("j1", channel="call", phone="+1 (415) 555-0100"))
    chat = started("j2", channel="chat", phone="+14155550100")
    chat["identities"].append({"kind": "email", "value": "Dana@Example.com"})
    client.post("/v1/events", json=chat)
    email = started("j3", channel="email", phone=None)
    email["identities"] = [{"kind": "email", "value": "dana@example.com"}]
    client.post("/v1/events", json=email)
    customers = client.get("/v1/customers").json()
    assert customers["total"] == 1
    customer_id = customers["items"][0]["id"]
    detail = client.get(f"/v1/customers/{customer_id}").json()
    assert [i["id"] for i in detail["journey"]] == ["j1", "j2", "j3"]
    assert {(i["kind"], i["value"]) for i in detail["identities"]} == {
        ("phone", "+14155550100"),
        ("email", "dana@example.com"),
    }
    found = client.get("/v1/customers", params={"identity": "email:DANA@example.com"}).json()
    assert [c["id"] for c in found["items"]] == [customer_id]
    assert client.get("/v1/customers", params={"identity": "fax:1"}).status_code == 422
    assert client.get("/v1/customers/999").status_code == 404


def test_an_event_id_reused_for_another_event_is_a_conflict_not_a_duplicate(
    client: TestClient, runtime: Runtime
) -> None:
    """An integrator numbering events per conversation ("1", "2", ... in every interaction)
    must hear so: a stored event_id sent again for another interaction, or as another type of
    event, is refused with 409 naming it, never acknowledged as a duplicate and dropped. (The
    other interaction is not named: it may be another event source's.)"""
    assert client.post("/v1/events", json=[started("r1"), started("r2")]).status_code == 200
    assert client.post("/v1/events", json=utterance("r1", "hello", event_id="1")).status_code == 200
    stored = count_events(runtime)

    other_interaction = client.post("/v1/events", json=utterance("r2", "my turn", event_id="1"))
    assert other_interaction.status_code == 409
    error = other_interaction.json()["errors"][0]
    assert (error["event_id"], error["interaction_id"], error["field"]) == ("1", "r2", "event_id")
    assert "another interaction" in error["message"]

    other_type = client.post("/v1/events", json={**ended("r1"), "event_id": "1"})
    assert other_type.status_code == 409
    assert "utterance" in other_type.json()["errors"][0]["message"]

    # In one batch too, and nothing of the batch is applied.
    batch = client.post(
        "/v1/events",
        json=[
            utterance("r2", "first", event_id="r2-x"),
            utterance("r1", "second", event_id="r2-x"),
        ],
    )
    assert batch.status_code == 409
    assert batch.json()["errors"][0]["index"] == 1
    assert count_events(runtime) == stored

    # A true repeat (same id, interaction and type) is still a duplicate.
    again = client.post("/v1/events", json=utterance("r1", "hello", event_id="1"))
    assert again.json()["events"] == [{"event_id": "1", "status": "duplicate"}]


@pytest.mark.parametrize("zone", ["Mars/Olympus", "europe/london", "America/New York", "../etc"])
def test_an_unknown_time_zone_is_refused_naming_the_field(
    client: TestClient, runtime: Runtime, zone: str
) -> None:
    """A zone zoneinfo does not know would read the customer's deadlines in UTC while their
    evidence said "the interaction's zone": refused instead, with the field named."""
    response = client.post("/v1/events", json=started("tz1", timezone=zone))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["timezone"]
    assert "IANA" in response.json()["errors"][0]["message"]
    assert count_events(runtime) == 0
    assert (
        client.post("/v1/events", json=started("tz1", timezone="Europe/London")).json()["applied"]
        == 1
    )


def test_a_batch_with_an_event_before_its_start_is_applied_in_order(
    client: TestClient, runtime: Runtime
) -> None:
    """A sender that batches out of order (a transcript segment ahead of the call's start) has
    its batch applied, start first: refused, it would fail the same way on every retry."""
    said = utterance("ooo", "my card was stolen", seconds=5)
    answer = client.post("/v1/events", json=[said, started("ooo"), utterance("ooo", "help")])
    assert answer.status_code == 200, answer.text
    assert [e["status"] for e in answer.json()["events"]] == ["applied"] * 3
    timeline = client.get("/v1/interactions/ooo").json()["timeline"]
    assert [(e["seq"], e["type"]) for e in timeline] == [
        (1, "interaction.started"),
        (2, "utterance"),
        (3, "utterance"),
    ]
    # An event whose interaction starts nowhere in it waits for a later start (parked).
    orphan = client.post("/v1/events", json=[started("ooo2"), utterance("nowhere", "hi")])
    assert orphan.status_code == 202
    assert [e["status"] for e in orphan.json()["events"]] == ["applied", "parked"]
    assert count_events(runtime) == 4
