"""Amazon Connect Contact Lens real-time records: a file replay and the HTTP push endpoint.

The records are written here from the published shape of Contact Lens' real-time segment stream
(EventType STARTED / SEGMENTS / COMPLETED / FAILED; Utterance, Transcript, Categories and
PostContactSummary segments), some wrapped as Kinesis delivers them (base64 ``data``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.channels.lens_support import CONTACT, call_records, event, kinesis, transcript, types_of
from typer.testing import CliRunner

from kairos.config import get_settings

# -- the file replay -------------------------------------------------------------------------


@pytest.fixture
def cli_db(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("KAIROS_DATABASE_URL", migrated_url)
    get_settings.cache_clear()
    yield migrated_url  # type: ignore[misc]
    get_settings.cache_clear()


def test_a_file_of_records_replays_into_an_assessed_interaction(
    cli_db: str, tmp_path: Path
) -> None:
    from kairos.cli import app
    from kairos.db import Database
    from kairos.interactions import service

    records = call_records()
    lines = [json.dumps(records[0]), json.dumps({"Records": [kinesis(r, i) for i, r in
             enumerate(records[1:3])]}), *(json.dumps(r) for r in records[3:])]  # fmt: skip
    path = tmp_path / "contact-lens.jsonl"
    path.write_text("\n".join(lines) + "\n")
    first = CliRunner().invoke(app, ["replay-contact-lens", str(path)])
    assert first.exit_code == 0, first.output
    # The summary's end and COMPLETED's end are one event (one id per contact): the first kept.
    assert "4 lines: 5 events applied, 1 already there, 0 lines refused" in first.output
    db = Database(cli_db)
    with db.session() as session:
        found = service.get_by_external_id(session=session, interaction_id=f"connect:{CONTACT}")
        assert found is not None and found.state == "ended"
        assert found.assessment is not None and found.mot_score is not None
        assert found.assessment["churn_risk"] > 0.3
    again = CliRunner().invoke(app, ["replay-contact-lens", str(path)])
    # Every event of the first run is acknowledged, the STARTED too (since 2026-12-07).
    assert again.exit_code == 0 and "0 events applied, 6 already there" in again.output


def test_a_malformed_line_is_named_and_nothing_of_it_is_stored(cli_db: str, tmp_path: Path) -> None:
    from kairos.cli import app
    from kairos.db import Database
    from kairos.interactions import service

    records = call_records()
    broken = kinesis(records[1], 1)
    broken["kinesis"]["data"] = "%%% not base64"
    lines = [
        json.dumps(records[0]),
        json.dumps({"Records": [kinesis(records[2], 2), broken]}),  # a good record, then a bad
        "{not json",
        json.dumps({**records[1], "ContactId": ""}),
        json.dumps({**records[1], "EventType": "PAUSED"}),
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines))
    result = CliRunner().invoke(app, ["replay-contact-lens", str(path)])
    assert result.exit_code == 1
    out = result.output
    assert "line 2: record 1: the Kinesis data is not base64" in out
    assert "line 3:" in out and "line 4: record 0: ContactId" in out
    assert "line 5: record 0: EventType" in out and "4 lines refused" in out
    with Database(cli_db).session() as session:
        found = service.get_by_external_id(session=session, interaction_id=f"connect:{CONTACT}")
        assert found is not None and found.assessment is None  # the agent turn was not stored


def test_a_line_ahead_of_its_contacts_start_says_which_contact_and_what_to_do(
    cli_db: str, tmp_path: Path
) -> None:
    """A file whose SEGMENTS come before their contact's STARTED (files of several shards cat'ed
    together): the refused line names the contact and the fix, not only a count."""
    from kairos.cli import app

    records = call_records()
    path = tmp_path / "unordered.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (records[1], records[0])) + "\n")
    result = CliRunner().invoke(app, ["replay-contact-lens", str(path)])
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert f"line 1: connect:{CONTACT}: unknown interaction: send interaction.started first" in out
    assert "STARTED" in out and "1 lines refused" in out


# -- the HTTP push endpoint ------------------------------------------------------------------


def test_pushed_kinesis_records_become_events_once(client: TestClient) -> None:
    records = call_records("c-push")
    body = {"Records": [kinesis(r, i) for i, r in enumerate(records)]}
    response = client.post("/v1/channels/contact-lens", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["applied"] == 5
    types = types_of(client, "connect:c-push")
    assert types == ["interaction.started", "utterance", "utterance", "ivr.selection",
                     "interaction.ended"]  # fmt: skip
    detail = client.get("/v1/interactions/connect:c-push").json()
    said = [e for e in detail["timeline"] if e["type"] == "utterance"]
    assert [e["body"]["speaker"] for e in said] == ["customer", "agent"]
    assert all("Sentiment" not in json.dumps(e) for e in said)  # Contact Lens' own: dropped
    ended = detail["timeline"][-1]["body"]["outcome"]
    assert ended["note"] == "Refund of a double charge."
    assert detail["assessment"] is not None
    # Each record keeps the time Kinesis received it.
    assert [e["occurred_at"][:19] for e in said] == ["2025-12-04T19:20:01", "2025-12-04T19:20:02"]
    again = client.post("/v1/channels/contact-lens", json=body).json()
    assert (again["applied"], again["duplicates"]) == (0, 5)  # the STARTED too


def test_a_failed_analysis_applies_nothing_and_plain_events_are_taken(client: TestClient) -> None:
    records = call_records("c-plain")
    assert client.post("/v1/channels/contact-lens", json=records[:2]).status_code == 200
    failed = client.post("/v1/channels/contact-lens", json=event("FAILED", contact="c-plain"))
    assert failed.status_code == 200 and failed.json()["applied"] == 0
    assert types_of(client, "connect:c-plain") == ["interaction.started", "utterance"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{nope", 400, "JSON"),
        (b"[]", 400, "Records"),
        (b'{"Records": [{"kinesis": {"data": "!!"}}]}', 422, "record 0: the Kinesis data"),
        (
            json.dumps(
                [
                    event("SEGMENTS", transcript("x", "CUSTOMER", "hi", 0), contact="c-bad"),
                    {**event("SEGMENTS"), "Segments": [{"Transcript": {"Id": "y"}}]},
                ]
            ).encode(),
            422,
            "record 1: Segments.0.Transcript.ParticipantRole",
        ),
    ],
)
def test_bad_pushes_are_refused_whole(
    client: TestClient, body: bytes, status: int, words: str
) -> None:
    client.post("/v1/channels/contact-lens", json=event("STARTED", contact="c-bad"))
    response = client.post(
        "/v1/channels/contact-lens", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert words in response.json()["message"]
    assert types_of(client, "connect:c-bad") == ["interaction.started"]


def test_segments_pushed_before_their_started_wait_for_it(client: TestClient) -> None:
    """Kinesis shards deliver out of order: the segments wait (202) and follow the STARTED."""
    early = event("SEGMENTS", transcript("z", "CUSTOMER", "hello", 0), contact="c-late")
    answer = client.post("/v1/channels/contact-lens", json=early)
    assert answer.status_code == 202 and answer.json()["parked"] == 1
    started = client.post("/v1/channels/contact-lens", json=event("STARTED", contact="c-late"))
    assert started.status_code == 200 and started.json()["released"] == 1
    assert types_of(client, "connect:c-late") == ["interaction.started", "utterance"]


def test_roles_map_to_speakers_and_a_supervisor_is_a_worker() -> None:
    from datetime import UTC, datetime

    from kairos.channels.contact_lens import ContactLensAdapter
    from kairos.events import Utterance

    record = event(
        "SEGMENTS",
        transcript("r1", "SUPERVISOR", "I am listening in on this call.", 0),
        transcript("r2", "CUSTOM_BOT", "Please hold.", 100),
        transcript("r3", "SYSTEM", "This call is recorded.", 200),
        contact="c-roles",
    )
    events = ContactLensAdapter().to_events(
        json.dumps(record).encode(), received_at=datetime.now(UTC)
    )
    assert [e.speaker for e in events if isinstance(e, Utterance)] == ["agent", "bot", "bot"]


def test_the_replay_command_leaves_no_routing_thread_behind(cli_db: str, tmp_path: Path) -> None:
    # The command builds a runtime (routing board, lease); it must close it, or those threads
    # outlive the command and keep polling a database that may be gone.
    import threading

    from kairos.cli import app

    def routing_threads() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name.startswith("routing-")}

    before = routing_threads()
    path = tmp_path / "none.jsonl"
    path.write_text("{}\n")
    CliRunner().invoke(app, ["replay-contact-lens", str(path)])
    left = routing_threads() - before
    for thread in left:
        thread.join(timeout=5)
    assert not [t.name for t in left if t.is_alive()]
