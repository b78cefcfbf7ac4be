"""The review of each ended interaction, the morning list of missed moments and scorecards."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.factories import T0, at, ended, started, utterance
from tests.outcomes.conftest import Recorder, post_events

from kairos.runtime import Runtime

MOT = (
    "My flight just got cancelled and I have to be at my daughter's recital by 7 tonight, "
    "this is a disaster, please help me"
)
WINDOW = {"since": at(-3600), "until": at(86_400)}


def _agent(client: TestClient, agent_id: str, *, certified: bool) -> None:
    body = {"external_id": agent_id, "name": agent_id.title(), "skills": {"travel": 3},
            "channels": ["call"], "state": "available", "mot_certified": certified}  # fmt: skip
    assert client.post("/v1/agents", json=body).status_code == 201


def test_every_ended_interaction_is_reviewed_with_behaviours_and_evidence(
    client: TestClient, recorder: Recorder
) -> None:
    post_events(client, [
        started("r1", queue="travel"),
        utterance("r1", MOT, seconds=5, event_id="r1-c1"),
        utterance("r1", "Can I have your booking reference please?", speaker="agent", seconds=20),
        utterance("r1", "My booking reference is ABC123", seconds=30, event_id="r1-c2"),
        utterance("r1", "What is your booking reference?", speaker="agent", seconds=40,
                  event_id="r1-a2"),
        utterance("r1", "That's not our problem, there's nothing we can do.", speaker="agent",
                  seconds=50, event_id="r1-a3"),
        utterance("r1", "This is ridiculous. I'm done with you people.", seconds=60),
        ended("r1", resolved=False),
    ])  # fmt: skip
    review = client.get("/v1/interactions/r1/review")
    assert review.status_code == 200, review.text
    r = review.json()
    assert r["mot_live"] and r["mot_hindsight"] and r["live_score"] >= 0.5
    assert r["status"] == "missed" and r["missed"] and r["handled_as_routine"]
    assert r["resolved"] is False and r["ended_well"] is False
    assert r["sentiment_end"] < r["sentiment_start"] and r["recovery"] < 0
    kinds = {b["kind"] for b in r["behaviours"]}
    assert {"reask", "premature_close"} <= kinds and kinds & {"blame", "deflection"}
    spans = [b for b in r["behaviours"] if b["event_id"] == "r1-a3"]
    assert all(b["text"] and b["end"] > b["start"] for b in spans)
    assert r["reask_count"] >= 1
    assert "travel_disruption" in r["stakes"]
    assert any(e.get("event_id") == "r1-c1" and e.get("text") for e in r["evidence"])
    reviewed = recorder.of("outcomes", "interaction.reviewed")
    assert [m["interaction_id"] for m in reviewed] == ["r1"]

    # Not ended: no review yet, and a clear 404; unknown: 404; re-review of an open one: 409.
    post_events(client, [started("r2", phone="+14155550199")])
    assert client.get("/v1/interactions/r2/review").status_code == 404
    assert client.post("/v1/interactions/r2/review").status_code == 409
    assert client.get("/v1/interactions/nope/review").status_code == 404


def test_a_moment_routed_as_one_and_won_is_not_on_the_morning_list(
    client: TestClient, runtime: Runtime
) -> None:
    client.post("/v1/queues", json={"name": "travel", "channel": "call", "policy": "moments",
                                    "required_skills": ["travel"]})  # fmt: skip
    _agent(client, "ana", certified=True)
    post_events(client, [started("win", queue="travel"), utterance("win", MOT, seconds=5)])
    decision = client.post("/v1/agents/ana/next").json()["decision"]
    assert decision["interaction_id"] == "win" and decision["moment_of_truth"]
    post_events(client, [
        utterance("win", "I'm so sorry. Leave it with me: I've rebooked you on the 3pm flight, "
                  "you'll land by 5.", speaker="agent", seconds=60),
        utterance("win", "Thank you so much, that helps!", seconds=90),
        ended("win"),
    ])  # fmt: skip
    wrap = {"resolved": True, "confirmed_by_customer": True, "agent_id": "ana"}
    client.post("/v1/interactions/win/wrap-up", json=wrap)
    r = client.get("/v1/interactions/win/review").json()
    assert (r["status"], r["missed"], r["handled_as_routine"]) == ("won", False, False)
    assert r["confirmed_by_customer"] is True and r["recovery"] > 0
    assert {"empathy", "ownership"} <= {b["kind"] for b in r["behaviours"]}
    assert client.get("/v1/outcomes/missed", params=WINDOW).json()["total"] == 0


def test_morning_list_orders_by_customer_value_with_transcript_spans(
    client: TestClient, runtime: Runtime
) -> None:
    from kairos.customers.models import Customer

    for n, phone in enumerate(("+14155550101", "+14155550102")):
        iid = f"m{n}"
        post_events(client, [
            started(iid, queue="travel", phone=phone),
            utterance(iid, MOT, seconds=5, event_id=f"{iid}-c1"),
            utterance(iid, "You'll have to call the airline.", speaker="agent", seconds=30,
                      event_id=f"{iid}-a1"),
            ended(iid, resolved=False),
        ])  # fmt: skip
    with runtime.db.session() as session:
        from sqlalchemy import select

        from kairos.interactions.models import Interaction

        second = session.scalar(select(Interaction).where(Interaction.external_id == "m1"))
        assert second is not None and second.customer_id is not None
        customer = session.get(Customer, second.customer_id)
        assert customer is not None
        customer.value = 0.95
        session.commit()
    # The customer's value is read when the review runs: review again now.
    assert client.post("/v1/interactions/m1/review").status_code == 200

    listed = client.get("/v1/outcomes/missed", params=WINDOW).json()
    assert listed["total"] == 2
    first = listed["items"][0]
    assert first["review"]["interaction_id"] == "m1" and first["review"]["customer_value"] == 0.95
    assert any("not resolved" in w for w in first["why"])
    # What should have happened: the playbook for its stakes (seeded by the assist migration).
    assert any(w.startswith("playbook that applied: ") for w in first["why"])
    spans = {s["event_id"]: s for s in first["transcript"]}
    assert "m1-c1" in spans and spans["m1-c1"]["speaker"] == "customer"
    assert any(m["kind"] == "stakes" for m in spans["m1-c1"]["marks"])
    assert any(m["kind"] == "deflection" for m in spans["m1-a1"]["marks"])
    # Outside the window: nothing; a bad time: 422.
    assert client.get("/v1/outcomes/missed",
                      params={"since": "2020-01-01T00:00:00Z", "until": "2020-01-02T00:00:00Z"}
                      ).json()["total"] == 0  # fmt: skip
    assert client.get("/v1/outcomes/missed", params={"since": "2026-11-22"}).status_code == 422


def test_scorecards_put_moments_won_first_and_handle_time_apart(client: TestClient) -> None:
    client.post("/v1/queues", json={"name": "travel", "channel": "call", "policy": "moments"})
    for iid, agent, phone, good in (("s1", "ana", "+14155550201", True),
                                    ("s2", "ben", "+14155550202", False),
                                    ("s3", "ben", "+14155550203", None)):  # fmt: skip
        text = MOT if good is not None else "What time do you open tomorrow?"
        events = [started(iid, queue="travel", phone=phone), utterance(iid, text, seconds=5)]
        if good:
            events.append(utterance(iid, "I'm so sorry, leave it with me, I've rebooked you.",
                                    speaker="agent", seconds=30))  # fmt: skip
            events.append(utterance(iid, "Thank you so much!", seconds=40))
        elif good is False:
            events.append(utterance(iid, "There's nothing we can do.", speaker="agent",
                                    seconds=30))  # fmt: skip
        else:
            events.append(utterance(iid, "We open at 8.", speaker="agent", seconds=30))
        events.append(ended(iid, resolved=bool(good) or good is None))
        post_events(client, events)
        client.post(f"/v1/interactions/{iid}/wrap-up",
                    json={"resolved": bool(good) or good is None, "confirmed_by_customer": False,
                          "agent_id": agent})  # fmt: skip
    cards = client.get("/v1/outcomes/agents", params=WINDOW).json()["items"]
    assert [c["agent_id"] for c in cards] == ["ana", "ben"]
    ana, ben = cards
    assert (ana["moments_won"], ana["moments_handled"], ana["win_rate"]) == (1, 1, 1.0)
    assert ana["empathy"] >= 1 and ana["ownership"] >= 1
    assert (ben["moments_won"], ben["moments_missed"], ben["contacts"]) == (0, 1, 2)
    assert ben["resolution_rate"] == 0.5 and ben["premature_close"] >= 1
    # Handle time of moments of truth is reported apart from routine handle time.
    assert ben["mot_handle_seconds"] == 600.0 and ben["routine_handle_seconds"] == 600.0
    assert ana["routine_handle_seconds"] is None


def test_recontact_on_the_same_issue_turns_a_won_moment_into_a_missed_one(
    client: TestClient,
) -> None:
    post_events(client, [
        started("first", queue="travel", reason="flight cancelled"),
        utterance("first", MOT, seconds=5),
        utterance("first", "All sorted, you're set.", speaker="agent", seconds=30),
        utterance("first", "Thanks!", seconds=40),
        ended("first"),
    ])  # fmt: skip
    assert client.get("/v1/interactions/first/review").json()["status"] == "won"
    later = {**started("second", queue="travel", reason="flight cancelled"),
             "occurred_at": (T0.replace(day=T0.day + 1)).isoformat()}  # fmt: skip
    post_events(client, [later])
    r = client.get("/v1/interactions/first/review").json()
    assert r["recontact"] and r["recontact_interaction_id"] == "second"
    assert r["status"] == "missed" and r["ended_well"] is False
