"""An agent's token (or session) never reads another agent's interaction or customer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.security.conftest import AppFactory, assign, bearer
from tests.web.floor import chat_events, login

#: Everything under an interaction an agent might try to read.
#: (The survey link is no agent's to read at all: tests/security/test_surveys.py.)
SUB_PATHS = ["", "/guidance", "/messages", "/review", "/surveys"]


@pytest.fixture
def floor(secured: TestClient, tokens: dict[str, str]) -> Iterator[TestClient]:
    """i-ava routed to Ava, i-ben to Ben (different customers), i-wait waiting for anyone."""
    assign(secured, tokens, "i-ava", "agent-ava", "+14155550101")
    assign(secured, tokens, "i-ben", "agent-ben", "+14155550202")
    waiting = chat_events("i-wait", queue="claims")
    waiting[0]["identities"] = [{"kind": "phone", "value": "+14155550303"}]
    assert (
        secured.post("/v1/events", json=waiting, headers=bearer(tokens["pbx"])).status_code == 200
    )
    yield secured


@pytest.mark.parametrize("sub", SUB_PATHS)
def test_an_agent_reads_their_own_interaction_and_not_another_agents(
    floor: TestClient, tokens: dict[str, str], sub: str
) -> None:
    ava, ben = bearer(tokens["ava"]), bearer(tokens["ben"])
    assert floor.get(f"/v1/interactions/i-ava{sub}", headers=ava).status_code in (200, 404), sub
    if sub in ("", "/guidance", "/surveys", "/messages"):
        assert floor.get(f"/v1/interactions/i-ava{sub}", headers=ava).status_code == 200
    for other, who in (("i-ben", ava), ("i-ava", ben), ("i-wait", ava)):
        response = floor.get(f"/v1/interactions/{other}{sub}", headers=who)
        assert response.status_code == 404, (other, sub, response.text)
        # The same answer as for an interaction that does not exist: nothing is given away.
        assert response.json() == {"error": "not_found", "message": f"no interaction {other!r}"}


def test_an_agent_cannot_act_on_another_agents_interaction(
    floor: TestClient, tokens: dict[str, str]
) -> None:
    ava = bearer(tokens["ava"])
    escalation = {"phone": "+14155550202"}
    response = floor.post("/v1/interactions/i-ben/escalate", json=escalation, headers=ava)
    assert response.status_code == 404
    review = floor.post("/v1/interactions/i-ava/review", json={}, headers=ava)
    assert review.status_code == 403  # reviews are the supervisors'


def test_lists_hold_only_the_agents_own(floor: TestClient, tokens: dict[str, str]) -> None:
    ava, ben, sue = (bearer(tokens[n]) for n in ("ava", "ben", "sue"))
    mine = floor.get("/v1/interactions", headers=ava).json()
    assert (mine["total"], [i["id"] for i in mine["items"]]) == (1, ["i-ava"])
    assert [i["id"] for i in floor.get("/v1/interactions", headers=ben).json()["items"]] == [
        "i-ben"
    ]
    everyone = floor.get("/v1/interactions", headers=sue).json()
    assert {i["id"] for i in everyone["items"]} == {"i-ava", "i-ben", "i-wait"}
    filtered = floor.get("/v1/interactions?state=ended", headers=ava).json()
    assert filtered["total"] == 0


def test_customers_are_limited_to_those_of_the_agents_interactions(
    floor: TestClient, tokens: dict[str, str]
) -> None:
    ava, root = bearer(tokens["ava"]), bearer(tokens["root"])
    ids = {
        i["id"]: i["customer_id"]
        for i in floor.get("/v1/interactions", headers=root).json()["items"]
    }
    listed = floor.get("/v1/customers", headers=ava).json()
    assert [c["id"] for c in listed["items"]] == [ids["i-ava"]]
    assert floor.get(f"/v1/customers/{ids['i-ava']}", headers=ava).status_code == 200
    for other in (ids["i-ben"], ids["i-wait"], 999_999, 2**63):
        response = floor.get(f"/v1/customers/{other}", headers=ava)
        assert response.status_code == 404, other
    by_identity = floor.get("/v1/customers?identity=phone:+14155550202", headers=ava).json()
    assert by_identity["total"] == 0
    assert floor.get(f"/v1/customers/{ids['i-ben']}", headers=root).status_code == 200


def test_supervisors_and_admins_read_every_interaction(
    floor: TestClient, tokens: dict[str, str]
) -> None:
    for user in ("sue", "root"):
        for interaction in ("i-ava", "i-ben", "i-wait"):
            response = floor.get(f"/v1/interactions/{interaction}", headers=bearer(tokens[user]))
            assert response.status_code == 200, (user, interaction)


def test_an_agents_page_session_is_scoped_like_their_token(
    floor: TestClient, app_client: AppFactory
) -> None:
    login(floor, "ava")
    assert floor.get("/v1/interactions/i-ava").status_code == 200
    assert floor.get("/v1/interactions/i-ben").status_code == 404
    assert [i["id"] for i in floor.get("/v1/interactions").json()["items"]] == ["i-ava"]
    # The pages' own rule agrees.
    assert floor.get("/interactions/i-ben").status_code == 403


def test_a_transferred_interaction_leaves_the_first_agent(
    floor: TestClient, tokens: dict[str, str]
) -> None:
    ava, ben = bearer(tokens["ava"]), bearer(tokens["ben"])
    transfer = {
        "type": "transfer",
        "event_id": "i-ava-transfer",
        "interaction_id": "i-ava",
        "occurred_at": "2026-11-22T14:05:00Z",
        "to_agent": "agent-ben",
        "reason": "needs a rebooking specialist",
    }
    assert floor.get("/v1/interactions/i-ava", headers=ava).status_code == 200
    answer = floor.post("/v1/events", json=transfer, headers=bearer(tokens["pbx"]))
    assert answer.status_code == 200, answer.text
    state = floor.get("/v1/interactions/i-ava", headers=bearer(tokens["sue"])).json()
    assert state["agent_id"] == "agent-ben"
    assert floor.get("/v1/interactions/i-ava", headers=ava).status_code == 404
    assert floor.get("/v1/interactions/i-ava", headers=ben).status_code == 200


def test_an_agent_keeps_the_contact_preference_of_their_customer_only(
    floor: TestClient, tokens: dict[str, str]
) -> None:
    ava, root = bearer(tokens["ava"]), bearer(tokens["root"])
    ids = {
        i["id"]: i["customer_id"]
        for i in floor.get("/v1/interactions", headers=root).json()["items"]
    }
    mine = f"/v1/customers/{ids['i-ava']}/contact-preference"
    changed = floor.put(mine, json={"channels_off": ["sms"], "updated_by": "someone"}, headers=ava)
    assert changed.status_code == 200, changed.text
    assert changed.json()["updated_by"] == "ava"  # the verified caller, never the body's name
    assert floor.get(mine, headers=ava).json()["channels_off"] == ["sms"]
    theirs = f"/v1/customers/{ids['i-ben']}/contact-preference"
    assert floor.get(theirs, headers=ava).status_code == 404
    assert floor.put(theirs, json={"proactive": False}, headers=ava).status_code == 404
    assert floor.get(theirs, headers=root).json()["proactive"] is True


def test_an_agent_gives_verdicts_on_their_own_contacts_and_reads_no_calibration(
    floor: TestClient, tokens: dict[str, str]
) -> None:
    ava, sue = bearer(tokens["ava"]), bearer(tokens["sue"])
    mine = floor.post("/v1/interactions/i-ava/verdicts", json={"verdict": "moment"}, headers=ava)
    assert mine.status_code == 201, mine.text
    assert (mine.json()["given_by"], mine.json()["role"]) == ("ava", "agent")
    other = floor.post("/v1/interactions/i-ben/verdicts", json={"verdict": "moment"}, headers=ava)
    assert other.status_code == 404  # as if it did not exist
    assert floor.get("/v1/outcomes/calibration", headers=ava).status_code == 403
    assert floor.get("/v1/outcomes/verdicts", headers=ava).status_code == 403
    said = floor.post("/v1/interactions/i-ben/verdicts", json={"verdict": "not_moment"},
                      headers=sue)  # fmt: skip
    assert said.status_code == 201 and said.json()["role"] == "supervisor"
    assert floor.get("/v1/outcomes/verdicts", headers=sue).json()["total"] == 2
    assert floor.get("/v1/outcomes/calibration", headers=sue).status_code == 200
    # Each verdict is in the audit log as a change to its interaction, by whom.
    query = {"action": "change", "resource_kind": "interaction", "resource_id": "i-ava"}
    logged = floor.get("/v1/audit", params=query, headers=sue).json()["items"]
    assert any(r["actor"] == "ava" and r["path"].endswith("/verdicts") for r in logged)
