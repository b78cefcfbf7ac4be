"""Routing policies on plain snapshots: order, fit, the reserve, re-prioritisation, ties."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from kairos.routing.board import seconds
from kairos.routing.policies import FifoPolicy, MomentsPolicy, build_board, make_policy
from kairos.routing.snapshots import AgentSnapshot, LiveInteraction, WaitingInteraction

NOW = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)


def waiting(
    id: str, *, waited: float = 60, mot: float = 0.05, skills: tuple[str, ...] = ("billing",),
    channel: str = "call", language: str | None = None, deadline_minutes: float | None = None,
    value: float = 0.5,
) -> WaitingInteraction:  # fmt: skip
    return WaitingInteraction(
        id=id, queue="q", channel=channel, enqueued_at=NOW - timedelta(seconds=waited),
        required_skills=skills, language=language, mot_score=mot,
        deadline=None if deadline_minutes is None else NOW + timedelta(minutes=deadline_minutes),
        customer_value=value,
    )  # fmt: skip


def agent(
    id: str, *, idle: float = 60, skills: dict[str, int] | None = None, certified: bool = False,
    empathy: float = 0.5, state: str = "available", load: int = 0, channels: tuple[str, ...] = (),
    languages: tuple[str, ...] = (),
) -> AgentSnapshot:  # fmt: skip
    return AgentSnapshot(
        id=id, skills=skills if skills is not None else {"billing": 3}, channels=channels,
        languages=languages, mot_certified=certified, empathy=empathy, load=load,
        state=state,  # type: ignore[arg-type]
        idle_since=NOW - timedelta(seconds=idle), max_concurrency=1,
    )  # fmt: skip


def test_fifo_takes_longest_wait_to_longest_idle_agent_with_the_skill() -> None:
    interactions = [waiting("i-new", waited=10), waiting("i-old", waited=300, mot=0.0),
                    waiting("i-mid", waited=100, mot=0.99)]  # fmt: skip
    agents = [agent("a-fresh", idle=5), agent("a-idle", idle=500),
              agent("a-noskill", idle=9999, skills={"claims": 5})]  # fmt: skip
    decisions = FifoPolicy().choose_from(interactions, agents, now=NOW, limit=3)
    assert [(d.interaction_id, d.agent_id) for d in decisions] == [
        ("i-old", "a-idle"),
        ("i-mid", "a-fresh"),
    ]
    assert decisions[1].moment_of_truth  # flagged for empowered handling whatever the policy


def test_channel_and_language_are_respected() -> None:
    board = build_board(
        [waiting("chat-es", channel="chat", language="es", waited=500),
         waiting("call-en", waited=10)],
        [agent("a-call-en", channels=("call",), languages=("en",)),
         agent("a-chat-es", channels=("chat",), languages=("es",), idle=1)],
    )  # fmt: skip
    pairs = {(d.interaction_id, d.agent_id) for d in FifoPolicy().choose(board, now=NOW, limit=2)}
    assert pairs == {("chat-es", "a-chat-es"), ("call-en", "a-call-en")}


def test_moments_puts_near_deadline_moment_first_and_gives_it_the_certified_empathetic_agent() -> (
    None
):
    interactions = [
        waiting("routine-long", waited=240, mot=0.05),
        waiting("mot-recital", waited=20, mot=0.85, deadline_minutes=45, value=0.6),
        waiting("routine-new", waited=5),
    ]
    agents = [
        agent("a-longest-idle", idle=900, empathy=0.4),
        agent("a-certified", idle=10, empathy=0.9, certified=True, skills={"billing": 4}),
        agent("a-other", idle=300, empathy=0.6),
    ]
    first = MomentsPolicy().choose_from(interactions, agents, now=NOW, limit=1)[0]
    assert (first.interaction_id, first.agent_id) == ("mot-recital", "a-certified")
    assert first.moment_of_truth
    reasons = {r.factor: r.value for r in first.reasons}
    assert reasons["mot_score"] == 0.85
    assert reasons["minutes_to_deadline"] == 45.0
    assert reasons["agent_mot_certified"] is True
    # The same centre under fifo serves the long-waiting routine call first, to the idlest agent.
    peer = FifoPolicy().choose_from(interactions, agents, now=NOW, limit=1)[0]
    assert (peer.interaction_id, peer.agent_id) == ("routine-long", "a-longest-idle")


def test_routine_work_goes_to_uncertified_agents_first() -> None:
    agents = [agent("a-cert", idle=900, certified=True), agent("a-plain", idle=10)]
    decision = MomentsPolicy().choose_from([waiting("r")], agents, now=NOW)[0]
    assert decision.agent_id == "a-plain"


def _busy_centre(free_certified: int, free_plain: int) -> list[AgentSnapshot]:
    busy = [agent(f"busy-{n:02d}", state="busy", load=1) for n in range(40)]
    certified = [agent(f"cert-{n}", certified=True, empathy=0.9) for n in range(free_certified)]
    plain = [agent(f"plain-{n}") for n in range(free_plain)]
    return busy + certified + plain


def test_reserve_holds_certified_agents_back_from_routine_work_under_high_load() -> None:
    policy = MomentsPolicy(reserve_occupancy=0.85, reserve_fraction=0.2, reserve_min=1)
    routine = [waiting(f"r{n}", waited=600 + n) for n in range(5)]
    board = build_board(routine, _busy_centre(free_certified=1, free_plain=1))
    decisions = policy.choose(board, now=NOW, limit=5)
    # One uncertified agent takes one routine call; the last certified agent is held back.
    assert [d.agent_id for d in decisions] == ["plain-0"]
    assert policy.next_for_agent(board, "cert-0", now=NOW) is None
    # A moment of truth arrives: the reserved agent takes it at once.
    board.put_waiting(waiting("mot", waited=1, mot=0.9))
    decision = policy.next_for_agent(board, "cert-0", now=NOW)
    assert decision is not None and decision.interaction_id == "mot"


def test_without_high_load_certified_agents_take_routine_work() -> None:
    policy = MomentsPolicy()
    agents = [agent("cert-0", certified=True), agent("busy", state="busy", load=1)]
    decisions = policy.choose_from([waiting("r0")], agents, now=NOW)
    assert [d.agent_id for d in decisions] == ["cert-0"]
    # fifo keeps no reserve at all, even when the centre is full.
    board = build_board([waiting("r0")], _busy_centre(free_certified=1, free_plain=0))
    assert [d.agent_id for d in FifoPolicy().choose(board, now=NOW)] == ["cert-0"]


def test_reprioritised_when_the_assessment_changes_while_waiting() -> None:
    policy = MomentsPolicy()
    board = build_board([waiting("a", waited=120), waiting("b", waited=60)], [agent("x")])
    later = NOW + timedelta(seconds=30)
    assert policy.next_for_agent(build_board(list(board.interactions.values()), [agent("x")]),
                                 "x", now=later).interaction_id == "a"  # type: ignore[union-attr]  # fmt: skip
    # The detector now hears "my flight was cancelled and the recital is at 7": b becomes a MoT.
    board.put_waiting(replace(board.interactions["b"], mot_score=0.8,
                              deadline=NOW + timedelta(minutes=60)))  # fmt: skip
    decision = policy.next_for_agent(board, "x", now=later)
    assert decision is not None and decision.interaction_id == "b"


def test_deadline_pressure_grows_as_the_deadline_nears() -> None:
    policy = MomentsPolicy()
    interactions = [waiting("far", mot=0.6, deadline_minutes=600, waited=60),
                    waiting("near", mot=0.6, deadline_minutes=30, waited=30)]  # fmt: skip
    assert policy.choose_from(interactions, [agent("x")], now=NOW)[0].interaction_id == "near"


def test_long_waiting_routine_contact_is_not_starved() -> None:
    policy = MomentsPolicy()
    interactions = [waiting("routine", waited=1800), waiting("mot", mot=0.9, waited=5)]
    assert policy.choose_from(interactions, [agent("x")], now=NOW)[0].interaction_id == "routine"


@pytest.mark.parametrize("name", ["fifo", "moments"])
def test_ties_are_decided_by_id_whatever_the_order_of_arrival(name: str) -> None:
    interactions = [waiting(f"i{n}", waited=60) for n in range(6)]
    agents = [agent(f"a{n}", idle=60) for n in range(6)]
    results = set()
    for seed in range(5):
        rng = random.Random(seed)
        shuffled_i, shuffled_a = interactions[:], agents[:]
        rng.shuffle(shuffled_i)
        rng.shuffle(shuffled_a)
        decisions = make_policy(name).choose_from(shuffled_i, shuffled_a, now=NOW, limit=6)
        results.add(tuple((d.interaction_id, d.agent_id) for d in decisions))
    assert results == {tuple((f"i{n}", f"a{n}") for n in range(6))}


def test_concurrency_lets_a_chat_agent_take_several() -> None:
    chat_agent = replace(agent("chat", channels=("chat",)), max_concurrency=3)
    interactions = [waiting(f"c{n}", channel="chat", waited=100 - n) for n in range(5)]
    decisions = FifoPolicy().choose_from(interactions, [chat_agent], now=NOW, limit=5)
    assert [d.interaction_id for d in decisions] == ["c0", "c1", "c2"]


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown routing policy"):
        make_policy("random")


def test_supervisor_alert_when_strain_and_stakes_cross_the_line() -> None:
    policy = MomentsPolicy(alert_strain=0.7, take_over_strain=0.85)
    calm = LiveInteraction(id="c", agent_id="a", emotion=0.3, stakes=("travel_disruption",))
    assert policy.supervisor_alert(calm) is None
    upset_no_stakes = LiveInteraction(id="c", agent_id="a", emotion=0.9, mot_score=0.1)
    assert policy.supervisor_alert(upset_no_stakes) is None
    strained = LiveInteraction(id="c", agent_id="a", stress=0.75, stakes=("insurance_claim",))
    alert = policy.supervisor_alert(strained)
    assert alert is not None and alert.action == "assist"
    assert {r.factor: r.value for r in alert.reasons}["stakes"] == "insurance_claim"
    urgent = LiveInteraction(id="c", agent_id="a", emotion=0.95, mot_score=0.9,
                             stakes=("family_event",), minutes_to_deadline=40)  # fmt: skip
    alert = policy.supervisor_alert(urgent)
    assert alert is not None and alert.action == "take_over"


def test_pull_holds_a_fresh_moment_of_truth_for_a_free_certified_agent() -> None:
    interactions = [waiting("mot", mot=0.9, waited=5), waiting("routine", waited=60)]
    agents = [agent("a-plain"), agent("a-cert", certified=True, empathy=0.9)]
    policy = MomentsPolicy()
    decision = policy.next_for_agent(build_board(interactions, agents), "a-plain", now=NOW)
    assert decision is not None and decision.interaction_id == "routine"
    decision = policy.next_for_agent(build_board(interactions, agents), "a-cert", now=NOW)
    assert decision is not None and decision.interaction_id == "mot"


def test_pull_hold_ends_when_no_certified_agent_is_free_or_after_the_hold() -> None:
    policy = MomentsPolicy(hold_for_certified_seconds=30)
    fresh = [waiting("mot", mot=0.9, waited=5), waiting("routine", waited=60)]
    busy_cert = [agent("a-plain"), agent("a-cert", certified=True, state="busy")]
    decision = policy.next_for_agent(build_board(fresh, busy_cert), "a-plain", now=NOW)
    assert decision is not None and decision.interaction_id == "mot"
    stale = [waiting("mot", mot=0.9, waited=45), waiting("routine", waited=60)]
    free_cert = [agent("a-plain"), agent("a-cert", certified=True)]
    decision = policy.next_for_agent(build_board(stale, free_cert), "a-plain", now=NOW)
    assert decision is not None and decision.interaction_id == "mot"
    # The certified agent must be able to take it: one without the skill holds nothing back.
    unskilled = [agent("a-plain"), agent("a-cert", certified=True, skills={"claims": 5})]
    decision = policy.next_for_agent(build_board(fresh, unskilled), "a-plain", now=NOW)
    assert decision is not None and decision.interaction_id == "mot"


@pytest.mark.parametrize("name", ["fifo", "moments"])
def test_agent_for_matches_choose_for_one_arrival(name: str) -> None:
    rng = random.Random(5)
    agents = [
        agent(f"a{i}", idle=rng.uniform(0, 600), certified=i % 3 == 0, empathy=rng.random(),
              skills={"billing": rng.randint(1, 5)})
        for i in range(8)
    ]  # fmt: skip
    arrival = waiting("new", mot=0.8, waited=0)
    policy = make_policy(name)
    pushed = policy.agent_for(build_board([arrival], agents), "new", now=NOW)
    chosen = policy.choose(build_board([arrival], agents), now=NOW)
    assert pushed is not None and [pushed] == chosen
    assert policy.agent_for(build_board([arrival], agents), "absent", now=NOW) is None


def test_a_deadline_passed_presses_only_within_the_grace_window() -> None:
    policy = MomentsPolicy(deadline_grace_minutes=30)
    furious = dict(id="c", agent_id="a", emotion=0.95, mot_score=0.9, stakes=("family_event",))
    actions = {
        minutes: policy.supervisor_alert(LiveInteraction(**furious, minutes_to_deadline=minutes))
        for minutes in (40.0, 0.0, -10.0, -30.0, -31.0, -600.0)
    }
    assert {m: a.action for m, a in actions.items() if a is not None} == {
        40.0: "take_over", 0.0: "take_over", -10.0: "take_over", -30.0: "take_over",
        -31.0: "assist", -600.0: "assist",
    }  # fmt: skip


def test_a_long_passed_deadline_gives_no_routing_priority() -> None:
    policy = MomentsPolicy()
    board = build_board(
        [waiting("near", mot=0.6, deadline_minutes=30, waited=30),
         waiting("just-passed", mot=0.6, deadline_minutes=-5, waited=30),
         waiting("long-passed", mot=0.6, deadline_minutes=-300, waited=30),
         waiting("none", mot=0.6, waited=30)],
        [agent("x")],
    )  # fmt: skip
    priority = dict(zip(board.w_ids, policy.priority(board, seconds(NOW)), strict=False))
    assert priority["just-passed"] > priority["near"] > priority["none"]
    assert priority["long-passed"] == pytest.approx(priority["none"])
