"""``kairos simulate``: a contact-center day under each routing policy, with 95% intervals."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console


def simulate(
    agents: int = typer.Option(300, help="agent positions staffed at the busiest interval"),
    policies: str = typer.Option("fifo,moments", help="comma-separated; the first is the peer"),
    replications: int = typer.Option(20, min=1, help="days per policy (common random numbers)"),
    hours: float = typer.Option(24.0, help="length of the simulated day"),
    seed: int = typer.Option(1, help="seed; the same seed gives the same results"),
    out: Path = typer.Option(Path("var") / "simulate", help="where charts, JSON and CSV go"),
    set_: list[str] = typer.Option(
        [], "--set", help="change an assumption: name=value (repeatable; see --assumptions)"
    ),
    jobs: int = typer.Option(0, help="worker processes (0: one per CPU core)"),
    with_sensitivity: bool = typer.Option(
        False, "--sensitivity", help="also vary key assumptions (fit effect, MoT share, load...)"
    ),
    sensitivity_replications: int = typer.Option(5, min=2, help="replications per point"),
    show_assumptions: bool = typer.Option(
        False, "--assumptions", help="list every assumption with its source, and stop"
    ),
) -> None:
    """Simulate a contact-center day under each routing policy and compare them.

    Offline: a what-if of routing policies in memory; it writes nothing to the database, so the
    pages show none of it. To see traffic in the wallboard and desktops, run `kairos demo`.
    """
    import time

    from kairos.cli import simulate_output as output
    from kairos.routing.policies import POLICIES
    from kairos.simulation.experiment import default_jobs
    from kairos.simulation.scenario import Scenario, ScenarioError, parse_overrides, with_overrides

    console = Console()
    err = Console(stderr=True)
    try:
        scenario = with_overrides(
            Scenario(), {"agents": agents, "hours": hours, **parse_overrides(set_)}
        )
    except (ScenarioError, TypeError) as exc:
        err.print(f"[red]bad scenario: {exc}[/]")
        raise typer.Exit(2) from None
    if show_assumptions:
        console.print(output.assumptions_table(scenario))
        return
    names = tuple(p.strip() for p in policies.split(",") if p.strip())
    unknown = [p for p in names if p not in POLICIES]
    if not names or unknown:
        err.print(f"[red]unknown policy {', '.join(unknown)!s}; known: {', '.join(POLICIES)}[/]")
        raise typer.Exit(2)
    if with_sensitivity and len(names) < 2:
        err.print("[yellow]sensitivity needs two policies; skipped[/]")
    started = time.perf_counter()
    experiment, rows = output.run_with_progress(
        err, scenario, names, replications=replications, seed=seed, jobs=jobs or default_jobs(),
        sensitivity_replications=sensitivity_replications if with_sensitivity else 0,
    )  # fmt: skip
    wall_s = time.perf_counter() - started
    console.print(output.results_table(experiment))
    if rows:
        console.print(output.sensitivity_table(rows))
    paths = output.write_outputs(out, experiment, rows, wall_s)
    err.print(f"{wall_s:.1f} s; wrote " + ", ".join(str(p) for p in paths))
    err.print(
        "Offline: nothing was written to the database and the pages show none of it; "
        "`kairos demo` feeds live simulated traffic to the pages."
    )
