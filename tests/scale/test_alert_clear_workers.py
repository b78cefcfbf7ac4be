"""An alert raised by one worker and cleared by an assessment another worker handles: the
``supervisor`` group hands each ``assessment.updated`` to one worker, so the worker that sees a
contact calm down is often not the one that raised its alert. Real Redis (a throwaway
redis-server), each backend's database, two supervisors with their own bus connections: the
clear must reach the pages (``supervisor.cleared`` on ``supervision``) and the alert log."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import select
from tests.servers import REDIS_SERVER

from kairos.bus import BusMessage, RedisBus
from kairos.db import Database
from kairos.detection.assessment import Assessment
from kairos.routing.models import AlertRecord
from kairos.routing.supervision import Supervisor

pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="no redis-server (apt-get install redis-server)"
)


def updated(
    emotion: float, minutes: float | None = None, interaction_id: str = "w-1"
) -> BusMessage:
    values: dict[str, Any] = {
        "emotion": emotion, "mot_score": 0.9, "stakes": ["travel_disruption"],
        "minutes_to_deadline": minutes, "urgency": 0.5, "complexity": 0.2, "churn_risk": 0.3,
        "confidence": 0.8, "cube": "",
    }  # fmt: skip
    return {
        "type": "assessment.updated", "interaction_id": interaction_id, "agent_id": "a-sam",
        "state": "assigned", "assessment": Assessment(**values).model_dump(mode="json"),
    }  # fmt: skip


def test_a_worker_clears_the_alert_another_worker_raised(migrated_url: str, redis_url: str) -> None:
    seen: list[BusMessage] = []
    lock = threading.Lock()

    def page(topic: str, message: BusMessage) -> None:
        with lock:
            seen.append(message)

    pages = RedisBus(redis_url, block_ms=100, retry_after_s=0.2)
    pages.listen(page, "supervision", group="pages-under-test")
    buses = [RedisBus(redis_url, block_ms=100, retry_after_s=0.2) for _ in range(2)]
    db = Database(migrated_url)
    first, second = (Supervisor(bus, db) for bus in buses)
    try:
        first("assessments", updated(0.9))  # worker 1: an angry customer, stakes at play
        second("assessments", updated(0.2))  # worker 2: calm again
        second("assessments", updated(0.95, 20.0))  # worker 2: furious, a deadline in 20 min
        first("assessments", updated(0.9))  # worker 1: the deadline is off the table
        # Worker 2 reads three at once (one query for what is open): calm, furious, calm again.
        batch = [updated(0.2), updated(0.95, 20.0), updated(0.2), updated(0.1, None, "w-2")]
        second.handle_batch("assessments", batch)
        wanted = [("supervisor.alert", "assist"), ("supervisor.cleared", None),
                  ("supervisor.alert", "take_over"), ("supervisor.alert", "assist"),
                  ("supervisor.cleared", None), ("supervisor.alert", "take_over"),
                  ("supervisor.cleared", None)]  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with lock:
                got = [(m["type"], m.get("action")) for m in seen]
            if len(got) >= len(wanted):
                break
            time.sleep(0.05)
        assert got == wanted
        with db.session() as session:
            rows = session.scalars(select(AlertRecord).order_by(AlertRecord.id)).all()
            assert [(r.action, r.cleared_at is not None) for r in rows] == [
                ("assist", True),
                ("take_over", True),
                ("assist", True),
                ("take_over", True),
            ]  # each cleared or replaced, whichever worker raised it
    finally:
        for bus in (*buses, pages):
            bus.close()
        db.dispose()
