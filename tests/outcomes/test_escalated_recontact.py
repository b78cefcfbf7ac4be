"""A thread escalated to a call: the call carries the thread on, it is not the customer coming
back about the same issue, so the thread's review never counts it as a recontact."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from tests.factories import ended, started, utterance
from tests.interactions.support import escalate
from tests.outcomes.conftest import enable_rules, post_events, recent

MOT = (
    "You cancelled my flight BA283 and my daughter's recital is tonight at 7pm, this is a "
    "disaster, please help me"
)


def test_the_call_a_thread_was_escalated_to_is_not_its_recontact(client: TestClient) -> None:
    sorry = "I'm so sorry. Leave it with me, a colleague will call you now."
    start = started("esc-r1", channel="chat", queue="travel", reason="flight cancelled")
    said = [utterance("esc-r1", MOT, seconds=5),
            utterance("esc-r1", sorry, speaker="agent", seconds=60)]  # fmt: skip
    post_events(client, recent([start, *said]))
    response = escalate(client, "esc-r1", agent_id="chat-1", note="Call her before 6pm")
    assert response.status_code == 201, response.text
    call_id = response.json()["interaction_id"]
    assert client.get(f"/v1/interactions/{call_id}").json()["reason"] == "flight cancelled"
    # The call sorts it; the thread ends resolved.
    now = datetime.now(UTC).isoformat()
    post_events(client, [{**ended(call_id), "occurred_at": now},
                         {**ended("esc-r1"), "occurred_at": now}])  # fmt: skip
    wrap = {"resolved": True, "confirmed_by_customer": True}
    assert client.post("/v1/interactions/esc-r1/wrap-up", json=wrap).status_code == 200
    review = client.get("/v1/interactions/esc-r1/review").json()
    # Before, the call counted as the customer coming back: the thread's moment was not won.
    assert (review["recontact"], review["recontact_interaction_id"]) == (False, None), review
    assert review["ended_well"] is True


def test_an_outreach_call_is_not_the_customer_coming_back(client: TestClient) -> None:
    enable_rules(client)
    # No queue and no reason named: any later contact of the customer's counts as the same issue.
    churn = (
        "I have been a customer for 12 years and I am cancelling my account, switching to a rival"
    )
    post_events(client, recent([started("oc-1"), utterance("oc-1", churn),
                                utterance("oc-1", "Your account is closed.", speaker="agent"),
                                ended("oc-1")]))  # fmt: skip
    tasks = client.get("/v1/outreach/tasks", params={"kind": "check_in"}).json()["items"]
    assert [t["source_interaction_id"] for t in tasks] == ["oc-1"]
    # A survey reviews the contact again, after Kairos started its check-in call.
    assert client.post("/v1/interactions/oc-1/survey", json={"csat": 4}).status_code == 201
    review = client.get("/v1/interactions/oc-1/review").json()
    # Before, the check-in call counted as the customer coming back about the same issue.
    assert (review["recontact"], review["recontact_interaction_id"]) == (False, None), review
