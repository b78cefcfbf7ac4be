"""People's verdicts on the MoT flag: stored with who, when and the score; refused when wrong."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from tests.factories import ended, started, utterance
from tests.outcomes.conftest import post_events, recent

from kairos.db import utcnow
from kairos.outcomes import verdicts
from kairos.routing.models import AlertRecord
from kairos.runtime import Runtime

MOT = (
    "My flight just got cancelled and I have to be at my daughter's recital by 7 tonight, "
    "this is a disaster, please help me"
)
ROUTINE = "Hi, could you tell me what time the shop opens on Saturday?"


def _contact(client: TestClient, interaction_id: str, text: str) -> None:
    post_events(client, recent([started(interaction_id), utterance(interaction_id, text, seconds=5),
                                ended(interaction_id)]))  # fmt: skip


def test_a_verdict_is_stored_with_who_when_and_the_score_the_contact_had(
    client: TestClient,
) -> None:
    _contact(client, "v1", MOT)
    interaction = client.get("/v1/interactions/v1").json()
    score = interaction["assessment"]["mot_score"]
    assert score >= 0.5 and interaction["assessment"]["mot_logit"] is not None
    posted = client.post("/v1/interactions/v1/verdicts", json={"verdict": "not_moment",
                         "note": "a test call"}, headers={"X-Kairos-User": "sam"})  # fmt: skip
    assert posted.status_code == 201, posted.text
    v = posted.json()
    assert v["reading"] == "false_flag" and v["flagged"] and v["mot_score"] == score
    assert v["mot_logit"] == interaction["assessment"]["mot_logit"]
    assert v["given_by"] == "sam" and v["role"] == "api" and v["note"] == "a test call"
    # A second verdict is a new row; the first stays on record.
    again = client.post("/v1/interactions/v1/verdicts", json={"verdict": "moment"})
    assert again.status_code == 201 and again.json()["reading"] == "confirmed"
    listed = client.get("/v1/interactions/v1/verdicts").json()
    assert listed["total"] == 2
    assert [i["verdict"] for i in listed["items"]] == ["moment", "not_moment"]
    _contact(client, "v2", ROUTINE)
    missed = client.post("/v1/interactions/v2/verdicts", json={"verdict": "moment"}).json()
    assert missed["reading"] == "missed" and not missed["flagged"]
    recent_ones = client.get("/v1/outcomes/verdicts", params={"days": 1}).json()
    assert recent_ones["total"] == 3


def test_bad_verdicts_are_refused_and_nothing_is_stored(
    client: TestClient, runtime: Runtime
) -> None:
    _contact(client, "b1", MOT)
    _contact(client, "b2", ROUTINE)
    with runtime.db.session() as session, session.begin():
        alert = AlertRecord(interaction_id="b2", action="assist", severity=0.9, reasons=[])
        session.add(alert)
        session.flush()
        alert_id = alert.id
    bad = [
        ("b1", {"verdict": "maybe"}, 422),
        ("b1", {"verdict": "moment", "score": 1}, 422),
        ("b1", {}, 422),
        ("b1", {"verdict": "moment", "note": "x" * 501}, 422),
        ("b1", {"verdict": "moment", "alert_id": 0}, 422),
        ("nope", {"verdict": "moment"}, 404),
        ("b1", {"verdict": "moment", "alert_id": alert_id + 1000}, 404),
        ("b1", {"verdict": "moment", "alert_id": alert_id}, 409),
    ]
    for interaction_id, body, status in bad:
        response = client.post(f"/v1/interactions/{interaction_id}/verdicts", json=body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"] and response.json()["message"]
    assert client.get("/v1/outcomes/verdicts").json()["total"] == 0
    fine = client.post("/v1/interactions/b2/verdicts", json={"verdict": "not_moment",
                                                             "alert_id": alert_id})  # fmt: skip
    assert fine.status_code == 201 and fine.json()["alert_id"] == alert_id


def test_calibration_counts_verdicts_and_reviews_and_refuses_on_too_few(
    client: TestClient, runtime: Runtime
) -> None:
    for n in range(3):
        _contact(client, f"m{n}", MOT)
        _contact(client, f"r{n}", ROUTINE)
    client.post("/v1/interactions/m0/verdicts", json={"verdict": "moment"})
    client.post("/v1/interactions/m1/verdicts", json={"verdict": "not_moment"})
    client.post("/v1/interactions/r0/verdicts", json={"verdict": "moment"})  # a missed moment
    out = client.get("/v1/outcomes/calibration", params={"days": 1})
    assert out.status_code == 200, out.text
    c = out.json()
    assert c["contacts"] == 6 and c["flagged"] == 3 and c["verdicts"] == 3
    assert c["precision"] == {**c["precision"], "hits": 1, "of": 2, "value": 0.5}
    assert 0.0 < c["precision"]["low"] < 0.5 < c["precision"]["high"] < 1.0
    # Known moments: m0 (flagged) and r0 (missed); r1 and r2 reviewed routine count as not.
    assert c["recall"]["hits"] == 1 and c["recall"]["of"] == 2
    assert c["reviewed_unflagged"] == 3
    assert c["recommended"] is None and c["needed"] > 0 and "needed" in c["refused"]
    assert client.get("/v1/outcomes/calibration", params={"days": 0}).status_code == 422
    # With the minimum lowered the same window gives a recommendation, lower than the set rate
    # (half the reviewed flags were wrong, one unflagged moment in three).
    now = utcnow()
    with runtime.db.session() as session:
        low = verdicts.calibrate(session=session, since=now - timedelta(days=1), until=now,
                                 base_rate=0.05, minimum=1)  # fmt: skip
    assert low.recommended is not None and low.estimated_moments == 2.5


def test_an_agent_gives_verdicts_only_on_their_own_contacts(
    client: TestClient, runtime: Runtime
) -> None:
    import pytest

    from kairos.outcomes.verdict_schemas import VerdictIn

    _contact(client, "own", MOT)
    with runtime.db.session() as session, session.begin():
        from kairos.interactions.models import Interaction

        row = session.query(Interaction).filter_by(external_id="own").one()
        row.agent_id = "agent-ava"
    moment = VerdictIn(verdict="moment")
    with pytest.raises(verdicts.NotYourContact):
        verdicts.create(db=runtime.db, interaction_id="own", verdict_in=moment,
                        given_by="ben", role="agent", agent_id="agent-ben")  # fmt: skip
    out = verdicts.create(db=runtime.db, interaction_id="own", verdict_in=moment,
                          given_by="ava", role="agent", agent_id="agent-ava")  # fmt: skip
    assert out.role == "agent" and out.reading == "confirmed"
    assert client.get("/v1/interactions/own/verdicts").json()["total"] == 1
