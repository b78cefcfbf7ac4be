"""Helpers the outcome tests share."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import ended, started, utterance
from tests.outcomes.conftest import post_events

from kairos.customers.models import CustomerIdentity
from kairos.outcomes.models import OutreachTask
from kairos.runtime import Runtime

#: Three moments of truth the detector reads at different strengths, and a routine question.
TEXTS = {
    "furious": "This is the third time I call, I am furious, my flight is cancelled, I will "
    "cancel everything if you do not fix it now",
    "rent": "My card was charged twice and I need the money back before rent is due on Friday, "
    "I am really worried",
    "recital": "My flight just got cancelled and I have to be at my daughter's recital by 7 "
    "tonight, this is a disaster, please help me",
    "routine": "Hi, could you tell me what time the shop opens on Saturday?",
}

BAGS = [
    "My bag was lost on the flight and nobody at the baggage desk helps",
    "Lost baggage again, three days and still no bag",
    "They lost my bag with my medication in it, baggage desk useless",
]


def _contact(client: TestClient, iid: str, phone: str) -> None:
    post_events(client, [started(iid, phone=phone), utterance(iid, "Hello, a question."),
                         ended(iid)])  # fmt: skip


MOT = (
    "My flight just got cancelled and I have to be at my daughter's recital by 7 tonight, "
    "this is a disaster, please help me"
)


def _agent(client: TestClient, agent_id: str, *, certified: bool) -> None:
    body = {"external_id": agent_id, "name": agent_id.title(), "channels": ["call"],
            "state": "available", "mot_certified": certified, "empathy": 0.8}  # fmt: skip
    assert client.post("/v1/agents", json=body).status_code == 201


def _lost(interaction_id: str, *, reason: str, phone: str = "+14155550123") -> list[dict[str, Any]]:
    return [
        {**started(interaction_id, queue="travel", phone=phone), "reason": reason},
        utterance(interaction_id, MOT, seconds=5),
        utterance(interaction_id, "You'll have to call the airline, there's nothing we can do.",
                  speaker="agent", seconds=30),
        ended(interaction_id, resolved=False),
    ]  # fmt: skip


def _open_end(interaction_id: str) -> dict[str, Any]:
    """An ``interaction.ended`` with no outcome yet: the agent's wrap-up gives it."""
    return {**ended(interaction_id), "outcome": {}}


def _customer(client: TestClient, n: int, identities: list[dict[str, str]]) -> None:
    event = {
        "type": "interaction.started", "event_id": f"c{n}-s", "interaction_id": f"c{n}",
        "occurred_at": "2026-11-22T14:00:00+00:00", "channel": "chat", "identities": identities,
    }  # fmt: skip
    assert client.post("/v1/events", json=[event]).status_code == 200


def _queue_tasks(runtime: Runtime) -> dict[str, int]:
    """One queued 'you said, we did' task per customer, as a shipped action leaves them."""
    with runtime.db.session() as session, session.begin():
        rows = session.execute(select(CustomerIdentity.customer_id, CustomerIdentity.value)).all()
        by_value = {value: customer_id for customer_id, value in rows}
        ids = {}
        for value in ("ann@example.com", "+14155550123", "nobody"):
            customer_id = by_value.get(value)
            task = OutreachTask(
                dedupe_key=f"you_said:1:{value}", kind="you_said", customer_id=customer_id,
                message='You said: "the app logs me out". We did: longer sessions.',
                status="queued",
            )  # fmt: skip
            session.add(task)
            session.flush()
            ids[value] = task.id
    return ids
