"""A contact sent to a queue the centre does not have is not stranded: the wallboard names it."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient
from tests.factories import at
from tests.web.floor import chat_events, login


def test_a_transfer_to_a_queue_the_centre_lacks_shows_on_the_wallboard(
    client: TestClient,
) -> None:
    assert client.post("/v1/events", json=chat_events("chat-1")).status_code == 200
    transfer = {
        "type": "transfer",
        "event_id": "chat-1-transfer",
        "interaction_id": "chat-1",
        "occurred_at": at(30),
        "to_queue": "travle",  # a typo: the floor has travel and claims
    }
    answer = client.post("/v1/events", json=transfer)
    assert answer.status_code == 200, answer.text  # queues may be created after contacts name them
    login(client, "sue")
    unqueued = client.get("/wallboard/panels").json()["panels"]["panel-queues"]
    assert 'data-interaction="chat-1"' in unqueued
    reason = html.unescape(unqueued)
    assert "'travle'" in reason and "not one of this centre's queues" in reason
    # A contact in a queue the centre has is not listed there.
    assert client.post("/v1/events", json=chat_events("chat-2")).status_code == 200
    panel = client.get("/wallboard/panels").json()["panels"]["panel-queues"]
    assert 'data-interaction="chat-2"' not in panel.split('data-testid="unqueued"')[-1]
