"""``next_for_agent`` computes the priority of the contacts the agent may take only: it must choose
exactly what scoring the whole board chooses (the rules written out again here, over every slot),
ties, deadlines, the certified reserve and re-prioritised contacts included."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kairos.routing.board import Bool, RoutingBoard, best, seconds
from kairos.routing.policies import FifoPolicy, MomentsPolicy, RoutingPolicy, build_board
from kairos.routing.snapshots import AgentSnapshot, Decision, WaitingInteraction

START = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
SKILLS = ("billing", "travel", "claims", "sales")


def _allowed_everywhere(
    policy: RoutingPolicy, board: RoutingBoard, agent_slot: int, now: float
) -> Bool:
    """What the agent may take, over every slot of the board, from the policies' rules."""
    a = agent_slot
    allowed: Bool = (
        board.w_active
        & ((board.w_skills & ~board.a_skills[a]) == 0)
        & ((board.w_channel & ~board.a_channels[a]) == 0)
        & ((board.w_language & ~board.a_languages[a]) == 0)
    )
    if not isinstance(policy, MomentsPolicy):
        return allowed
    mot = board.w_mot >= policy.mot_threshold
    if board.a_certified[a] and policy.reserve_held(board):
        allowed = allowed & mot
    if not board.a_certified[a]:
        free_certified = board.can_take_work() & board.a_certified
        fresh = board.w_enqueued > now - policy.hold_for_certified_seconds
        for slot in np.flatnonzero(allowed & mot & fresh):
            if (board.eligible_agents(int(slot)) & free_certified).any():
                allowed[slot] = False
    return allowed


def _scanned(
    policy: RoutingPolicy, board: RoutingBoard, agent_id: str, now: datetime
) -> Decision | None:
    """The choice made by scoring every slot of the board (the code before), applied."""
    agent_slot = board.agent_slot(agent_id)
    if agent_slot is None or not board.can_take_work()[agent_slot]:
        return None
    now_s = seconds(now)
    priority = policy.priority(board, now_s)
    load = policy.load(board)
    slot = best(priority, _allowed_everywhere(policy, board, agent_slot, now_s), board.w_ids)
    if slot is None:
        return None
    return policy._decide(board, slot, agent_slot, float(priority[slot]), now_s, load)


def _contact(rng: random.Random, n: int, now: datetime) -> WaitingInteraction:
    # Few distinct values, so that equal priorities (ties) are common.
    deadline = rng.choice([None, None, -30, 10, 60, 119, 120, 300])
    return WaitingInteraction(
        id=f"c{rng.randrange(10**6):06d}-{n}", queue="q", channel=rng.choice(["call", "chat"]),
        enqueued_at=now - timedelta(seconds=rng.choice([0, 5, 20, 40, 300, 900])),
        required_skills=tuple(rng.sample(SKILLS, rng.choice([0, 1, 1, 1, 2]))),
        language=rng.choice([None, "en", "es"]), mot_score=rng.choice([0.0, 0.3, 0.5, 0.9]),
        deadline=None if deadline is None else now + timedelta(minutes=deadline),
        churn_risk=rng.choice([0.0, 0.5]), customer_value=rng.choice([0.5, 0.9]),
    )  # fmt: skip


def _agent(rng: random.Random, n: int, now: datetime, busy: bool) -> AgentSnapshot:
    skills = rng.sample(SKILLS, rng.choice([1, 2, 3]))
    most = rng.choice([1, 1, 2])
    return AgentSnapshot(
        id=f"a{n:03d}", skills={s: rng.randint(1, 5) for s in skills},
        channels=tuple(rng.sample(["call", "chat"], rng.choice([0, 1, 2]))),
        languages=tuple(rng.sample(["en", "es"], rng.choice([0, 1]))),
        max_concurrency=most, load=most if busy and rng.random() < 0.9 else 0,
        empathy=rng.choice([0.5, 0.9]),
        mot_certified=rng.random() < 0.3, state=rng.choice(["available"] * 4 + ["busy", "away"]),
        idle_since=now - timedelta(seconds=rng.choice([10, 60, 600])),
    )  # fmt: skip


@pytest.mark.parametrize("policy", [MomentsPolicy(), FifoPolicy()], ids=lambda p: p.name)
@pytest.mark.parametrize("seed", range(12))
def test_next_for_agent_chooses_what_the_whole_board_scan_chooses(
    policy: RoutingPolicy, seed: int
) -> None:
    rng = random.Random(seed)
    now = START
    contacts = [_contact(rng, n, now) for n in range(rng.choice([5, 40, 150]))]
    # Every other centre is nearly full: the certified reserve is held there.
    agents = [_agent(rng, n, now, seed % 2 == 1) for n in range(rng.choice([4, 30, 60]))]
    fast, scanned = build_board(contacts, agents), build_board(contacts, agents)
    made = held = 0
    for step in range(300):
        now += timedelta(seconds=rng.choice([0, 0, 1, 7, 30]))
        roll = rng.random()
        if roll < 0.5:
            agent_id = rng.choice(agents).id
            decision = policy.next_for_agent(fast, agent_id, now=now)
            assert decision == _scanned(policy, scanned, agent_id, now), (seed, step)
            made += decision is not None
            held += isinstance(policy, MomentsPolicy) and policy.reserve_held(fast)
        elif roll < 0.65:  # a new contact
            new = _contact(rng, 1000 + step, now)
            for board in (fast, scanned):
                board.put_waiting(new)
        elif roll < 0.8 and fast.interactions:  # an assessment re-prioritises a waiting one
            old = fast.interactions[rng.choice(sorted(fast.interactions))]
            new = replace(old, mot_score=rng.choice([0.0, 0.5, 0.9]), deadline=rng.choice(
                [None, now + timedelta(minutes=rng.choice([5, 90]))]))  # fmt: skip
            for board in (fast, scanned):
                board.put_waiting(new)
        elif roll < 0.9 and fast.interactions:  # abandoned: its slot is reused later
            gone = rng.choice(sorted(fast.interactions))
            for board in (fast, scanned):
                board.remove_waiting(gone)
        else:  # an agent's state or load changes
            agent = fast.agents[rng.choice(sorted(fast.agents))]
            state = rng.choice(["available", "available", "busy", "away"])
            changed = replace(agent, state=state, load=rng.choice([0, agent.load]))
            for board in (fast, scanned):
                board.put_agent(changed)
    assert made > 0
    assert held > 0 or seed % 2 == 0 or not isinstance(policy, MomentsPolicy)
    assert fast.interactions == scanned.interactions and fast.agents == scanned.agents
