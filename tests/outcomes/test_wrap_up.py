"""Wrap-up and the day's figures through the API: the contract other parts code against."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import T0, ended, started, utterance
from tests.outcomes.conftest import Recorder, post_events

from kairos.outcomes.models import WrapUp
from kairos.runtime import Runtime

MOT = (
    "My flight just got cancelled and I have to be at my daughter's recital by 7 tonight, "
    "this is a disaster, please help me"
)


def test_wrap_up_is_recorded_once_idempotent_and_published_after_commit(
    client: TestClient, runtime: Runtime, recorder: Recorder
) -> None:
    post_events(client, [started("w1", queue="travel"), utterance("w1", "Where is my refund?")])
    body = {"resolved": True, "confirmed_by_customer": True, "note": "refund sent",
            "agent_id": "ana"}  # fmt: skip

    first = client.post("/v1/interactions/w1/wrap-up", json=body)
    assert first.status_code == 200, first.text
    out = first.json()
    assert (out["resolved"], out["confirmed_by_customer"], out["agent_id"]) == (True, True, "ana")
    assert out["repeated"] is False and out["status"] is None  # not ended yet: no review

    again = client.post("/v1/interactions/w1/wrap-up", json=body)
    assert again.status_code == 200 and again.json()["repeated"] is True
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(WrapUp)) == 1
    assert len(recorder.of("outcomes", "interaction.wrapped_up")) == 1

    other = client.post("/v1/interactions/w1/wrap-up", json={**body, "resolved": False})
    assert other.status_code == 409 and other.json()["error"] == "conflict"
    # The outcome now reads as the wrap-up said.
    assert client.get("/v1/interactions/w1").json()["outcome"]["resolved"] is True


def test_wrap_up_errors_are_clear(client: TestClient) -> None:
    missing = client.post(
        "/v1/interactions/nope/wrap-up", json={"resolved": True, "confirmed_by_customer": False}
    )
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    post_events(client, [started("w2")])
    bad = client.post("/v1/interactions/w2/wrap-up", json={"resolved": "perhaps"})
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"body.resolved", "body.confirmed_by_customer"} <= fields
    extra = client.post(
        "/v1/interactions/w2/wrap-up",
        json={"resolved": True, "confirmed_by_customer": True, "mood": "fine"},
    )
    assert extra.status_code == 422


def test_day_figures_count_moments_won_lost_missed_and_resolution(client: TestClient) -> None:
    # A moment of truth the agent wins: resolved, confirmed, the customer thanks them.
    post_events(client, [started("won", queue="travel"), utterance("won", MOT, seconds=5),
                         utterance("won", "I'm so sorry. Leave it with me, I've rebooked you on "
                                   "the 3pm flight.", speaker="agent", seconds=60),
                         utterance("won", "Thank you so much, that helps!", seconds=90),
                         ended("won")])  # fmt: skip
    client.post(
        "/v1/interactions/won/wrap-up", json={"resolved": True, "confirmed_by_customer": True}
    )
    # A moment of truth that ends unresolved, handled as routine: missed.
    post_events(client, [started("lost", queue="travel", phone="+14155550111"),
                         utterance("lost", MOT, seconds=5),
                         utterance("lost", "There's nothing we can do, you'll have to call "
                                   "the airline.", speaker="agent", seconds=60),
                         utterance("lost", "This is ridiculous, never again.", seconds=90),
                         ended("lost", resolved=False)])  # fmt: skip
    # Routine and resolved.
    post_events(client, [started("plain", phone="+14155550122"),
                         utterance("plain", "What are your opening hours?", seconds=5),
                         ended("plain")])  # fmt: skip
    # Still open: a contact, not ended.
    post_events(client, [started("open", phone="+14155550133")])

    figures = client.get("/v1/outcomes/today", params={"day": T0.date().isoformat()}).json()
    assert figures["contacts"] == 4 and figures["ended"] == 3
    assert (figures["won"], figures["lost"], figures["missed"]) == (1, 0, 1)
    assert figures["moments_of_truth"] == 2
    assert figures["resolution_rate"] == round(2 / 3, 4)
    assert figures["average_handle_seconds"] == 600.0  # the routine contact, apart
    assert figures["mot_average_handle_seconds"] == 600.0
    assert figures["csat_average"] is None and figures["csat_responses"] == 0
    other_day = client.get("/v1/outcomes/today", params={"day": "2020-01-01"}).json()
    assert other_day["contacts"] == 0 and other_day["resolution_rate"] is None
    assert client.get("/v1/outcomes/today", params={"day": "yesterday"}).status_code == 422


def test_concurrent_wrap_ups_store_one_and_refuse_the_other_outcome(
    client: TestClient, runtime: Runtime
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from kairos.errors import Conflict
    from kairos.outcomes import service
    from kairos.outcomes.schemas import WrapUpIn

    post_events(client, [started("race"), ended("race")])
    bodies = [WrapUpIn(resolved=n % 2 == 0, confirmed_by_customer=False) for n in range(8)]

    def send(body: WrapUpIn) -> str:
        try:
            out = service.wrap_up(db=runtime.db, bus=runtime.bus, interaction_id="race",
                                  wrap_up_in=body)  # fmt: skip
        except Conflict:
            return "conflict"
        return f"resolved={out.resolved}"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(send, bodies))
    with runtime.db.session() as session:
        stored = session.scalars(select(WrapUp)).all()
    assert len(stored) == 1
    winner = f"resolved={stored[0].resolved}"
    assert results.count(winner) == 4 and results.count("conflict") == 4


def test_day_figures_read_an_unreviewed_contacts_result_from_its_outcome(
    client: TestClient, runtime: Runtime
) -> None:
    """The figures read a reviewed contact's result from its review and, for one not reviewed
    (yet), from the outcome its end carried."""
    from sqlalchemy import delete

    from kairos.interactions.models import Interaction
    from kairos.outcomes.models import InteractionReview

    post_events(client, [started("kept", phone="+14155550144"), ended("kept", resolved=False)])
    post_events(client, [started("fresh", phone="+14155550155"), ended("fresh")])
    with runtime.db.session() as session:
        fresh = session.scalar(select(Interaction.id).where(Interaction.external_id == "fresh"))
        session.execute(delete(InteractionReview).where(InteractionReview.interaction_id == fresh))
        session.commit()
    figures = client.get("/v1/outcomes/today", params={"day": T0.date().isoformat()}).json()
    assert figures["ended"] == 2
    assert figures["resolution_rate"] == 0.5  # "kept" unresolved (review), "fresh" resolved
