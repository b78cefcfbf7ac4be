"""The airline thread reader, the event builders, and replaying threads through the API."""

from __future__ import annotations

import bz2
import csv
import socket
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.servers import free_port

from kairos.config import Settings
from kairos.demo import run_demo
from kairos.events import InteractionEnded, InteractionStarted, IvrInput, IvrSelection, Utterance
from kairos.main import create_app
from kairos.replay import (
    TextPool,
    Thread,
    call_events,
    clean_text,
    parse_turns,
    read_threads,
    thread_events,
    threads_path,
)

START = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)

ROWS = [
    {
        "first_tweet_id": "792",
        "tag": "DELAY",
        "source": "airlines.csv:0",
        "first_utterance": "<cust__ __company__ flight __num__ cancelled , i ca n't miss my "
        "daughter 's recital at __num__ tonight ! __cust>",
        "context": "<rep__ __cust__ i 'm so sorry . dm us your conf # and we 'll rebook . "
        "__initials__ __rep> <cust__ __company__ done . __cust> <rep__ __cust__ you 're on "
        "the __num__ pm to __airport_code__ . __initials__ __rep>",
    },
    {
        "first_tweet_id": "801",
        "tag": "UNK",
        "source": "airlines.csv:1",
        "first_utterance": "<cust__ __company__ the `` change flight '' search is broken . __cust>",
        "context": "<rep__ __cust__ our it team is on it . __initials__ __rep>",
    },
    # No turns at all: skipped.
    {
        "first_tweet_id": "900",
        "tag": "UNK",
        "source": "airlines.csv:2",
        "first_utterance": "",
        "context": "",
    },
]


def _write_threads(tmp_path: Path) -> Path:
    path = tmp_path / "airlines_processed.csv.bz2"
    with bz2.open(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ROWS[0]))
        writer.writeheader()
        writer.writerows(ROWS)
    return path


@pytest.fixture
def threads(tmp_path: Path) -> list[Thread]:
    return list(read_threads(_write_threads(tmp_path)))


def test_clean_text_drops_addressee_and_detokenises() -> None:
    assert clean_text("__company__ i ca n't board , gate __num__ . __twitter_tag__") == (
        "i can't board, gate #."
    )


def test_parse_turns_keeps_order_and_speakers() -> None:
    turns = parse_turns("<cust__ a . __cust> <rep__ b . __rep> <cust__ __cust>")
    assert [(t.speaker, t.text) for t in turns] == [("customer", "a."), ("agent", "b.")]


def test_read_threads_puts_first_utterance_first(threads: list[Thread]) -> None:
    assert [t.thread_id for t in threads] == ["792", "801"]
    first = threads[0]
    assert [t.speaker for t in first.turns] == ["customer", "agent", "customer", "agent"]
    assert first.turns[0].text.startswith("flight # cancelled, i can't miss my daughter's")
    assert first.reason == "flight delay"
    assert threads[1].reason is None


def test_read_threads_limit(tmp_path: Path) -> None:
    assert len(list(read_threads(_write_threads(tmp_path), limit=1))) == 1


def test_thread_events_shape(threads: list[Thread]) -> None:
    events = thread_events(threads[0], start=START)
    assert isinstance(events[0], InteractionStarted)
    assert events[0].channel == "social"
    assert events[0].identities[0].kind == "social"
    assert events[0].reason == "flight delay"
    assert isinstance(events[-1], InteractionEnded)
    utterances = [e for e in events if isinstance(e, Utterance)]
    assert [u.text for u in utterances] == [t.text for t in threads[0].turns]
    times = [e.occurred_at for e in events]
    assert times == sorted(times) and times[-1] > times[0]
    assert len({e.event_id for e in events}) == len(events)


def test_thread_events_are_deterministic(threads: list[Thread]) -> None:
    once = thread_events(threads[0], start=START)
    again = thread_events(threads[0], start=START)
    assert [e.model_dump() for e in once] == [e.model_dump() for e in again]
    other_run = thread_events(threads[0], start=START, run_id="r2")
    assert {e.event_id for e in once}.isdisjoint(e.event_id for e in other_run)
    # The customer is the same person in every run.
    assert isinstance(other_run[0], InteractionStarted) and isinstance(once[0], InteractionStarted)
    assert other_run[0].identities == once[0].identities


def test_call_events_mix(threads: list[Thread]) -> None:
    pool = TextPool.from_threads(threads)
    events = call_events(7, pool, start=START, seed=1)
    assert isinstance(events[0], InteractionStarted) and events[0].channel == "call"
    assert events[0].identities[0].kind == "phone"
    assert isinstance(events[1], IvrSelection) and isinstance(events[2], IvrInput)
    assert isinstance(events[-1], InteractionEnded)
    utterances = [e for e in events if isinstance(e, Utterance)]
    assert 10 <= len(utterances) <= 40
    texts = set(pool.customer) | set(pool.agent)
    assert all(u.text in texts for u in utterances)
    assert [e.event_id for e in call_events(7, pool, start=START, seed=1)] == [
        e.event_id for e in events
    ]


def test_real_threads_file() -> None:
    path = threads_path()
    if path is None:
        pytest.skip("the shared airline threads are absent")
    threads = list(read_threads(path, limit=200))
    assert len(threads) == 200
    assert all(t.turns[0].speaker == "customer" for t in threads)
    assert any(len(t.turns) > 2 for t in threads)
    assert not any("__" in turn.text for t in threads for turn in t.turns)


def test_replay_through_api(tmp_path: Path, threads: list[Thread]) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'replay.db'}")
    bodies = [e.model_dump(mode="json") for t in threads for e in thread_events(t, start=START)]
    with TestClient(create_app(settings, migrate=True)) as client:
        first = client.post("/v1/events", json={"events": bodies})
        assert first.status_code == 200, first.text
        assert first.json()["applied"] == len(bodies)
        again = client.post("/v1/events", json=bodies)
        assert again.status_code == 200
        assert again.json()["applied"] == 0 and again.json()["duplicates"] == len(bodies)
        listing = client.get("/v1/interactions").json()
        assert listing["total"] == 2
        by_id = {item["id"]: item for item in listing["items"]}
        assert by_id["tw-792"]["channel"] == "social"
        assert by_id["tw-792"]["state"] == "ended"
        assert by_id["tw-792"]["event_count"] == len(threads[0].turns) + 2
        detail = client.get("/v1/interactions/tw-792").json()
        said = [e["body"]["text"] for e in detail["timeline"] if e["type"] == "utterance"]
        assert said == [t.text for t in threads[0].turns]


def test_demo_refuses_a_taken_port(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = int(holder.getsockname()[1])
        with pytest.raises(SystemExit) as exited:
            run_demo(host="127.0.0.1", port=port, pace=1, max_threads=1, database=tmp_path / "d.db")
    assert exited.value.code == 2
    assert "is taken" in capsys.readouterr().out
    assert not (tmp_path / "d.db").exists()


def test_demo_replays_threads_into_its_server(tmp_path: Path) -> None:
    if threads_path() is None:
        pytest.skip("the shared airline threads are absent")
    database = tmp_path / "demo.db"
    run_demo(
        host="127.0.0.1", port=free_port(), pace=200, max_threads=3, database=database,
        run_id="t", traffic="replay",
    )  # fmt: skip
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT external_id, state FROM interactions").fetchall()
    assert len(rows) == 3
    assert all(external_id.startswith("tw-t-") and state == "ended" for external_id, state in rows)
