"""Routing decision speed: ``fifo`` (the industry default, the peer) against ``moments``.

A busy centre in steady state: 2,000 agents (about 90% occupied, so the certified reserve is in
play) and 5,000 waiting interactions from a seeded, realistic mix of channels, languages, skills,
MoT scores and deadlines. Each round times one decision (``choose`` with limit 1, and an agent's
pull, ``next_for_agent``); between rounds, outside the timing, one busy agent frees up and one new
interaction arrives, so the board stays the same size.

    python benchmarks/routing.py [--agents 2000] [--waiting 5000] [--decisions 3000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.table import Table

from kairos.routing.board import RoutingBoard
from kairos.routing.policies import FifoPolicy, MomentsPolicy, RoutingPolicy, build_board
from kairos.routing.snapshots import AgentSnapshot, WaitingInteraction

SKILLS = ("billing", "tech_support", "travel_rebooking", "claims", "fraud", "accounts", "sales",
          "retention", "roadside", "health_benefits", "business_it", "general")  # fmt: skip
CHANNELS = (("call", 0.55), ("chat", 0.30), ("email", 0.10), ("sms", 0.05))
LANGUAGES = (("en", 0.85), ("es", 0.10), ("fr", 0.05))
STAKES = ("travel_disruption", "insurance_claim", "money_lost", "business_deadline", "family_event")
NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([w for w, _ in weighted], [p for _, p in weighted])[0]


def make_interaction(rng: random.Random, n: int, now: datetime) -> WaitingInteraction:
    """A waiting interaction from the mix: mostly routine, about 6% moments of truth."""
    channel = _pick(rng, CHANNELS)
    skills = tuple(rng.sample(SKILLS[:-1], 1 if rng.random() < 0.7 else 2))
    mot = rng.betavariate(0.6, 6.0)
    deadline = now + timedelta(minutes=rng.uniform(10, 600)) if rng.random() < 0.15 else None
    return WaitingInteraction(
        id=f"i{n:07d}",
        queue=f"{channel}-{skills[0]}",
        channel=channel,
        enqueued_at=now - timedelta(seconds=rng.expovariate(1 / 240)),
        required_skills=skills,
        language=_pick(rng, LANGUAGES),
        mot_score=mot,
        deadline=deadline,
        stakes=(rng.choice(STAKES),) if mot > 0.4 else (),
        emotion=min(1.0, mot + rng.random() * 0.3),
        churn_risk=rng.random() * mot,
        customer_value=rng.random(),
    )


def make_agent(rng: random.Random, n: int, now: datetime, occupancy: float) -> AgentSnapshot:
    """An agent: 4-6 of the skills, English plus sometimes Spanish or French, 15% certified."""
    skills = {s: rng.randint(1, 5) for s in rng.sample(SKILLS, rng.randint(4, 6))}
    channels = ["call"] + [
        c for c, p in (("chat", 0.5), ("email", 0.3), ("sms", 0.2)) if rng.random() < p
    ]
    languages = ["en"] + [lang for lang, p in (("es", 0.15), ("fr", 0.08)) if rng.random() < p]
    maximum = 2 if "chat" in channels else 1
    busy = rng.random() < occupancy
    return AgentSnapshot(
        id=f"a{n:05d}",
        skills=skills,
        languages=tuple(languages),
        channels=tuple(channels),
        max_concurrency=maximum,
        load=maximum if busy else 0,
        empathy=rng.betavariate(5, 3),
        mot_certified=rng.random() < 0.15,
        tenure_months=rng.randint(0, 120),
        state="busy" if busy else "available",
        idle_since=now - timedelta(seconds=rng.uniform(0, 900)),
    )


def _free_one(board: RoutingBoard, rng: random.Random, now: datetime) -> None:
    busy = [a for a in rng.sample(list(board.agents.values()), 50) if not a.can_take_work]
    if busy:
        board.put_agent(replace(busy[0], load=0, state="available", idle_since=now))


def run(
    policy: RoutingPolicy,
    agents: int,
    waiting: int,
    decisions: int,
    seed: int,
    pull: bool,
) -> list[float]:
    """Seconds per decision over ``decisions`` rounds."""
    rng = random.Random(seed)
    board = build_board(
        [make_interaction(rng, n, NOW) for n in range(waiting)],
        [make_agent(rng, n, NOW, occupancy=0.9) for n in range(agents)],
    )
    ids = sorted(board.agents)
    timings: list[float] = []
    next_id = waiting
    clock = NOW
    decide: Callable[[], object]
    for _ in range(decisions):
        clock += timedelta(milliseconds=50)
        if pull:
            free = [a for a in rng.sample(ids, 40) if board.agents[a].can_take_work]
            agent_id = free[0] if free else ids[0]

            def decide(agent_id: str = agent_id, at: datetime = clock) -> object:
                return policy.next_for_agent(board, agent_id, now=at)
        else:

            def decide(at: datetime = clock) -> object:
                return policy.choose(board, now=at, limit=1)

        started = time.perf_counter()
        decide()
        timings.append(time.perf_counter() - started)
        _free_one(board, rng, clock)
        board.put_waiting(make_interaction(rng, next_id, clock))
        next_id += 1
    return timings


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1]


def main() -> None:
    """Run both policies on the same seeded centre and print one table with ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--waiting", type=int, default=5000)
    parser.add_argument("--decisions", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    console = Console(width=120)
    table = Table(
        title=f"Routing decisions: {args.agents} agents, {args.waiting} waiting, "
        f"{args.decisions} decisions per row (seed {args.seed})"
    )
    for column in ("mode", "policy", "decisions/s", "p50 ms", "p99 ms", "max ms", "p99 vs fifo"):
        table.add_column(column, justify="right" if column not in ("mode", "policy") else "left")
    for pull, mode in ((False, "choose (push)"), (True, "next_for_agent (pull)")):
        fifo_p99 = 0.0
        for policy in (FifoPolicy(), MomentsPolicy()):
            with console.status(f"{mode}: {policy.name}"):
                timings = run(policy, args.agents, args.waiting, args.decisions, args.seed, pull)
            p99 = _p(timings, 0.99)
            fifo_p99 = p99 if policy.name == "fifo" else fifo_p99
            table.add_row(
                mode,
                policy.name,
                f"{len(timings) / sum(timings):,.0f}",
                f"{_p(timings, 0.5) * 1e3:.3f}",
                f"{p99 * 1e3:.3f}",
                f"{max(timings) * 1e3:.3f}",
                f"{p99 / fifo_p99:.2f}x",
            )
    console.print(table)


if __name__ == "__main__":
    main()
