"""The queue mapping: checked at start; every contact from every channel lands in a queue from its
first event, or stays out of one with the reason stored; IVR choices and stakes move a waiting
contact; escalation marks the source thread escalated and the callback carries it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from kairos.config import Settings
from kairos.demo import DEMO_QUEUE_MAP
from kairos.main import create_app
from kairos.routing.queue_map import Contact, QueueMapError, load_queue_map
from kairos.runtime import Runtime

MAP = """
[[queues]]
name = "travel"
required_skills = ["travel"]
policy = "moments"

[[queues]]
name = "cards"
channel = "call"

[[queues]]
name = "digital"

[[queues]]
name = "calls"
channel = "call"

[[rules]]
match = { stakes = ["travel_disruption"] }
queue = "travel"

[[rules]]
match = { channel = ["call"], ivr = ["lost card"] }
queue = "cards"

[[rules]]
match = { channel = ["call"] }
queue = "calls"

[[rules]]
match = { channel = ["chat", "email", "sms"] }
queue = "digital"

[[rules]]
match = { channel = ["social"] }
unqueued = "public posts are answered in the social team's own tool"
"""


def _write(tmp_path: Path, text: str, name: str = "map.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=migrated_url, queue_map=_write(tmp_path, MAP))


def test_a_channel_without_a_catch_all_is_refused(tmp_path: Path) -> None:
    text = MAP.replace(
        'match = { channel = ["social"] }', 'match = { channel = ["social"], language = ["en"] }'
    )
    with pytest.raises(QueueMapError, match="no catch-all rule for social"):
        load_queue_map(_write(tmp_path, text))


def test_a_rule_needs_exactly_one_outcome(tmp_path: Path) -> None:
    text = MAP.replace('queue = "digital"', 'queue = "digital"\nunqueued = "why"')
    with pytest.raises(QueueMapError, match=r"rules\.3: Value error, give exactly one"):
        load_queue_map(_write(tmp_path, text))


def test_bad_files_are_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(QueueMapError, match="not valid toml"):
        load_queue_map(_write(tmp_path, "[[rules]\n"))
    with pytest.raises(QueueMapError, match="cannot read"):
        load_queue_map(tmp_path / "missing.toml")
    with pytest.raises(QueueMapError, match=r"rules\.0\.match\.channel\.0"):
        load_queue_map(
            _write(
                tmp_path, '{"rules": [{"match": {"channel": ["fax"]}, "queue": "x"}]}', "map.json"
            )
        )


def test_an_unknown_queue_stops_the_start(migrated_url: str, tmp_path: Path) -> None:
    text = MAP.replace('queue = "digital"', 'queue = "nowhere"')
    settings = Settings(database_url=migrated_url, queue_map=_write(tmp_path, text))
    with pytest.raises(QueueMapError, match="sends contacts to nowhere"):
        Runtime.build(settings)


def test_first_match_wins_and_says_which_rule(tmp_path: Path) -> None:
    queue_map = load_queue_map(_write(tmp_path, MAP))
    assert queue_map.place(Contact("call", ivr=("2", "Lost card"))).queue == "cards"
    assert queue_map.place(Contact("call")).note == "queued by rule 3 (channel call)"
    moved = queue_map.place(Contact("sms", stakes=("travel_disruption",)))
    assert (moved.queue, moved.note) == ("travel", "queued by rule 1 (stakes travel_disruption)")
    social = queue_map.place(Contact("social"))
    assert social.queue is None and social.note.startswith("not queued: public posts")


def test_the_demo_mapping_is_valid() -> None:
    queue_map = load_queue_map(DEMO_QUEUE_MAP)
    assert {queue_map.place(Contact(c)).queue for c in ("chat", "email", "sms", "social")} == {
        "chat-general",
        "email-general",
        "sms-general",
        "social-general",
    }


def _queue(client: TestClient, interaction_id: str) -> tuple[str | None, str | None]:
    detail = client.get(f"/v1/interactions/{interaction_id}").json()
    return detail["queue"], detail["queue_note"]


def test_every_channel_lands_in_a_queue_from_its_first_event(client: TestClient) -> None:
    assert {q["name"] for q in client.get("/v1/queues").json()} >= {"travel", "digital", "calls"}
    chat = {
        "conversation_id": "c1",
        "visitor": {"id": "v1"},
        "messages": [{"id": "m1", "role": "visitor", "text": "Hi, my invoice is wrong"}],
    }
    assert client.post("/v1/channels/chat", json=chat).status_code == 200
    assert _queue(client, "chat:c1") == ("digital", "queued by rule 4 (channel chat, email, sms)")
    raw = (
        b"From: Jo <jo@example.com>\r\nTo: help@acme.test\r\nSubject: Refund\r\n"
        b"Message-ID: <m1@example.com>\r\n\r\nWhere is my refund?\r\n"
    )
    email = client.post(
        "/v1/channels/email", content=raw, headers={"Content-Type": "message/rfc822"}
    )
    assert email.status_code == 200, email.text
    email_id = client.get("/v1/interactions", params={"channel": "email"}).json()["items"][0]["id"]
    assert _queue(client, email_id)[0] == "digital"
    form = {"MessageSid": "SM1", "From": "+14155550100", "To": "+18005550199", "Body": "hello"}
    sms = client.post(
        "/v1/channels/sms",
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert sms.status_code == 200, sms.text
    sms_id = client.get("/v1/interactions", params={"channel": "sms"}).json()["items"][0]["id"]
    assert _queue(client, sms_id)[0] == "digital"
    post = {"platform": "x", "post_id": "p1", "handle": "@jo", "text": "Your app is down"}
    assert client.post("/v1/channels/social", json=post).status_code == 200
    queue, note = _queue(client, "social:x:p1")
    assert queue is None and note is not None and "social team's own tool" in note
    listed = client.get("/v1/interactions", params={"channel": "social"}).json()["items"][0]
    assert listed["queue_note"] == note  # the wallboard's data says why


def test_stakes_move_a_waiting_contact_and_an_ivr_choice_too(client: TestClient) -> None:
    start = {
        "type": "interaction.started",
        "event_id": "s1",
        "interaction_id": "chat-9",
        "occurred_at": "2026-11-23T10:00:00+00:00",
        "channel": "chat",
    }
    assert client.post("/v1/events", json=start).status_code == 200
    assert _queue(client, "chat-9")[0] == "digital"
    said = {
        "type": "utterance",
        "event_id": "u1",
        "interaction_id": "chat-9",
        "occurred_at": "2026-11-23T10:00:05+00:00",
        "speaker": "customer",
        "text": "My flight was cancelled and I am stranded at the airport, I need to get rebooked",
    }
    assert client.post("/v1/events", json=said).status_code == 200
    assert _queue(client, "chat-9")[0] == "travel"
    call = {**start, "event_id": "s2", "interaction_id": "call-1", "channel": "call"}
    chose = {
        "type": "ivr.selection",
        "event_id": "v1",
        "interaction_id": "call-1",
        "occurred_at": "2026-11-23T10:00:02+00:00",
        "menu": "main",
        "option": "2",
        "label": "Lost card",
    }
    assert client.post("/v1/events", json=[call]).status_code == 200
    assert _queue(client, "call-1")[0] == "calls"
    assert client.post("/v1/events", json=[chose]).status_code == 200
    assert _queue(client, "call-1") == ("cards", "queued by rule 2 (channel call; ivr lost card)")


def test_a_queue_named_by_an_event_is_kept(client: TestClient) -> None:
    start = {
        "type": "interaction.started",
        "event_id": "s1",
        "interaction_id": "chat-5",
        "occurred_at": "2026-11-23T10:00:00+00:00",
        "channel": "chat",
        "queue": "vip",
    }
    assert client.post("/v1/events", json=start).status_code == 200
    assert _queue(client, "chat-5") == ("vip", None)


def test_without_a_mapping_nothing_changes(migrated_url: str) -> None:
    app = create_app(Settings(database_url=migrated_url))
    with TestClient(app) as client:
        start = {
            "type": "interaction.started",
            "event_id": "s1",
            "interaction_id": "chat-1",
            "occurred_at": "2026-11-23T10:00:00+00:00",
            "channel": "chat",
        }
        assert client.post("/v1/events", json=start).status_code == 200
        assert _queue(client, "chat-1") == (None, None)
