"""Facts stated in conversation, and agents asking for what the customer already gave."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import at, started, utterance

from kairos.bus import MemoryBus
from kairos.customers.facts import asked_facts, extract_facts, mask
from kairos.runtime import Runtime


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "My service tag is 7xk2abc and it runs Windows 11",
            {"service_tag": "7XK2ABC", "os": "Windows 11"},
        ),
        (
            "booking reference ABC123, flight BA 283 was cancelled",
            {"booking_reference": "ABC123", "flight_number": "BA283"},
        ),
        ("order number: 112-3344556-7788990 never came", {"order_number": "112-3344556-7788990"}),
        ("my account number is 1234 5678 90", {"account_number": "1234 5678 90"}),
        (
            "Policy no. POL-2024-55811, date of birth 12/03/1980, postcode SW1A 1AA",
            {
                "policy_number": "POL-2024-55811",
                "date_of_birth": "12/03/1980",
                "postcode": "SW1A 1AA",
            },
        ),
        (
            "my iPhone 15 Pro on iOS 17.2 keeps crashing",
            {"device": "iPhone 15 Pro", "os": "iOS 17.2"},
        ),
        ("I have a Dell XPS 13", {"device": "Dell XPS 13"}),
    ],
)
def test_facts_stated_in_text(text: str, expected: dict[str, str]) -> None:
    assert {f.name: f.value for f in extract_facts(text)} == expected


@pytest.mark.parametrize(
    "text",
    [
        "I need this flight to 10 am fixed, my order arrived late",
        "The policy is terrible and my account is locked, I called 3 times",
        "my flight tomorrow at 9 is cancelled",
        "the service was bad, tag me when it's fixed",
    ],
)
def test_ordinary_sentences_are_not_facts(text: str) -> None:
    assert extract_facts(text) == []


def test_agent_questions_and_masks() -> None:
    assert asked_facts("can I have your service tag?") == ["service_tag"]
    assert asked_facts("what's your account number") == ["account_number"]
    assert asked_facts("could you confirm your date of birth") == ["date_of_birth"]
    assert asked_facts("booking reference please") == ["booking_reference"]
    assert asked_facts("I see your service tag here, thanks.") == []
    assert mask("7XK2ABC") == "7XK2…"
    assert mask("••••1234") == "••••1234"


def test_chat_facts_have_source_channel_time_and_secrets_are_masked(client: TestClient) -> None:
    client.post("/v1/events", json=started("chat-9", channel="chat"))
    said = utterance(
        "chat-9",
        "My Dell XPS 13 won't boot, service tag is 7XK2ABC. Card 4111 1111 1111 1111, cvv is 123",
        event_id="say-1",
        seconds=30,
    )
    assert client.post("/v1/events", json=said).status_code == 200
    detail = client.get("/v1/interactions/chat-9").json()
    facts = {f["name"]: f for f in detail["facts"]}
    assert set(facts) == {"device", "service_tag", "cvv"}
    tag = facts["service_tag"]
    assert tag["value"] == "7XK2ABC" and tag["source"] == "utterance" and tag["channel"] == "chat"
    assert tag["event_id"] == "say-1" and tag["observed_at"] == at(30).replace("+00:00", "Z")
    assert tag["verified"] is False
    assert facts["cvv"]["value"] == "••••" and facts["cvv"]["redacted"] is True
    stored = " ".join(f["value"] for f in detail["facts"]) + detail["timeline"][1]["body"]["text"]
    assert "4111 1111" not in stored
    # Said again in the same interaction: not stored twice; agents' words are not facts.
    client.post("/v1/events", json=utterance("chat-9", "again: service tag 7XK2ABC"))
    client.post("/v1/events", json=utterance("chat-9", "service tag 1AB2CDE?", speaker="agent"))
    names = [f["name"] for f in client.get("/v1/interactions/chat-9").json()["facts"]]
    assert names.count("service_tag") == 1


def test_agent_asking_for_the_ivr_service_tag_is_a_reask(
    client: TestClient, runtime: Runtime
) -> None:
    assert isinstance(runtime.bus, MemoryBus)
    heard: list[tuple[str, dict[str, Any]]] = []
    runtime.bus.listen(lambda topic, message: heard.append((topic, message)), "interactions")
    ivr = {
        "type": "ivr.input",
        "event_id": "call-1-ivr",
        "interaction_id": "call-1",
        "occurred_at": at(120),
        "name": "service_tag",
        "value": "7XK2ABC",
        "verified": True,
    }
    ask = utterance("call-1", "Thanks for holding. Can I have your service tag?", speaker="agent",
                    event_id="ask-1", seconds=300)  # fmt: skip
    client.post("/v1/events", json=[started("call-1"), ivr])
    assert heard == []
    assert client.post("/v1/events", json=ask).status_code == 200
    assert [t for t, _ in heard] == ["interactions"]
    message = heard[0][1]
    assert message["type"] == "reask.detected"
    assert message["fact"] == "service_tag" and message["value_masked"] == "7XK2…"
    assert message["source"] == "ivr" and message["verified"] is True
    assert message["message"] == "already known: service tag 7XK2…, from IVR at 14:02"
    assert "7XK2ABC" not in str(message)
    # A question about something unknown is not a re-ask; a second re-ask counts again.
    client.post(
        "/v1/events",
        json=utterance("call-1", "And your date of birth?", speaker="agent", seconds=400),
    )
    client.post(
        "/v1/events",
        json=utterance("call-1", "What's the service tag again?", speaker="agent", seconds=500),
    )
    assert len(heard) == 2
    assert client.get("/v1/interactions/call-1").json()["reask_count"] == 2


def test_reask_spans_channels_for_the_same_customer(client: TestClient, runtime: Runtime) -> None:
    heard: list[dict[str, Any]] = []
    runtime.bus.listen(lambda _t, message: heard.append(message), "interactions")  # type: ignore[attr-defined]
    client.post("/v1/events", json=started("chat-1", channel="chat"))
    client.post("/v1/events", json=utterance("chat-1", "booking ref is QX7T2P", seconds=10))
    client.post("/v1/events", json=started("call-2"))
    client.post(
        "/v1/events",
        json=utterance("call-2", "Booking reference please", speaker="agent", seconds=60),
    )
    assert heard[0]["message"] == "already known: booking reference QX7…, from chat at 14:00"
    assert client.get("/v1/interactions/call-2").json()["reask_count"] == 1


def test_asking_for_the_account_the_customer_record_holds_is_a_reask(
    client: TestClient, runtime: Runtime
) -> None:
    # A chat signed in with its account: the platform named it, the customer never typed it.
    heard: list[dict[str, Any]] = []
    runtime.bus.listen(lambda _t, message: heard.append(message), "interactions")  # type: ignore[attr-defined]
    account = {"kind": "account", "value": "ACC-99120"}
    client.post("/v1/events", json=started("chat-9", channel="chat", identities=[account]))
    ask = "Hi! Before I look into it, could I have your account number please?"
    client.post("/v1/events", json=utterance("chat-9", ask, speaker="agent", seconds=30))
    assert [m["fact"] for m in heard] == ["account_number"]
    assert heard[0]["message"] == "already known: account number ACC-…, from the customer record"
    assert heard[0]["source"] == "the customer record" and heard[0]["verified"] is False
    assert "ACC-99120" not in str(heard[0])
    assert client.get("/v1/interactions/chat-9").json()["reask_count"] == 1
    # What the customer states wins over the record, with where and when they said it.
    client.post("/v1/events", json=utterance("chat-9", "account number is 55 1234", seconds=40))
    client.post("/v1/events", json=utterance("chat-9", "Account number?", speaker="agent",
                                             seconds=50))  # fmt: skip
    assert heard[1]["message"].startswith("already known: account number 55")
    assert "from chat at " in heard[1]["message"]
    # A contact whose customer has no account on record is not nudged.
    client.post("/v1/events", json=started("chat-10", channel="chat", phone="+14155550111"))
    client.post("/v1/events", json=utterance("chat-10", ask, speaker="agent", seconds=30))
    assert len(heard) == 2
