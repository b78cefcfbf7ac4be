"""A contact answered more than once: each part of the survey from the latest answer giving it,
and one CSAT per contact in the day's figures, as the review and the report read it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.factories import T0, ended, started, utterance
from tests.outcomes.conftest import post_events

from kairos.outcomes.stored import report_data
from kairos.runtime import Runtime

MOT = (
    "My flight just got cancelled and I have to be at my daughter's recital by 7 tonight, "
    "this is a disaster, please help me"
)


def _won_moment(client: TestClient, iid: str, phone: str) -> None:
    post_events(client, [started(iid, queue="travel", phone=phone),
                         utterance(iid, MOT, seconds=5),
                         utterance(iid, "I'm so sorry. Leave it with me, I've rebooked you on "
                                   "the 3pm flight.", speaker="agent", seconds=60),
                         utterance(iid, "Thank you so much, that helps!", seconds=90),
                         ended(iid)])  # fmt: skip
    wrap = {"resolved": True, "confirmed_by_customer": True}
    assert client.post(f"/v1/interactions/{iid}/wrap-up", json=wrap).status_code == 200
    assert client.get(f"/v1/interactions/{iid}/review").json()["status"] == "won"


def test_a_later_answer_without_a_csat_keeps_the_csat_an_earlier_one_gave(
    client: TestClient,
) -> None:
    _won_moment(client, "sv1", "+14155550401")
    assert client.post("/v1/interactions/sv1/survey", json={"csat": 1}).status_code == 201
    review = client.get("/v1/interactions/sv1/review").json()
    assert (review["csat"], review["ended_well"], review["status"]) == (1, False, "missed")
    # The platform's NPS survey comes later, then a comment: neither says anything of CSAT.
    assert client.post("/v1/interactions/sv1/survey", json={"nps": 3}).status_code == 201
    comment = {"text": "the new flight was fine in the end"}
    assert client.post("/v1/interactions/sv1/survey", json=comment).status_code == 201
    review = client.get("/v1/interactions/sv1/review").json()
    # Before, the latest answer alone was read: CSAT None, and the moment read "won" again.
    assert (review["csat"], review["nps"]) == (1, 3)
    assert (review["ended_well"], review["status"]) == (False, "missed")


def test_a_contact_answered_twice_counts_once_in_the_days_csat(
    client: TestClient, runtime: Runtime
) -> None:
    _won_moment(client, "sv2", "+14155550402")
    post_events(client, [started("sv3", phone="+14155550403"),
                         utterance("sv3", "What are your opening hours?", seconds=5),
                         ended("sv3")])  # fmt: skip
    for body in ({"csat": 2}, {"csat": 5, "text": "sorted after all"}):
        assert client.post("/v1/interactions/sv2/survey", json=body).status_code == 201
    assert client.post("/v1/interactions/sv3/survey", json={"csat": 3}).status_code == 201

    day = client.get("/v1/outcomes/today", params={"day": T0.date().isoformat()}).json()
    # Before, 3 responses averaging 3.33: sv2 counted twice, once with an answer it replaced.
    assert (day["csat_responses"], day["csat_average"]) == (2, 4.0)
    assert client.get("/v1/interactions/sv2/review").json()["csat"] == 5
    with runtime.db.session() as session:
        since = T0.replace(hour=0, minute=0, second=0)
        rows = report_data(session=session, since=since, until=since.replace(day=since.day + 1))
    csat = sorted(r.csat for r in rows.rows if r.csat is not None)
    assert csat == [3, 5]  # the report's CSAT: the same contacts, the same answers
