"""The live stream: what each user's page may receive, heartbeats, and a clean end."""

from __future__ import annotations

import asyncio
import json

from kairos.auth.schemas import Principal
from kairos.bus import MemoryBus
from kairos.web.live import LiveFilter, stream

AVA = Principal(user_id=1, username="ava", display_name="Ava", role="agent", agent_id="agent-ava")
SUE = Principal(
    user_id=2,
    username="sue",
    display_name="Sue",
    role="supervisor",
    teams=("north",),
    team_agents=frozenset({"agent-ava"}),
)
ROOT = Principal(user_id=3, username="root", display_name="Root", role="admin")


def _event(interaction_id: str, **body: object) -> dict[str, object]:
    return {
        "topic": "events",
        "type": "event.applied",
        "event": {"type": "utterance", "interaction_id": interaction_id, **body},
    }


def test_an_agent_receives_only_their_interactions() -> None:
    live = LiveFilter(AVA, held=["chat-1"])
    assert live.admit(_event("chat-1", speaker="customer", text="hi"))
    assert not live.admit(_event("chat-2", speaker="customer", text="someone else's"))
    assessment = {"topic": "assessments", "type": "assessment.updated"}
    assert not live.admit({**assessment, "interaction_id": "chat-2", "agent_id": "agent-ben"})
    assert live.admit({**assessment, "interaction_id": "chat-1", "agent_id": "agent-ava"})
    # Routing gives her chat-2: from then on its events are hers.
    decided = {"topic": "routing", "type": "routing.decided", "interaction_id": "chat-2"}
    assert live.admit({**decided, "agent_id": "agent-ava"})
    assert live.admit(_event("chat-2", speaker="customer", text="now hers"))
    # A contact the platform gave her directly: her own words in it make it hers.
    assert live.admit(_event("chat-5", speaker="agent", agent_id="agent-ava", text="Hello"))
    assert live.admit(_event("chat-5", speaker="customer", text="hi"))
    assert not live.admit({**decided, "interaction_id": "chat-3", "agent_id": "agent-ben"})
    # A transfer away ends it; the transfer itself is still shown.
    transfer = {"topic": "events", "type": "event.applied"}
    moved = {"type": "transfer", "interaction_id": "chat-2", "to_queue": "claims"}
    assert live.admit({**transfer, "event": moved})
    assert not live.admit(_event("chat-2", speaker="customer", text="gone"))


def test_an_agent_follows_the_escalation_of_their_chat() -> None:
    live = LiveFilter(AVA, held=["chat-1"])
    escalated = {"topic": "interactions", "type": "interaction.escalated", "agent_id": "agent-ava"}
    assert live.admit({**escalated, "interaction_id": "cb-1", "source_interaction_id": "chat-1"})
    assert not live.admit(
        {**escalated, "interaction_id": "cb-2", "source_interaction_id": "chat-9", "agent_id": None}
    )


def test_an_agent_gets_no_supervisor_alerts_nor_other_agents_states() -> None:
    live = LiveFilter(AVA, held=["chat-1"])
    alert = {"topic": "supervision", "type": "supervisor.alert", "interaction_id": "chat-1"}
    assert not live.admit({**alert, "agent_id": "agent-ava"})
    state = {"topic": "agents", "type": "agent.state_changed", "state": "away"}
    assert live.admit({**state, "agent_id": "agent-ava"})
    assert not live.admit({**state, "agent_id": "agent-ben"})


def test_key_messages_reach_an_agent_only_for_matching_interactions() -> None:
    live = LiveFilter(AVA, held=["chat-1"])
    posted = {"topic": "messages", "type": "key_message.posted", "message": {"title": "outage"}}
    assert live.admit({**posted, "interaction_ids": ["chat-9", "chat-1"]})
    assert not live.admit({**posted, "interaction_ids": ["chat-9"]})
    assert LiveFilter(SUE).admit({**posted, "interaction_ids": []})


def test_a_supervisor_sees_their_teams_and_the_waiting_and_an_admin_all() -> None:
    live = LiveFilter(SUE)
    assessment = {"topic": "assessments", "type": "assessment.updated"}
    assert live.admit({**assessment, "interaction_id": "w-1", "agent_id": None})
    assert live.admit({**assessment, "interaction_id": "a-1", "agent_id": "agent-ava"})
    assert not live.admit({**assessment, "interaction_id": "b-1", "agent_id": "agent-ben"})
    # Events carry no agent: the filter remembers whose interaction it is.
    assert not live.admit(_event("b-1", speaker="customer", text="ben's customer"))
    assert live.admit(_event("a-1", speaker="customer", text="ava's customer"))
    alert = {"topic": "supervision", "type": "supervisor.alert", "interaction_id": "b-1"}
    assert not live.admit({**alert, "agent_id": "agent-ben"})
    assert live.admit({**alert, "interaction_id": "a-1", "agent_id": "agent-ava"})
    assert LiveFilter(ROOT).admit({**alert, "agent_id": "agent-ben"})
    # A chat she took over herself is hers to follow.
    assert live.admit({**assessment, "interaction_id": "t-1", "agent_id": "sue"})


def test_the_stream_sends_admitted_messages_and_heartbeats_then_unsubscribes() -> None:
    async def run() -> list[str]:
        bus = MemoryBus()
        frames = stream(bus, LiveFilter(AVA, held=["chat-1"]), heartbeat_s=0.05)
        received = [await anext(frames), await anext(frames)]  # retry hint, hello
        bus.publish("events", _event("chat-2", speaker="customer", text="not hers"))
        bus.publish("events", _event("chat-1", speaker="customer", text="hers"))
        received.append(await anext(frames))
        received.append(await anext(frames))  # nothing more: a heartbeat
        assert len(bus._pages.subscriptions) == 1
        await frames.aclose()  # the page went away
        assert bus._pages.subscriptions == []
        return received

    retry, hello, message, heartbeat = asyncio.run(run())
    assert retry.startswith("retry:")
    assert json.loads(hello.removeprefix("data: "))["type"] == "live.connected"
    assert json.loads(message.removeprefix("data: "))["event"]["text"] == "hers"
    assert heartbeat == ": heartbeat\n\n"


def test_a_supervisor_hears_that_a_waiting_contact_went_to_another_team() -> None:
    """Sue (north) saw w-1 waiting; routing gives it to agent-ben (south): her page hears that
    it was taken (its wallboard reads itself again), not who took it nor why."""
    live = LiveFilter(SUE)
    assert live.admit({"topic": "assessments", "type": "assessment.updated",
                       "interaction_id": "w-1", "agent_id": None})  # fmt: skip
    decided = {"topic": "routing", "type": "routing.decided", "interaction_id": "w-1",
               "agent_id": "agent-ben", "summary": "routine: waited 2 min"}  # fmt: skip
    assert live.shown(decided) == {"topic": "routing", "type": "routing.taken",
                                   "interaction_id": "w-1"}  # fmt: skip
    mine = {**decided, "interaction_id": "w-2", "agent_id": "agent-ava"}
    assert live.shown(mine) == mine
    assert LiveFilter(ROOT).shown(decided) == decided
    assert LiveFilter(AVA).shown(decided) is None  # an agent hears only their own
