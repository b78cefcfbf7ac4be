"""Two reviews of one cause at the same instant make one follow-up, and neither fails."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.outcomes.conftest import enable_rules, post_events, recent
from tests.outcomes.support import _lost

from kairos.outcomes import outreach_triggers
from kairos.outcomes.models import OutreachTask
from kairos.outcomes.schemas import ReviewOut
from kairos.outcomes.service import get_review
from kairos.runtime import Runtime


def _race(runtime: Runtime, reviews: list[ReviewOut]) -> tuple[list[int], list[BaseException]]:
    """Both reviews' outreach at once, from two threads: how many tasks each made, and errors."""
    barrier = threading.Barrier(2)
    made: list[int] = []
    errors: list[BaseException] = []

    def review(one: ReviewOut) -> None:
        barrier.wait()
        try:
            tasks = outreach_triggers.on_review(
                runtime=runtime,
                review=one,
                churn_risk=0.0,
            )
            made.append(len(tasks))
        except BaseException as exc:  # the loser must not fail its review
            errors.append(exc)

    threads = [threading.Thread(target=review, args=(one,)) for one in reviews]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return made, errors


def test_two_reviews_of_one_cause_at_once_make_one_follow_up(
    client: TestClient, runtime: Runtime
) -> None:
    # Two lost contacts of one customer about one cancelled flight, reviewed while no rule was on.
    post_events(client, recent(_lost("race-a", reason="Flight cancelled")))
    post_events(client, recent(_lost("race-b", reason="flight cancelled")))
    enable_rules(client)
    with runtime.db.session() as session:
        reviews = [get_review(session=session, interaction_id=i) for i in ("race-a", "race-b")]
    assert all(r.missed and r.customer_id == reviews[0].customer_id for r in reviews)
    for _ in range(3):  # a few rounds: each is one race of the two reviews
        with runtime.db.session() as session:
            for task in session.scalars(select(OutreachTask)):
                session.delete(task)
            session.commit()
        made, errors = _race(runtime, reviews)
        assert errors == []
        with runtime.db.session() as session:
            follow_ups = session.scalars(
                select(OutreachTask).where(OutreachTask.kind == "follow_up")
            ).all()
        assert len(follow_ups) == 1, [t.source_interaction_id for t in follow_ups]
        assert sorted(made) == [0, 1]
