"""A follow-up call being made at the moment its customer opts out: the task was claimed
(consent allowed it then), and the preference changes before or after its call is started. The
check made once the call is queued holds it back all the same, once: suppressed with the reason,
in the ledger, counted once, its call ended, never offered, no ``outreach.task_created``.
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.outcomes.conftest import Recorder, enable_rules, post_events, recent
from tests.outcomes.support import _agent, _lost

from kairos.customers import consent
from kairos.customers.schemas import ContactPreferenceIn
from kairos.outcomes import outreach
from kairos.outcomes.models import OutreachTask
from kairos.routing import decisions
from kairos.runtime import Runtime


@pytest.mark.parametrize("when", ["before the call starts", "after the call started"])
def test_an_opt_out_while_the_call_is_made_holds_it_back(
    client: TestClient,
    runtime: Runtime,
    recorder: Recorder,
    monkeypatch: pytest.MonkeyPatch,
    when: str,
) -> None:
    enable_rules(client)
    start_call = outreach._start_task_call
    opted: list[int] = []

    def opt_out() -> None:
        with runtime.db.session() as session:
            [customer_id] = session.scalars(select(OutreachTask.customer_id))
        assert customer_id is not None
        change = ContactPreferenceIn(proactive=False, updated_by="agent ana")
        consent.update(db=runtime.db, bus=runtime.bus, customer_id=customer_id, change=change,
                       source="desktop")  # fmt: skip
        opted.append(customer_id)

    def starting(*args: Any) -> None:
        if when == "before the call starts":
            opt_out()  # its change finds no call to hold back yet
        start_call(*args)
        if when == "after the call started":
            opt_out()  # its change holds the call back; the check after finds it done

    monkeypatch.setattr(outreach, "_start_task_call", starting)
    post_events(client, recent(_lost("lost", reason="lost baggage", phone="+14155550693")))
    assert len(opted) == 1

    [task] = client.get("/v1/outreach/tasks", params={"kind": "follow_up"}).json()["items"]
    assert (task["status"], task["result"]) == ("suppressed", "opted_out")
    call = client.get(f"/v1/interactions/{task['task_interaction_id']}").json()
    assert (call["state"], call["agent_id"]) == ("ended", None)
    assert call["outcome"]["disposition"] == "withdrawn"
    ledger = client.get(f"/v1/customers/{opted[0]}/contact-preference").json()["history"]
    assert [e["action"] for e in ledger] == ["suppressed", "set"]
    assert f"task {task['id']}" in ledger[0]["detail"]
    metrics = client.get("/metrics").text
    assert 'kairos_outreach_suppressed_total{kind="follow_up",reason="opted_out"} 1' in metrics
    assert recorder.of("outreach", "outreach.task_created") == []
    assert [m["id"] for m in recorder.of("outreach", "outreach.task_done")] == [task["id"]]
    _agent(client, "ana", certified=True)
    assert decisions.next_for_agent(db=runtime.db, bus=runtime.bus, agent_id="ana")[0] is None
