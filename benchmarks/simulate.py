"""Simulator speed: one contact-center day per policy, ``fifo`` (the peer) against ``moments``.

A 24-hour day with 1,000 agents (about 110,000 contacts) drawn once and run under each policy in
this process, one after the other. Drawing the day is timed apart; "run" is the discrete-event
model with every routing decision made by the real policy on one live routing board. The target
is under 60 s per policy run on a 2-core machine.

    python benchmarks/simulate.py [--agents 1000] [--hours 24] [--seed 1] [--profile moments]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from rich.console import Console
from rich.table import Table

from kairos.simulation import Scenario, generate_day, simulate

TARGET_S = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--policies", default="fifo,moments", help="the first is the peer")
    parser.add_argument("--profile", default=None, help="cProfile this policy's run, top 25")
    args = parser.parse_args()
    console = Console()
    scenario = Scenario(agents=args.agents, hours=args.hours)
    started = time.perf_counter()
    day = generate_day(scenario, seed=args.seed)
    draw_s = time.perf_counter() - started
    contacts = len(day.contacts)
    console.print(
        f"day: {args.agents} agents, {args.hours:g} h, {contacts:,} contacts, "
        f"drawn in {draw_s:.2f} s"
    )
    table = Table(title="Simulator speed (one day per policy, same day)")
    for column in ("policy", "wall s", "contacts/s", "decisions", "vs peer", f"< {TARGET_S:g} s"):
        table.add_column(column, justify="right" if column != "policy" else "left")
    peer_s: float | None = None
    for policy in [p.strip() for p in args.policies.split(",") if p.strip()]:
        profiler = cProfile.Profile() if policy == args.profile else None
        if profiler:
            profiler.enable()
        result = simulate(scenario, day, policy)
        if profiler:
            profiler.disable()
        wall = result.wall_s
        peer_s = peer_s or wall
        table.add_row(
            policy,
            f"{wall:.2f}",
            f"{contacts / wall:,.0f}",
            f"{result.decisions:,}",
            f"{wall / peer_s:.2f}x",
            "[green]yes[/]" if wall < TARGET_S else "[red]no[/]",
        )
        if profiler:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    console.print(table)


if __name__ == "__main__":
    main()
