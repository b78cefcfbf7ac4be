"""A busy floor: the wallboard lists the most urgent moments of truth and alerts and says how
many there are, never a capped count as if it were the whole."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from tests.web.floor import chat_events, login

from kairos.web import board


def test_capped_lists_say_how_many_they_show_of_how_many(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(board, "SHOWN", 2)  # the same cap as on a floor of hundreds, sooner
    for n in range(3):
        assert client.post("/v1/events", json=chat_events(f"busy-{n}")).status_code == 200
    login(client, "sue")
    panels = client.get("/wallboard/panels").json()["panels"]
    moments = panels["panel-moments"]
    assert len(re.findall(r'<tr data-interaction="busy-\d"', moments)) == 2
    assert "(2 shown of 3, highest score first)" in moments
    # Each waiting moment raises an alert; the header counts them all, the list shows two.
    alerts = panels["panel-alerts"]
    assert alerts.count("a moment of truth is waiting") == 2
    assert "(2 shown of 3, most severe first)" in alerts


def test_a_list_under_the_cap_gives_its_plain_count(client: TestClient) -> None:
    assert client.post("/v1/events", json=chat_events("calm-1")).status_code == 200
    login(client, "sue")
    panels = client.get("/wallboard/panels").json()["panels"]
    assert 'Moments of truth in progress <span class="small">(1)</span>' in panels["panel-moments"]
    assert "shown of" not in panels["panel-moments"] + panels["panel-alerts"]


ANGRY = (
    "The person I spoke to yesterday was incredibly rude and hung up on me. "
    "I want to close my account today."
)


def test_a_moment_without_stakes_shows_the_cue_that_made_it_one(client: TestClient) -> None:
    events = chat_events("angry", text=ANGRY)
    events[0]["reason"] = "complaint"
    assert client.post("/v1/events", json=events).status_code == 200
    detail = client.get("/v1/interactions/angry").json()
    assessment = detail["assessment"]
    assert detail["mot_score"] >= 0.5 and assessment["stakes"] == [], detail["mot_score"]
    login(client, "sue")
    row = client.get("/wallboard/panels").json()["panels"]["panel-moments"]
    row = row[row.index('<tr data-interaction="angry"') :]
    row = row[: row.index("</tr>")]
    cues = [c["text"] for c in assessment["reasons"] if c["kind"] not in ("agent", "model")]
    assert any(f"“{text}”" in row for text in cues), (cues, row)


def test_a_queue_with_waiting_contacts_and_no_agent_to_take_them_says_so(
    client: TestClient,
) -> None:
    for agent in ("agent-ava", "agent-ben"):
        response = client.post(f"/v1/agents/{agent}/state", json={"state": "away"})
        assert response.status_code == 200, response.text
    assert client.post("/v1/events", json=chat_events("stranded")).status_code == 200
    login(client, "sue")
    queues = client.get("/wallboard/panels").json()["panels"]["panel-queues"]
    row = queues[queues.index('<th scope="row">travel</th>') :]
    row = row[: row.index("</tr>")]
    assert "NO AGENT" in row, row  # every agent who could take it is away
    assert client.post("/v1/agents/agent-ava/state", json={"state": "busy"}).status_code == 200
    queues = client.get("/wallboard/panels").json()["panels"]["panel-queues"]
    row = queues[queues.index('<th scope="row">travel</th>') :]
    row = row[: row.index("</tr>")]
    assert "NO AGENT" not in row and re.search(r"<td[^>]*>1</td>", row), row  # Ava, signed in


def test_waits_read_in_minutes_and_hours_not_thousands_of_seconds(client: TestClient) -> None:
    assert client.post("/v1/events", json=chat_events("long-wait")).status_code == 200  # days ago
    login(client, "sue")
    panels = client.get("/wallboard/panels").json()["panels"]
    row = panels["panel-queues"]
    row = row[row.index('<th scope="row">travel</th>') :]
    row = row[: row.index("</tr>")]
    assert re.search(r"<td[^>]*>\d+ h( \d+ min)?</td>", row), row
    assert not re.search(r"\d{4,} s", panels["panel-queues"] + panels["panel-figures"])
