"""An opt-out's hold-back and routing's assignment of the same queued follow-up call, at once:
exactly one of them wins. Held back first, no agent gets the call (not even in the moment
before its end is ingested); taken first, the call goes ahead and is never ended under the
agent. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.outcomes.conftest import enable_rules, post_events, recent
from tests.outcomes.support import _agent, _lost

from kairos.bus.memory import MemoryBus
from kairos.customers import consent
from kairos.customers.schemas import ContactPreferenceIn
from kairos.interactions import placement
from kairos.interactions.models import Interaction
from kairos.outcomes import outreach_consent
from kairos.outcomes.schemas import TaskOut
from kairos.routing import decisions, live_next
from kairos.runtime import Runtime


def _queued_call(client: TestClient, phone: str) -> dict[str, Any]:
    enable_rules(client)
    post_events(client, recent(_lost("lost", reason="lost baggage", phone=phone)))
    [task] = client.get("/v1/outreach/tasks", params={"kind": "follow_up"}).json()["items"]
    assert task["status"] == "queued"
    _agent(client, "ana", certified=True)
    return dict(task)


def _task(client: TestClient, task_id: int) -> dict[str, Any]:
    items = client.get("/v1/outreach/tasks", params={"kind": "follow_up"}).json()["items"]
    return dict(next(t for t in items if t["id"] == task_id))


@pytest.mark.parametrize("routing", ["live board", "database"])
def test_an_agent_asking_right_after_the_hold_back_gets_nothing(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch, routing: str
) -> None:
    """Ana asks for work after the hold-back committed and before the call's end is ingested:
    the call is out of the queue already, for the live board the API decides on (which has not
    heard of the end yet) as for the database's decision."""
    task = _queued_call(client, "+14155550691")
    asked: list[Any] = []
    end_call = outreach_consent.end_untaken_call

    def ask_first(rt: Any, out: TaskOut, *, key: str, note: str) -> None:
        if routing == "live board":
            asked.append(live_next.next_for_agent(runtime, agent_id="ana")[0])
        else:
            asked.append(
                decisions.next_for_agent(db=runtime.db, bus=runtime.bus, agent_id="ana")[0]
            )
        end_call(rt, out, key=key, note=note)

    monkeypatch.setattr(outreach_consent, "end_untaken_call", ask_first)
    put = client.put(
        f"/v1/customers/{task['customer_id']}/contact-preference", json={"proactive": False}
    )
    assert put.status_code == 200, put.text
    assert asked == [None]  # the held-back call was not hers to take
    assert (_task(client, task["id"])["status"]) == "suppressed"
    call = client.get(f"/v1/interactions/{task['task_interaction_id']}").json()
    assert (call["state"], call["agent_id"]) == ("ended", None)
    assert call["outcome"]["disposition"] == "withdrawn"


def test_an_assignment_in_flight_wins_over_the_hold_back(
    client: TestClient, runtime: Runtime
) -> None:
    """Routing has taken the call in a transaction not yet committed when the hold-back runs:
    the hold-back waits for it, then leaves the call to the agent."""
    task = _queued_call(client, "+14155550692")
    db = runtime.db
    change = ContactPreferenceIn(proactive=False, updated_by="agent ana")
    # Stored, with no listener told: the hold-back below is the only one.
    consent.update(db=db, bus=MemoryBus(), customer_id=task["customer_id"], change=change,
                   source="api")  # fmt: skip
    held: list[list[TaskOut]] = []
    with db.write_lock(), db.session() as session:  # as routing's decision holds them
        call = session.scalars(
            select(Interaction).where(Interaction.external_id == task["task_interaction_id"])
        ).one()
        assert placement.take_waiting(
            session=session, interaction_row_id=call.id, queue=call.queue or "",
            agent_id="ana", states=decisions.WAITING_STATES,
        )  # fmt: skip
        racer = threading.Thread(
            target=lambda: held.append(
                outreach_consent.hold_back_queued(runtime=runtime, customer_id=task["customer_id"])
            )
        )
        racer.start()
        time.sleep(0.5)
        session.commit()
    racer.join(timeout=30)
    assert held == [[]]  # nothing held back: the agent has the call
    assert (_task(client, task["id"])["status"], _task(client, task["id"])["result"]) == (
        "queued", None,
    )  # fmt: skip
    call_now = client.get(f"/v1/interactions/{task['task_interaction_id']}").json()
    assert (call_now["state"], call_now["agent_id"]) == ("assigned", "ana")
