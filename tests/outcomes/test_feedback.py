"""Survey → theme → action → "you said, we did", end to end through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.factories import T0, at
from tests.outcomes.conftest import post_events
from tests.outcomes.support import BAGS, _contact

from kairos.outcomes.report import render
from kairos.outcomes.stored import report_data
from kairos.runtime import Runtime

WIFI = [
    "The wifi on board never works, paid for wifi and got nothing",
    "Onboard wifi was broken for the whole flight",
    "wifi did not work on board, want the wifi fee back",
]


def test_survey_by_api_and_link_is_scored_and_validated(client: TestClient) -> None:
    _contact(client, "f1", "+14155550301")
    answer = client.post("/v1/interactions/f1/survey",
                         json={"csat": 2, "nps": 3, "text": BAGS[0]})  # fmt: skip
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["source"], body["csat"], body["nps"]) == ("api", 2, 3)
    assert body["score"]["sentiment"] < 0 and 0 <= body["score"]["mot_score"] <= 1
    assert body["score"]["model_version"]
    # It entered the interaction's event log as a survey.response, and the review saw the CSAT.
    detail = client.get("/v1/interactions/f1").json()
    assert [e["type"] for e in detail["timeline"]][-1] == "survey.response"
    review = client.get("/v1/interactions/f1/review").json()
    assert review["csat"] == 2 and review["ended_well"] is False
    # The same answer again is acknowledged, not stored twice.
    again = client.post("/v1/interactions/f1/survey",
                        json={"csat": 2, "nps": 3, "text": BAGS[0]})  # fmt: skip
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    assert len(client.get("/v1/interactions/f1/surveys").json()) == 1

    assert client.post("/v1/interactions/f1/survey", json={}).status_code == 422
    assert client.post("/v1/interactions/f1/survey", json={"csat": 6}).status_code == 422
    assert client.post("/v1/interactions/f1/survey", json={"nps": -1}).status_code == 422
    # true is not a score of 1 (the worst CSAT), nor false an NPS of 0.
    for wrong in ({"csat": True}, {"nps": False}):
        refused = client.post("/v1/interactions/f1/survey", json=wrong)
        assert refused.status_code == 422, wrong
        assert [e["field"] for e in refused.json()["errors"]] == [f"body.{next(iter(wrong))}"]
    as_event = {"type": "survey.response", "event_id": "f1-s-true", "interaction_id": "f1",
                "occurred_at": "2026-11-22T14:20:00Z", "csat": True}  # fmt: skip
    assert client.post("/v1/events", json=as_event).status_code == 422
    assert len(client.get("/v1/interactions/f1/surveys").json()) == 1
    assert client.post("/v1/interactions/nope/survey", json={"csat": 4}).status_code == 404

    link = client.get("/v1/interactions/f1/survey-link").json()
    assert link["url"].endswith(f"/v1/surveys/{link['token']}")
    page = client.get(f"/v1/surveys/{link['token']}")
    assert page.status_code == 200 and "How did we do?" in page.text
    by_link = client.post(f"/v1/surveys/{link['token']}", json={"csat": 4})
    assert by_link.status_code == 201 and by_link.json()["source"] == "link"
    forged = link["token"].rsplit(".", 1)[0] + ".0000"
    assert client.get(f"/v1/surveys/{forged}").status_code == 404
    assert client.post("/v1/surveys/garbage", json={"csat": 4}).status_code == 404


def test_survey_event_from_the_platform_is_stored(client: TestClient) -> None:
    _contact(client, "f2", "+14155550302")
    post_events(client, [{"type": "survey.response", "event_id": "f2-survey",
                          "interaction_id": "f2", "occurred_at": at(900), "csat": 5,
                          "text": "Lovely agent, thank you"}])  # fmt: skip
    surveys = client.get("/v1/interactions/f2/surveys").json()
    assert [(s["source"], s["csat"]) for s in surveys] == [("event", 5)]
    assert client.get("/v1/interactions/f2/review").json()["csat"] == 5


def test_themes_actions_and_you_said_we_did(client: TestClient, runtime: Runtime) -> None:
    for n, text in enumerate(BAGS + WIFI):
        iid = f"t{n}"
        _contact(client, iid, f"+1415555040{n}")
        assert client.post(f"/v1/interactions/{iid}/survey",
                           json={"csat": 2, "text": text}).status_code == 201  # fmt: skip
    # A second answer from the first bag customer: told once, not twice.
    client.post("/v1/interactions/t0/survey", json={"text": "still no sign of my lost bag"})

    themes = client.post("/v1/feedback/themes/rebuild").json()["items"]
    assert len(themes) >= 2
    bag = next(t for t in themes if any(k in ("bag", "baggage", "lost") for k in t["keywords"]))
    wifi = next(t for t in themes if "wifi" in t["keywords"])
    assert bag["id"] != wifi["id"] and bag["size"] == 4 and wifi["size"] == 3
    assert bag["negative_share"] is not None and bag["negative_share"] > 0.5
    # Rebuilding again keeps the themes (actions stay attached).
    assert {t["id"] for t in client.post("/v1/feedback/themes/rebuild").json()["items"]} == {
        t["id"] for t in themes
    }
    # New feedback like an existing theme joins it when it arrives.
    _contact(client, "t9", "+14155550499")
    late = client.post("/v1/interactions/t9/survey", json={"text": "wifi on board broken again"})
    assert late.json()["theme_id"] == wifi["id"]

    bad = client.post("/v1/feedback/actions", json={"theme_id": 999, "title": "x", "owner": "y"})
    assert bad.status_code == 404
    assert client.post("/v1/feedback/actions", json={"theme_id": bag["id"]}).status_code == 422
    action = client.post("/v1/feedback/actions", json={
        "theme_id": bag["id"], "title": "Bag tracking by text message at every airport",
        "owner": "ground-ops"})  # fmt: skip
    assert action.status_code == 201 and action.json()["status"] == "open"
    aid = action.json()["id"]
    assert client.patch(f"/v1/feedback/actions/{aid}", json={"status": "done"}).status_code == 422
    assert client.patch("/v1/feedback/actions/999", json={"status": "shipped"}).status_code == 404
    progress = client.patch(f"/v1/feedback/actions/{aid}", json={"status": "in_progress"})
    assert progress.json()["customers_told"] == 0

    shipped = client.patch(f"/v1/feedback/actions/{aid}", json={"status": "shipped"}).json()
    assert shipped["status"] == "shipped" and shipped["shipped_at"]
    assert shipped["customers_told"] == 3  # three customers raised it; one twice
    told = client.get("/v1/outreach/tasks", params={"kind": "you_said"}).json()
    assert told["total"] == 3
    assert all(t["action_id"] == aid and "We did: Bag tracking" in t["message"]
               for t in told["items"])  # fmt: skip
    # Shipping again tells nobody twice.
    again = client.patch(f"/v1/feedback/actions/{aid}", json={"status": "shipped"}).json()
    assert again["customers_told"] == 3
    listed = client.get("/v1/feedback/themes").json()["items"]
    assert next(t for t in listed if t["id"] == bag["id"])["actions"][0]["customers_told"] == 3

    # The report counts it.
    from datetime import timedelta

    with runtime.db.session() as session:
        data = report_data(session=session, since=T0 - timedelta(days=1),
                           until=T0 + timedelta(days=30))  # fmt: skip
    html = render(data)
    assert 'customers told "you said, we did": 3' in html
    assert "Bag tracking by text message" in html


def test_two_records_of_one_person_merged_get_one_you_said_we_did(client: TestClient) -> None:
    for n, text in enumerate(BAGS + WIFI):
        _contact(client, f"t{n}", f"+1415555040{n}")
        client.post(f"/v1/interactions/t{n}/survey", json={"csat": 2, "text": text})
    themes = client.post("/v1/feedback/themes/rebuild").json()["items"]
    bag = next(t for t in themes if any(k in ("bag", "baggage", "lost") for k in t["keywords"]))
    action = client.post("/v1/feedback/actions", json={
        "theme_id": bag["id"], "title": "Bag tracking", "owner": "ground-ops"}).json()  # fmt: skip
    client.patch(f"/v1/feedback/actions/{action['id']}", json={"status": "shipped"})
    # t0 and t1 were one person all along: merged, they are told once.
    kept, other = (client.get(f"/v1/interactions/t{n}").json()["customer_id"] for n in (0, 1))
    merged = client.post(f"/v1/customers/{kept}/merge", json={"from_customer_id": other})
    assert merged.status_code == 200, merged.text
    told = client.get("/v1/outreach/tasks", params={"kind": "you_said"}).json()["items"]
    theirs = [(t["status"], t["result"]) for t in told if t["customer_id"] == kept]
    assert sorted(theirs, key=str) == sorted([("queued", None), ("done", "merged")], key=str)
    assert other not in {t["customer_id"] for t in told}
