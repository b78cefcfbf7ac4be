"""Flag history: every stored assessment of an interaction with its evidence and model version,
and the supervisor alerts as stored, with who saw them and who acted, closed at the end."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from tests.web.floor import MOT_TEXT, chat_events, csrf_of, login
from tests.web.support import ANGRY, _utterance


def _log(client: TestClient, interaction_id: str, want: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 5
    while True:
        body = client.get(f"/v1/supervision/alerts/log?interaction_id={interaction_id}").json()
        if body["total"] >= want or time.monotonic() > deadline:
            return list(body["items"])
        time.sleep(0.05)


def test_the_assessments_of_an_interaction_with_evidence_and_model_version(
    client: TestClient,
) -> None:
    assert client.post("/v1/events", json=chat_events("hot-1")).status_code == 200
    assert client.post("/v1/events", json=[_utterance("hot-1-u2", ANGRY, 9)]).status_code == 200
    history = client.get("/v1/interactions/hot-1/assessments")
    assert history.status_code == 200, history.text
    body = history.json()
    assert body["interaction_id"] == "hot-1"
    assert body["total"] == len(body["items"]) >= 2
    words = [i for i in body["items"] if i["event_type"] == "utterance"]
    assert [i["event_id"] for i in words] == ["hot-1-u1", "hot-1-u2"]  # oldest first
    for item in words:
        assert item["model_version"] and item["assessment"]["reasons"]  # the evidence
        assert item["mot_score"] == item["assessment"]["mot_score"]
        assert item["occurred_at"].startswith("2026-11-22T14:00")
    assert any("recital" in (r.get("text") or "") for r in words[0]["assessment"]["reasons"])
    page = client.get("/v1/interactions/hot-1/assessments?limit=1&offset=1").json()
    assert page["total"] == body["total"] and page["items"][0] == body["items"][1]
    assert client.get("/v1/interactions/nope/assessments").status_code == 404
    assert client.get("/v1/interactions/hot-1/assessments?limit=0").status_code == 422


def test_alerts_are_stored_with_who_saw_and_acted_and_close_at_the_end(
    client: TestClient,
) -> None:
    assert client.post("/v1/events", json=chat_events("hot-1", MOT_TEXT)).status_code == 200
    taken = client.post("/v1/agents/agent-ava/next").json()
    assert taken["decision"]["interaction_id"] == "hot-1"
    assert client.post("/v1/events", json=[_utterance("hot-1-u2", ANGRY, 9)]).status_code == 200
    log = _log(client, "hot-1", 1)
    assert len(log) >= 1
    alert = log[0]
    assert alert["agent_id"] == "agent-ava" and alert["action"] in ("assist", "take_over")
    assert alert["cleared_at"] is None and alert["seen_by"] is None and alert["reasons"]

    # A supervisor sees it on the wallboard and acts on it there.
    token = login(client, "root")
    board = client.get("/wallboard").text
    assert f'action="/wallboard/alerts/{alert["id"]}/seen"' in board
    client.post(f"/wallboard/alerts/{alert['id']}/seen", data={"csrf_token": token})
    token = csrf_of(client.get("/wallboard").text)
    client.post(
        f"/wallboard/alerts/{alert['id']}/acted", data={"what": "assisting", "csrf_token": token}
    )
    stored = _log(client, "hot-1", 1)[0]
    assert (stored["seen_by"], stored["acted_by"], stored["acted"]) == ("root", "root", "assisting")
    assert stored["seen_at"] <= stored["acted_at"]
    # Through the API, a second person's "seen" keeps the first; a bad id is a 404.
    again = client.post(
        f"/v1/supervision/alerts/log/{alert['id']}/seen", headers={"X-Kairos-User": "sue"}
    )
    assert again.status_code == 200 and again.json()["seen_by"] == "root"
    assert client.post("/v1/supervision/alerts/log/999999/seen").status_code == 404
    bad = client.post(f"/v1/supervision/alerts/log/{alert['id']}/acted", json={"what": ""})
    assert bad.status_code == 422

    end = {
        "type": "interaction.ended",
        "event_id": "hot-1-end",
        "interaction_id": "hot-1",
        "occurred_at": "2026-11-22T14:01:00+00:00",
    }
    assert client.post("/v1/events", json=[end]).status_code == 200
    deadline = time.monotonic() + 5
    while _log(client, "hot-1", 1)[0]["cleared_at"] is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(a["cleared_at"] is not None for a in _log(client, "hot-1", 1))
