"""Contacts whose end never arrives are ended as timed out past their channel's silence limit."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import T0, at, ended, started, utterance

from kairos.bus import EventBus
from kairos.config import Settings
from kairos.interactions import idle
from kairos.interactions.idle import TIMED_OUT, end_event_id, end_idle
from kairos.interactions.models import EventRecord
from kairos.main import create_app
from kairos.outcomes.models import InteractionReview
from kairos.runtime import Runtime


def _route_to_agent(client: TestClient, interaction_id: str, channel: str = "call") -> None:
    """A contact in the ``idle`` queue routed to agent ``ana``."""
    body = {"name": "idle", "channel": channel, "required_skills": []}
    assert client.post("/v1/queues", json=body).status_code in (201, 409)
    agent = {"external_id": "ana", "name": "Ana", "channels": [channel], "state": "available"}
    assert client.post("/v1/agents", json=agent).status_code in (201, 409)
    events = [started(interaction_id, channel=channel, queue="idle")]
    events.append(utterance(interaction_id, "hello, my card was declined", seconds=60))
    assert client.post("/v1/events", json=events).status_code == 200
    decision = client.post("/v1/agents/ana/next")
    assert decision.status_code == 200, decision.text
    assert decision.json()["decision"]["interaction_id"] == interaction_id


def test_a_silent_contact_is_ended_as_timed_out_and_its_agent_freed(
    client: TestClient, runtime: Runtime
) -> None:
    _route_to_agent(client, "quiet-call")
    assert client.get("/v1/agents/ana").json()["load"] == 1

    ended_now = end_idle(runtime, now=T0 + timedelta(hours=4, minutes=2))

    assert ended_now == {"quiet-call": "call"}
    detail = client.get("/v1/interactions/quiet-call").json()
    assert detail["state"] == "ended"
    # Dated at the last sign of life, not at the sweep: handle time is not stretched.
    assert detail["ended_at"].startswith(at(60)[:19])
    assert detail["outcome"]["disposition"] == TIMED_OUT
    assert "4 h (call limit)" in detail["outcome"]["note"]
    assert end_event_id("quiet-call") in {e["event_id"] for e in detail["timeline"]}
    assert client.get("/v1/agents/ana").json()["load"] == 0
    assert runtime.metrics.interactions_timed_out.value(channel="call") == 1
    assert 'kairos_interactions_timed_out_total{channel="call"} 1' in runtime.metrics.render()
    # The normal end path: the review follows as for any end.
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(InteractionReview)) == 1


def test_a_contact_heard_from_within_its_limit_is_not_ended(
    client: TestClient, runtime: Runtime
) -> None:
    client.post("/v1/events", json=[started("old-call"), started("busy-chat", channel="chat")])
    client.post("/v1/events", json=utterance("busy-chat", "still there?", seconds=3 * 3600))
    client.post("/v1/events", json=started("mail", channel="email", phone=None))

    # 3 h 59 after the call's last event, 1 h after the chat's: both within their limit.
    assert end_idle(runtime, now=T0 + timedelta(hours=3, minutes=59)) == {}
    assert end_idle(runtime, now=T0 + timedelta(hours=4)) == {}
    # The chat's 2 h count from its last event, not its start.
    assert end_idle(runtime, now=T0 + timedelta(hours=4, seconds=1)) == {"old-call": "call"}
    assert end_idle(runtime, now=T0 + timedelta(hours=5, seconds=1)) == {"busy-chat": "chat"}
    runtime.settings.idle_end_email_minutes = 0  # off for email
    assert end_idle(runtime, now=T0 + timedelta(days=30)) == {}
    assert client.get("/v1/interactions/mail").json()["state"] == "open"


def test_sweeping_again_ends_nothing_and_a_late_end_is_acknowledged(
    client: TestClient, runtime: Runtime
) -> None:
    client.post("/v1/events", json=started("dropped"))
    later = T0 + timedelta(hours=5)
    assert end_idle(runtime, now=later) == {"dropped": "call"}
    assert end_idle(runtime, now=later + timedelta(hours=1)) == {}
    assert runtime.metrics.interactions_timed_out.value(channel="call") == 1

    # The platform's end turns up after all: acknowledged, logged, the timed-out end stands.
    answer = client.post("/v1/events", json=ended("dropped", resolved=True))
    assert answer.status_code == 200, answer.text
    assert answer.json()["events"][0]["status"] == "applied"
    detail = client.get("/v1/interactions/dropped").json()
    assert detail["state"] == "ended"
    assert detail["ended_at"].startswith(at(0)[:19])
    assert detail["outcome"]["disposition"] == TIMED_OUT
    assert detail["outcome"]["resolved"] is True  # filled in: the first end left it out


def test_a_contact_heard_from_after_the_sweep_looked_is_left_alone(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.post("/v1/events", json=started("revived", channel="chat"))
    now = T0 + timedelta(hours=3)
    with runtime.db.session() as session:
        seen = idle.idle(session=session, limits=runtime.settings.idle_end_limits(), now=now)
    assert [i for i, _, _ in seen] == ["revived"]
    # Between the sweep's read and its write, the customer writes again.
    client.post("/v1/events", json=utterance("revived", "sorry, I was away", seconds=3 * 3600))
    monkeypatch.setattr(idle, "idle", lambda **_: seen)

    assert end_idle(runtime, now=now) == {}
    assert client.get("/v1/interactions/revived").json()["state"] == "open"


def test_two_processes_sweeping_at_once_end_a_contact_once(
    client: TestClient, runtime: Runtime
) -> None:
    client.post("/v1/events", json=[started(f"gone-{n}", channel="chat") for n in range(20)])
    other = Runtime.build(runtime.settings, role="worker")
    try:
        results: list[dict[str, str]] = []
        now = T0 + timedelta(hours=3)

        def sweep(rt: Runtime) -> None:
            results.append(end_idle(rt, now=now))

        threads = [threading.Thread(target=sweep, args=(rt,)) for rt in (runtime, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        other.close()
    ended_by = [i for result in results for i in result]
    assert sorted(ended_by) == sorted(f"gone-{n}" for n in range(20))
    with runtime.db.session() as session:
        ends = session.scalar(
            select(func.count())
            .select_from(EventRecord)
            .where(EventRecord.type == "interaction.ended")
        )
    assert ends == 20


def test_a_running_kairos_sweeps_by_itself(settings: Settings, bus: EventBus) -> None:
    """The runtime starts the sweep (every ``idle_end_interval_s``) and stops it with itself."""
    rt = Runtime.build(settings.model_copy(update={"idle_end_interval_s": 0.2}), bus=bus)
    try:
        with TestClient(create_app(rt.settings, runtime=rt)) as c:
            assert c.post("/v1/events", json=started("forgotten")).status_code == 200
            deadline = time.monotonic() + 15
            while c.get("/v1/interactions/forgotten").json()["state"] != "ended":
                assert time.monotonic() < deadline, "the sweep never ended the contact"
                time.sleep(0.1)
            assert c.get("/v1/interactions/forgotten").json()["outcome"]["disposition"] == TIMED_OUT
    finally:
        rt.close()
