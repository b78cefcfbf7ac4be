"""The supervisor's morning list of missed moments and the agents' scorecards, as a page."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient
from tests.web.floor import login


def _lost_moment(interaction_id: str, agent: str) -> list[dict[str, Any]]:
    # Half an hour ago, but today (UTC, the pages' day here): a run just after midnight put
    # the moment on yesterday's page, and today's showed none.
    now = datetime.now(UTC)
    span = min(timedelta(minutes=30), 0.9 * (now - datetime.combine(now.date(), time(0), UTC)))
    start, step = now - span, min(timedelta(seconds=30), span / 5)

    def event(kind: str, n: int, **body: Any) -> dict[str, Any]:
        return {
            "type": kind,
            "event_id": f"{interaction_id}-{n}",
            "interaction_id": interaction_id,
            "occurred_at": (start + step * n).isoformat(),
            **body,
        }

    return [
        event("interaction.started", 0, channel="chat", queue="travel", reason="flight cancelled"),
        event(
            "utterance",
            1,
            speaker="customer",
            text="My flight was cancelled and my daughter's recital is at 7 tonight, "
            "I am desperate, please help me",
        ),
        event(
            "utterance",
            2,
            speaker="agent",
            text="That's not my department, you'll have to call the airline.",
        ),
        event("utterance", 3, speaker="customer", text="This is useless. I'm done with you."),
        event("interaction.ended", 4, outcome={"resolved": False}),
    ]


def test_the_supervisor_sees_a_lost_moment_with_its_evidence_and_the_scorecards(
    client: TestClient,
) -> None:
    response = client.post("/v1/events", json=_lost_moment("chat-lost", "agent-ava"))
    assert response.status_code == 200, response.text
    review = client.get("/v1/interactions/chat-lost/review").json()
    assert review["status"] in ("lost", "missed")

    login(client, "sue")
    page = client.get("/wallboard/missed")
    assert page.status_code == 200
    assert 'href="/interactions/chat-lost"' in page.text
    assert review["status"].upper() in page.text
    # A loss is red, a miss amber, never the green of a win.
    colour = "tag-high" if review["status"] == "lost" else "tag-mid"
    assert f'class="tag {colour}" data-testid="status">{review["status"].upper()}<' in page.text
    assert "travel disruption" in page.text
    assert "not my department" in page.text  # the evidence in the transcript
    # The contact's written summary sits in the review, each line linked to its turn.
    assert 'data-testid="summary"' in page.text and 'href="/interactions/chat-lost#' in page.text
    assert "Agents&#39; scorecards" in page.text or "Agents' scorecards" in page.text
    assert 'href="/wallboard/missed"' in page.text  # in the supervisor's navigation


def test_an_agent_cannot_open_the_missed_moments(client: TestClient) -> None:
    login(client, "ava")
    response = client.get("/wallboard/missed", follow_redirects=False)
    assert response.status_code in (303, 403)


def _taken_and_lost(client: TestClient, interaction_id: str, agent: str) -> None:
    events = _lost_moment(interaction_id, agent)
    assert client.post("/v1/events", json=events[:2]).status_code == 200
    taken = client.post(f"/v1/agents/{agent}/next").json()
    assert taken["decision"]["interaction_id"] == interaction_id, taken
    for event in events[2:]:
        if event.get("speaker") == "agent":
            event["agent_id"] = agent
    assert client.post("/v1/events", json=events[2:]).status_code == 200


def test_a_team_supervisors_count_is_of_their_teams_moments(client: TestClient) -> None:
    """Sue supervises the north team (Ava): Ben's lost moment is not hers to review, so it is
    neither listed nor counted; an admin sees and counts both."""
    _taken_and_lost(client, "lost-north", "agent-ava")
    _taken_and_lost(client, "lost-south", "agent-ben")
    login(client, "sue")
    page = client.get("/wallboard/missed").text
    assert 'href="/interactions/lost-north"' in page
    assert 'href="/interactions/lost-south"' not in page
    assert "(1 shown of 1)" in page
    client.post("/logout", data={"csrf_token": login(client, "sue")})
    login(client, "root")
    assert "(2 shown of 2)" in client.get("/wallboard/missed").text
