"""Coaching on the agent's words: what fires, what must not, and the live nudge on the bus."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.assist.conftest import RecordingBus
from tests.factories import started, utterance

from kairos.assist.coaching import coach
from kairos.assist.live import CoachingListener, nudge_message
from kairos.bus import BusMessage, MemoryBus
from kairos.events import Utterance
from kairos.runtime import Runtime

BLAME = [
    "That's your fault, not ours.",
    "It's your own mistake, I'm afraid.",
    "thats your problem",
    "This was entirely your responsibility.",
    "You should have read the terms before booking.",
    "You should've checked the weather forecast.",
    "you should have been at the gate earlier",
    "You shouldn't have booked such a short connection.",
    "You didn't read the confirmation email.",
    "You failed to declare the item.",
    "You never told us about the change.",
    "You entered the wrong date.",
    "You booked the wrong flight.",
    "If you had read the policy this wouldn't happen.",
    "As I already explained, the fare is non-refundable.",
    "Like I said, there is no seat.",
    "It clearly states the baggage limit on the ticket.",
    "Please calm down.",
    "That was user error.",
    "This happened because of your mistake.",
    "That\u2019s your fault.",
]

DEFLECT = [
    "That's not my department.",
    "Not my job, sorry.",
    "There's nothing I can do.",
    "There is nothing more we can do about it.",
    "Unfortunately there's nothing else I could do.",
    "I can't help you.",
    "We are unable to do anything about that.",
    "You'll have to call the airport.",
    "You will need to contact the baggage team.",
    "You need to speak to your travel agent.",
    "you have to get in touch with the insurer",
    "Please contact the operating carrier directly.",
    "Take it up with the hotel.",
    "That's handled by another department.",
    "You've called the wrong department.",
    "It's out of my hands.",
    "It's our policy.",
    "That's not our fault, it was the weather.",
    "That wasn't our problem.",
]

PREMATURE_CLOSE = [
    "I'm going to close this chat now.",
    "I'll close the case.",
    "I will now end this conversation.",
    "We're closing this ticket.",
    "I've marked this as resolved.",
    "I'll mark the ticket as closed.",
    "This chat will now be closed.",
    "Your case has been closed.",
    "That's all I can tell you.",
    "We're done here.",
    "I consider this matter closed.",
    "I have already answered your question.",
]

CLEAN = [
    "I'm sorry, that was our fault.",
    "I'm so sorry, this is our mistake and I'll fix it now.",
    "It's not your fault at all.",
    "That wasn't your fault, don't worry.",
    "I'm not saying it's your fault.",
    "None of this is your fault.",
    "You should have received an email with the new times.",
    "You should have a confirmation in your inbox by now.",
    "You shouldn't have had to wait that long, I'm sorry.",
    "You shouldn't have to deal with this.",
    "Is there anything else I can do for you?",
    "Is there nothing we can do to make this right? Let me check.",
    "If there's nothing else, I'll close the chat.",
    "I'll close the case once you confirm it's fixed.",
    "I won't close this ticket until you're happy.",
    "You won't have to call anyone, I'll handle it.",
    "You don't need to contact the airport, I've done it.",
    "Leave it with me, I'll rebook you on the next flight.",
    "If you didn't receive it, I can resend it.",
    "It's our policy to refund you in full, so I've done that.",
    "What does your error message say?",
    "I understand how stressful this is.",
    "I've rebooked you and waived the change fee.",
    "Let me call the hotel for you.",
    "Sit back and relax, we're on it.",
    "My apologies, I misread your booking.",
    "",
]


def _kinds(text: str) -> list[str]:
    return [n.kind for n in coach(text)]


@pytest.mark.parametrize("text", BLAME)
def test_blame_fires(text: str) -> None:
    assert "blame" in _kinds(text), text


@pytest.mark.parametrize("text", DEFLECT)
def test_deflection_fires(text: str) -> None:
    assert "deflect" in _kinds(text), text


@pytest.mark.parametrize("text", PREMATURE_CLOSE)
def test_premature_close_fires(text: str) -> None:
    assert "premature_close" in _kinds(text), text


@pytest.mark.parametrize("text", CLEAN)
def test_ownership_and_neutral_words_do_not_fire(text: str) -> None:
    assert coach(text) == [], text


def test_spans_point_into_the_text_and_each_has_a_suggestion() -> None:
    text = (
        "Hi Sam. That\u2019s your fault, to be honest. There's nothing I can do, "
        "you'll have to call the airport. I'm going to close this chat now."
    )
    nudges = coach(text)
    assert [n.kind for n in nudges] == ["blame", "deflect", "deflect", "premature_close"]
    for nudge in nudges:
        assert text[nudge.start : nudge.end] == nudge.span
        assert nudge.suggestion and nudge.suggestion != nudge.span
    assert nudges[0].span == "That\u2019s your fault"
    # The suggestion for blame offers an apology; for handing off, ownership.
    assert "sorry" in nudges[0].suggestion.lower()
    assert "i'll" in nudges[2].suggestion.lower()


def test_overlapping_rules_give_one_nudge() -> None:
    nudges = coach("That's not my department.")
    assert len(nudges) == 1


def test_one_sentence_negation_does_not_reach_the_next() -> None:
    # "not" in the first sentence must not excuse the blame in the second.
    assert _kinds("I could not find it. That's your fault.") == ["blame"]


# -- live ---------------------------------------------------------------------------------------


def _applied(text: str, speaker: str = "agent", agent_id: str | None = "a1") -> BusMessage:
    event: dict[str, Any] = {
        "type": "utterance",
        "event_id": "e1",
        "interaction_id": "i1",
        "occurred_at": "2026-11-22T14:00:00+00:00",
        "speaker": speaker,
        "text": text,
        "agent_id": agent_id,
    }
    return {"type": "event.applied", "event": event}


def test_listener_publishes_a_nudge_for_an_agent_utterance_only() -> None:
    bus = MemoryBus()
    seen: list[BusMessage] = []
    bus.listen(lambda topic, message: seen.append(message), "assist")
    listener = CoachingListener(bus)
    listener("events", _applied("There's nothing I can do."))
    listener("events", _applied("There's nothing I can do.", speaker="customer"))
    listener("events", _applied("I'm sorry, that was our fault."))
    listener("events", {"type": "something.else"})
    assert len(seen) == 1
    message = seen[0]
    assert message["type"] == "coaching.nudge"
    assert message["interaction_id"] == "i1" and message["agent_id"] == "a1"
    assert message["event_id"] == "e1"
    assert [n["kind"] for n in message["nudges"]] == ["deflect"]
    thanks = Utterance.model_validate(_applied("Thanks!")["event"])
    assert nudge_message(thanks) is None


def test_ingested_agent_words_are_coached_live(client: TestClient, bus: RecordingBus) -> None:
    agent_line = {
        **utterance("live-1", "You should have checked in online.", speaker="agent"),
        "agent_id": "agent-7",
    }
    events = [
        started("live-1", phone="+442079460000"),
        utterance("live-1", "My bag never arrived"),
        agent_line,
        utterance("live-1", "Sorry, that was our mistake.", speaker="agent"),
    ]
    response = client.post("/v1/events", json=events)
    assert response.status_code == 200, response.text
    nudges = bus.of_type("coaching.nudge")
    assert len(nudges) == 1
    topic, message, _ = nudges[0]
    assert topic == "assist"
    assert message["interaction_id"] == "live-1" and message["agent_id"] == "agent-7"
    assert message["event_id"] == agent_line["event_id"]
    assert message["nudges"][0]["kind"] == "blame"
    # Re-sending the same events applies nothing, so nothing is coached twice.
    client.post("/v1/events", json=events)
    assert len(bus.of_type("coaching.nudge")) == 1


def test_coaching_endpoint(client: TestClient) -> None:
    response = client.post("/v1/coaching", json={"text": "You'll have to call the airport."})
    assert response.status_code == 200
    (nudge,) = response.json()
    assert nudge["kind"] == "deflect" and nudge["span"] == "You'll have to call"
    assert client.post("/v1/coaching", json={"text": ""}).status_code == 422


def test_offsets_survive_characters_that_change_case_length() -> None:
    text = "İstanbul flight: that’s your fault, you should have checked."
    nudges = coach(text)
    assert [n.rule for n in nudges] == ["your_fault", "should_have"]
    assert all(text[n.start : n.end] == n.span for n in nudges)


def test_long_text_is_coached_whole() -> None:
    text = "Thanks for waiting. " * 500 + "There's nothing I can do."
    (nudge,) = coach(text)
    assert nudge.start == 20 * 500 and nudge.kind == "deflect"


def test_an_edited_message_withdraws_the_nudges_on_its_earlier_words() -> None:
    bus = MemoryBus()
    seen: list[BusMessage] = []
    bus.listen(lambda topic, message: seen.append(message), "assist")
    listener = CoachingListener(bus)
    listener("events", _applied("That's your fault."))
    edit = _applied("You'll have to call the airport.")
    edit["event"] |= {"event_id": "e1-e", "edit_of": "e1"}
    listener("events", edit)
    listener("events", edit)  # redelivered: nothing twice
    assert [(m["type"], m["event_id"]) for m in seen] == [
        ("coaching.nudge", "e1"), ("coaching.withdrawn", "e1-e"), ("coaching.nudge", "e1-e"),
    ]  # fmt: skip
    assert seen[1]["withdrawn"] == "e1" and seen[1]["interaction_id"] == "i1"
    calm = _applied("Thanks for waiting.", speaker="customer")
    calm["event"] |= {"event_id": "c1-e", "edit_of": "c1"}
    listener("events", calm)  # the customer's edits carry no coaching
    assert len(seen) == 3


def test_the_catch_up_coaches_an_edited_message_on_its_last_words(
    client: TestClient, runtime: Runtime
) -> None:
    """After a bus gap, the catch-up sent the nudge of words the agent had edited away."""
    said = {**utterance("gap-1", "That's your fault.", speaker="agent"), "agent_id": "agent-7"}
    edit = {**said, "event_id": f"{said['event_id']}-e", "text": "I'm sorry, that was our fault.",
            "edit_of": said["event_id"]}  # fmt: skip
    events = [started("gap-1"), said, edit]
    assert client.post("/v1/events", json=events).status_code == 200
    fresh = MemoryBus()  # the gap: nothing remembered as sent
    seen: list[BusMessage] = []
    fresh.listen(lambda topic, message: seen.append(message), "assist")
    CoachingListener(fresh, runtime.db).catch_up()
    assert [m for m in seen if m["interaction_id"] == "gap-1"] == []
