"""The supervisor's morning list of missed moments and the agents' scorecards, as a page."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.web.floor import login
from tests.web.support import _lost_moment


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
