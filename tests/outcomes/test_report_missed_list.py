"""The report's list of moments to review is the morning list's: the same moments, in the same
order, its heading counting them all, as `/v1/outcomes/missed` and the missed page do."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.factories import T0, ended, started, utterance
from tests.outcomes.conftest import post_events

from kairos.outcomes.report import render
from kairos.outcomes.stored import report_data
from kairos.runtime import Runtime

MOT = (
    "My flight just got cancelled and I have to be at my daughter's recital by 7 tonight, "
    "this is a disaster, please help me"
)


def test_the_reports_moments_to_review_are_the_morning_lists(
    client: TestClient, runtime: Runtime
) -> None:
    # Won, but handled as routine (no moment-of-truth routing): on the morning list.
    post_events(client, [started("rw", queue="travel"), utterance("rw", MOT, seconds=5),
                         utterance("rw", "I'm so sorry. Leave it with me, I've rebooked you on "
                                   "the 3pm flight.", speaker="agent", seconds=60),
                         utterance("rw", "Thank you so much, that helps!", seconds=90),
                         ended("rw")])  # fmt: skip
    wrap = {"resolved": True, "confirmed_by_customer": True}
    assert client.post("/v1/interactions/rw/wrap-up", json=wrap).json()["status"] == "won"
    # Not resolved, handled as routine: missed.
    post_events(client, [started("rm", queue="travel", phone="+14155550511"),
                         utterance("rm", MOT, seconds=5),
                         utterance("rm", "There's nothing we can do.", speaker="agent",
                                   seconds=60),
                         ended("rm", resolved=False)])  # fmt: skip
    since = T0.replace(hour=0, minute=0, second=0)
    until = since.replace(day=since.day + 1)
    listed = client.get(
        "/v1/outcomes/missed", params={"since": since.isoformat(), "until": until.isoformat()}
    ).json()
    assert listed["total"] == 2
    with runtime.db.session() as session:
        html = render(report_data(session=session, since=since, until=until))
    # Before, the report left the won one out (1 listed) while the API and the page listed 2.
    assert "Missed moments: the 2 to review first, of 2" in html
    for item in listed["items"]:
        assert f"{item['review']['interaction_id']} · {item['review']['status']}" in html
