"""The live board's listener drops what cannot move the board, so its thread is not woken for it:
a new score of a contact that does not wait (most are of contacts talking to an agent) is
dropped, unless the board is busy (then it is queued, in case the contact is being put on); a
waiting contact's new score re-prioritises it at once."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.factories import started, utterance

from kairos import migrations
from kairos.config import Settings
from kairos.main import create_app
from kairos.routing.live_board import LiveBoard
from kairos.runtime import Runtime

MOT_TEXT = "My flight was cancelled and I am stranded at the airport, I need to get rebooked now"


@pytest.fixture
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('inbox') / 'k.db'}"
    migrations.upgrade(url)
    runtime = Runtime.build(Settings(database_url=url, rate_limit_per_s=0))
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        body = {"name": "travel", "channel": "call", "required_skills": ["travel"]}
        assert client.post("/v1/queues", json=body).status_code == 201
        events = [started("waits", queue="travel"), started("talks", channel="chat")]
        assert client.post("/v1/events", json=events).status_code == 200
        yield client


def _board(client: TestClient) -> LiveBoard:
    board = client.app.state.runtime.routing_board  # type: ignore[attr-defined]
    assert isinstance(board, LiveBoard)
    board.drain()
    return board


def _say(client: TestClient, interaction_id: str, text: str, n: int) -> None:
    event = utterance(interaction_id, text, event_id=f"{interaction_id}-{n}", seconds=n)
    assert client.post("/v1/events", json=event).status_code == 200


def _settled(board: LiveBoard) -> int:
    time.sleep(0.3)  # the board thread applies what was queued
    board.drain()
    return board.applied


def test_a_score_of_a_contact_not_waiting_does_not_wake_the_board(client: TestClient) -> None:
    board = _board(client)
    assert "waits" in board.waiting and "talks" not in board.waiting
    before = _settled(board)
    _say(client, "talks", MOT_TEXT, 1)
    assert _settled(board) == before  # dropped by the listener: nothing applied


def test_a_waiting_contacts_score_moves_the_board(client: TestClient) -> None:
    board = _board(client)
    snapshot = board.snapshot("waits")
    assert snapshot is not None
    before = _settled(board)
    _say(client, "waits", MOT_TEXT, 1)
    deadline = time.monotonic() + 5
    while (now := board.snapshot("waits")) is not None and now.mot_score == snapshot.mot_score:
        assert time.monotonic() < deadline, "the board did not take the new score"
        time.sleep(0.01)
    assert _settled(board) > before


def test_a_busy_board_queues_the_score_all_the_same(client: TestClient) -> None:
    board = _board(client)
    before = _settled(board)
    with board.lock:  # the board applying, deciding or rebuilding on another thread
        _say(client, "talks", MOT_TEXT, 1)  # published from the ingest's worker thread
    assert _settled(board) > before  # queued and applied: it might have been coming on
