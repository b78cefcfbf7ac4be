"""An event that arrives before its interaction's start, in another request, waits for it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import started, utterance

from kairos.config import Settings
from kairos.events import event_adapter
from kairos.interactions.models import ParkedEvent
from kairos.interactions.parking import Parking
from kairos.interactions.schemas import IngestResponse
from kairos.interactions.service import ingest
from kairos.main import create_app
from kairos.runtime import Runtime


def _metric(client: TestClient, line_start: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_an_early_event_waits_and_is_applied_after_its_start(client: TestClient) -> None:
    said = utterance("early-1", "my card was stolen, I fly at 6pm", event_id="early-1-u", seconds=5)
    answer = client.post("/v1/events", json=said)
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["parked"] == 1 and body["applied"] == 0
    assert body["events"] == [{"event_id": "early-1-u", "status": "parked"}]
    assert client.get("/v1/interactions/early-1").status_code == 404  # not applied yet
    # The sender retries it before the start lands: still one waiting.
    assert client.post("/v1/events", json=said).json()["events"][0]["status"] == "parked"
    assert _metric(client, "kairos_events_parked_waiting") == 1
    start = client.post("/v1/events", json=started("early-1"))
    assert start.status_code == 200, start.text
    assert start.json()["released"] == 1 and start.json()["applied"] == 1
    detail = client.get("/v1/interactions/early-1").json()
    assert [(e["seq"], e["type"]) for e in detail["timeline"]] == [
        (1, "interaction.started"),
        (2, "utterance"),
    ]
    assert detail["timeline"][1]["body"]["text"].startswith("my card was stolen")
    assert detail["mot_score"] is not None  # assessed like any utterance
    # A redelivery after the start is a repeat, nothing waits any more.
    again = client.post("/v1/events", json=said)
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    assert _metric(client, "kairos_events_parked_waiting") == 0
    assert _metric(client, 'kairos_events_parked_total{outcome="parked"}') == 1
    assert _metric(client, 'kairos_events_parked_total{outcome="released"}') == 1


def test_a_batch_applies_what_it_can_and_parks_the_rest(client: TestClient) -> None:
    answer = client.post(
        "/v1/events", json=[started("b-1"), utterance("b-2", "hello?", seconds=10)]
    )
    assert answer.status_code == 202
    assert [e["status"] for e in answer.json()["events"]] == ["applied", "parked"]
    assert client.get("/v1/interactions/b-1").status_code == 200
    # Its start, with a line of its own in the same request: the early one comes first.
    said = utterance("b-2", "are you there", seconds=30)
    answer = client.post("/v1/events", json=[started("b-2"), said])
    assert answer.json()["released"] == 1 and answer.json()["applied"] == 2
    timeline = client.get("/v1/interactions/b-2").json()["timeline"]
    texts = [e["body"].get("text") for e in timeline]
    assert texts == [None, "hello?", "are you there"]


def test_a_parked_event_sent_again_with_its_start_is_applied_once(client: TestClient) -> None:
    said = utterance("c-1", "one line", event_id="c-1-u")
    assert client.post("/v1/events", json=said).status_code == 202
    answer = client.post("/v1/events", json=[started("c-1"), said])
    assert answer.status_code == 200
    assert answer.json()["applied"] == 2 and answer.json()["released"] == 0
    assert len(client.get("/v1/interactions/c-1").json()["timeline"]) == 2


def test_an_event_id_reused_for_another_parked_event_is_a_conflict(client: TestClient) -> None:
    assert client.post("/v1/events", json=utterance("d-1", "x", event_id="d-x")).status_code == 202
    reused = client.post("/v1/events", json=utterance("d-2", "y", event_id="d-x"))
    assert reused.status_code == 409
    assert reused.json()["errors"][0]["field"] == "event_id"


@contextmanager
def _app(settings: Settings) -> Iterator[TestClient]:
    """A Kairos process of its own on ``settings`` (a restart: a new one on the same database)."""
    runtime = Runtime.build(settings)
    try:
        with TestClient(create_app(settings, runtime=runtime)) as client:
            yield client
    finally:
        runtime.close()


def test_parked_events_survive_a_restart_and_are_bounded(migrated_url: str) -> None:
    settings = Settings(database_url=migrated_url, early_events_max=2)
    with _app(settings) as client:
        assert client.post("/v1/events", json=utterance("r-1", "first")).status_code == 202
        assert client.post("/v1/events", json=utterance("r-2", "second")).status_code == 202
        full = client.post("/v1/events", json=utterance("r-3", "third"))
        assert full.status_code == 404 and full.json()["error"] == "unknown_interaction"
        assert "no room" in full.json()["errors"][0]["message"]
    with _app(settings) as client:  # what waits is in the database
        answer = client.post("/v1/events", json=started("r-1"))
        assert answer.json()["released"] == 1
        timeline = client.get("/v1/interactions/r-1").json()["timeline"]
        assert [e["body"].get("text") for e in timeline] == [None, "first"]


def test_an_event_whose_start_never_comes_expires_logged_and_counted(
    migrated_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with _app(Settings(database_url=migrated_url, early_event_hold_s=0.05)) as client:
        said = utterance("x-1", "lost", event_id="x-1-u")
        assert client.post("/v1/events", json=said).status_code == 202
        time.sleep(0.1)
        with caplog.at_level(logging.WARNING, logger="kairos.interactions.parking"):
            assert _metric(client, 'kairos_events_parked_total{outcome="expired"}') == 1
        logged = [r.getMessage() for r in caplog.records]
        assert any("x-1-u" in m and "expired" in m for m in logged)
        assert _metric(client, "kairos_events_parked_waiting") == 0
        assert client.post("/v1/events", json=started("x-1")).json()["released"] == 0


def test_with_no_hold_an_early_event_is_refused_as_before(migrated_url: str) -> None:
    with _app(Settings(database_url=migrated_url, early_event_hold_s=0)) as client:
        unknown = client.post("/v1/events", json=[started("n-1"), utterance("n-2", "hi")])
        assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_interaction"
        assert client.get("/v1/interactions/n-1").status_code == 404  # nothing of it applied


def test_a_start_racing_its_early_event_never_strands_it(client: TestClient) -> None:
    """The start and the event in two requests at once: whichever wins, the event is applied
    (parked and released, or applied after the start), never left waiting."""
    for n in range(12):
        iid = f"race-{n}"
        barrier = threading.Barrier(2)

        def send(body: dict[str, object], barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            assert client.post("/v1/events", json=body).status_code in (200, 202)

        threads = [
            threading.Thread(target=send, args=(body,))
            for body in (started(iid), utterance(iid, "hello", event_id=f"{iid}-u"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        timeline = client.get(f"/v1/interactions/{iid}").json()["timeline"]
        assert [e["type"] for e in timeline] == ["interaction.started", "utterance"], iid
    assert _metric(client, "kairos_events_parked_waiting") == 0


def test_an_early_event_waits_only_for_a_start_from_its_own_source(runtime: Runtime) -> None:
    parking = Parking(timedelta(minutes=10), 100)

    def send(body: dict[str, object], source: str) -> IngestResponse:
        return ingest(
            db=runtime.db,
            events=[event_adapter.validate_python(body)],
            bus=runtime.bus,
            detectors=runtime.detectors,
            metrics=runtime.metrics,
            source=source,
            parking=parking,
        )

    assert send(utterance("s-1", "from pbx-a", event_id="s-1-a"), "pbx-a").parked == 1
    assert send(utterance("s-1", "from pbx-b", event_id="s-1-b"), "pbx-b").parked == 1
    # pbx-b's start takes its own early event; pbx-a's keeps waiting (and expires, logged).
    assert send(started("s-1"), "pbx-b").released == 1
    with runtime.db.session() as session:
        assert [p.event_id for p in session.scalars(select(ParkedEvent))] == ["s-1-a"]


def test_a_start_made_inside_kairos_releases_what_waits_for_it(client: TestClient) -> None:
    # The dialer reports the escalated call's first line before the escalation has committed.
    assert client.post("/v1/events", json=started("chat-9", channel="chat")).status_code == 200
    said = utterance("callback:chat-9", "yes, still need it today", event_id="cb-9-u", seconds=9)
    assert client.post("/v1/events", json=said).status_code == 202
    escalated = client.post("/v1/interactions/chat-9/escalate", json={})
    assert escalated.status_code == 201, escalated.text
    timeline = client.get("/v1/interactions/callback:chat-9").json()["timeline"]
    assert [(e["type"], e["event_id"]) for e in timeline] == [
        ("interaction.started", "start:callback:chat-9"),
        ("utterance", "cb-9-u"),
    ]
    assert _metric(client, "kairos_events_parked_waiting") == 0
    assert _metric(client, 'kairos_events_parked_total{outcome="released"}') == 1
    # Sent again, it is the repeat of an applied event, not a new wait.
    again = client.post("/v1/events", json=said)
    assert again.status_code == 200 and again.json()["duplicates"] == 1
