"""One customer across channels: social complaint, chat, then a call that knows it is a repeat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import T0

from kairos.interactions import journey as journey_service
from kairos.interactions.models import AssessmentRecord, Interaction
from kairos.runtime import Runtime


def _event(kind: str, interaction_id: str, n: int, minutes: float, **body: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "event_id": f"{interaction_id}-{n}",
        "interaction_id": interaction_id,
        "occurred_at": (T0 + timedelta(minutes=minutes)).isoformat(),
        **body,
    }


def test_social_chat_call_is_one_customer_and_the_call_is_a_repeat(
    client: TestClient, runtime: Runtime
) -> None:
    phone = {"kind": "phone", "value": "+1 (415) 555-0100"}
    social = {"kind": "social", "value": "twitter:@AnaTravels"}
    email = {"kind": "email", "value": "Ana@Example.com"}
    day = 24 * 60
    script = [
        # Day 0: a public complaint on social.
        _event("interaction.started", "tw-1", 0, 0, channel="social", identities=[social],
               reason="flight cancelled"),
        _event("utterance", "tw-1", 1, 1, speaker="customer",
               text="@Airline you cancelled flight BA 283 and nobody answers. Booking ref QX7T2P"),
        _event("interaction.ended", "tw-1", 2, 30, outcome={"resolved": False}),
        # Day 1: a chat from the same handle, now with an email.
        _event("interaction.started", "chat-1", 0, day, channel="chat", identities=[social, email],
               reason="flight cancelled"),
        _event("utterance", "chat-1", 1, day + 1, speaker="customer",
               text="Still nothing. My phone is 415 555 0100, date of birth 12/03/1980"),
        _event("interaction.ended", "chat-1", 2, day + 20, outcome={"resolved": False}),
        # Day 2: the call; the IVR takes the booking reference again, then the agent asks.
        _event("interaction.started", "call-1", 0, 2 * day, channel="call",
               identities=[phone, email], reason="flight cancelled"),
        _event("ivr.input", "call-1", 1, 2 * day + 1, name="booking_reference", value="QX7T2P",
               verified=True),
        _event("utterance", "call-1", 2, 2 * day + 5, speaker="customer",
               text="This is the third time. My daughter's recital is tonight and I'm stuck."),
        _event("utterance", "call-1", 3, 2 * day + 6, speaker="agent", agent_id="ag-1",
               text="I'm sorry. Can I have your booking reference please?"),
    ]  # fmt: skip
    response = client.post("/v1/events", json=script)
    assert response.status_code == 200, response.text
    assert response.json()["applied"] == len(script)

    customers = client.get("/v1/customers").json()
    assert customers["total"] == 1
    customer = client.get(f"/v1/customers/{customers['items'][0]['id']}").json()
    # Outreach tasks Kairos starts itself (kairos.outcomes) are not contacts the customer made.
    contacts = [i["id"] for i in customer["journey"] if not i["id"].startswith("outreach-")]
    assert contacts == ["tw-1", "chat-1", "call-1"]
    assert {(i["kind"], i["value"]) for i in customer["identities"]} == {
        ("social", "twitter:anatravels"),
        ("email", "ana@example.com"),
        ("phone", "+14155550100"),
    }
    sources = {(f["name"], f["source"], f["channel"], f["verified"]) for f in customer["facts"]}
    assert sources == {
        ("flight_number", "utterance", "social", False),
        ("booking_reference", "utterance", "social", False),
        ("date_of_birth", "utterance", "chat", False),
        ("booking_reference", "ivr", "call", True),
    }

    call = client.get("/v1/interactions/call-1").json()
    assert call["reask_count"] == 1
    journey_cues = {c["label"]: c for c in call["assessment"]["reasons"] if c["kind"] == "journey"}
    assert journey_cues["repeat_contact"]["value"] == 1.0
    assert journey_cues["prior_contacts_same_issue"]["value"] == 2.0
    with runtime.db.session() as session:
        stored = session.scalars(
            select(AssessmentRecord).join(Interaction).where(Interaction.external_id == "call-1")
        ).all()
        assert stored and all(
            any(c["label"] == "repeat_contact" for c in r.payload["reasons"]) for r in stored
        )


def test_journey_inputs_same_issue_window_and_failed_moments(
    client: TestClient, runtime: Runtime
) -> None:
    phone = [{"kind": "phone", "value": "+14155550100"}]
    day = 24 * 60
    events = [
        _event("interaction.started", "old", 0, -30 * day, channel="call", identities=phone,
               reason="billing"),
        _event("interaction.started", "other", 0, -day, channel="chat", identities=phone,
               reason="password reset"),
        _event("interaction.started", "same", 0, -2 * day, channel="email", identities=phone,
               reason="Billing"),
        _event("interaction.started", "now", 0, 0, channel="call", identities=phone,
               reason="billing"),
    ]  # fmt: skip
    assert client.post("/v1/events", json=events).status_code == 200
    with runtime.db.session() as session:
        rows = {i.external_id: i for i in session.scalars(select(Interaction))}
        rows["old"].mot_score, rows["old"].outcome = 0.8, {"resolved": False}
        rows["other"].mot_score, rows["other"].outcome = 0.9, {"resolved": True}
        session.commit()
        journey = journey_service.journey_inputs(session=session, interaction=rows["now"])
        assert journey.repeat_contact and journey.prior_contacts_same_issue == 1
        assert journey.prior_failed_moments == 1
        wide = journey_service.journey_inputs(
            session=session, interaction=rows["now"], window=timedelta(days=60)
        )
        assert wide.prior_contacts_same_issue == 2
        first = journey_service.journey_inputs(session=session, interaction=rows["old"])
        assert not first.repeat_contact and first.prior_failed_moments == 0


def test_a_contact_still_in_progress_is_no_failed_moment(
    client: TestClient, runtime: Runtime
) -> None:
    """A customer who calls while their chat is still open had no failed moment: the call read
    "Journey — prior failed moments: 1" and scored higher for a chat nobody had lost yet."""
    phone = [{"kind": "phone", "value": "+14155550177"}]
    events = [
        _event("interaction.started", "chat-open", 0, 0, channel="chat", identities=phone,
               reason="flight cancelled"),
        _event("interaction.started", "call-now", 0, 5, channel="call", identities=phone,
               reason="flight cancelled"),
    ]  # fmt: skip
    assert client.post("/v1/events", json=events).status_code == 200
    with runtime.db.session() as session:
        rows = {i.external_id: i for i in session.scalars(select(Interaction))}
        rows["chat-open"].mot_score = 0.94
        session.commit()
        journey = journey_service.journey_inputs(session=session, interaction=rows["call-now"])
        assert journey.repeat_contact and journey.prior_failed_moments == 0
    ended = _event("interaction.ended", "chat-open", 9, 8)
    assert client.post("/v1/events", json=[ended]).status_code == 200
    with runtime.db.session() as session:
        call = session.scalar(select(Interaction).where(Interaction.external_id == "call-now"))
        assert call is not None
        after = journey_service.journey_inputs(session=session, interaction=call)
        assert after.prior_failed_moments == 1
