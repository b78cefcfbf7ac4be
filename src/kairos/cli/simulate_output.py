"""What ``kairos simulate`` prints and writes: the results and sensitivity tables, JSON, CSV and
charts. Loaded when the command runs (it needs SimPy and Plotly)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kairos.simulation.charts import write_report
from kairos.simulation.experiment import (
    SENSITIVITY,
    SENSITIVITY_METRICS,
    Experiment,
    Interval,
    SensitivityRow,
    experiment_record,
    run_experiment,
    sensitivity,
)
from kairos.simulation.outcomes import METRICS
from kairos.simulation.scenario import Scenario, assumptions


def _format(value: float, unit: str) -> str:
    if math.isnan(value):
        return "-"
    if unit == "%":
        return f"{100 * value:.1f}%"
    if unit == "s":
        return f"{value:.1f} s"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def _cell(interval: Interval, unit: str, *, signed: bool = False) -> str:
    mean = _format(interval.mean, unit)
    if signed and not math.isnan(interval.mean) and interval.mean > 0:
        mean = "+" + mean
    if math.isnan(interval.half_width):
        return mean
    return f"{mean} ± {_format(interval.half_width, unit)}"


def _difference(diff: Interval, unit: str) -> str:
    """A paired difference; shares in percentage points."""
    if unit == "%":
        points = Interval(100 * diff.mean, 100 * diff.half_width, diff.n)
        return _cell(points, "", signed=True) + " pp"
    return _cell(diff, unit, signed=True)


def results_table(experiment: Experiment) -> Table:
    """Each metric per policy (mean ± 95% CI half-width) and each policy's paired difference."""
    baseline = experiment.policies[0]
    reps = len({r.replication for r in experiment.runs})
    table = Table(title=f"{reps} replications, common random numbers, 95% confidence intervals")
    table.add_column("metric")
    for policy in experiment.policies:
        table.add_column(policy, justify="right")
    for policy in experiment.policies[1:]:
        table.add_column(f"{policy} − {baseline}", justify="right")
    for metric, (label, unit, higher_better) in METRICS.items():
        row = [label] + [_cell(experiment.summary(p, metric), unit) for p in experiment.policies]
        for policy in experiment.policies[1:]:
            diff = experiment.difference(policy, baseline, metric)
            text = _difference(diff, unit)
            if diff.significant and metric not in ("contacts", "mot_contacts"):
                better = (diff.mean > 0) == higher_better
                text = f"[{'green' if better else 'red'}]{text}[/]"
            row.append(text)
        table.add_row(*row)
    return table


def sensitivity_table(rows: list[SensitivityRow]) -> Table:
    """The paired difference in the key metrics as each assumption moves."""
    policy = f"{rows[0].policy} − {rows[0].baseline}" if rows else ""
    table = Table(title=f"Sensitivity: {policy} with one assumption changed (95% CI)")
    table.add_column("assumption")
    table.add_column("value", justify="right")
    for metric in SENSITIVITY_METRICS:
        label, unit, _ = METRICS[metric]
        table.add_column(label, justify="right")
    for row in rows:
        cells = [row.name, f"{row.value:g}"]
        for metric in SENSITIVITY_METRICS:
            unit = METRICS[metric][1]
            d = row.differences[metric]
            text = _difference(d, unit)
            cells.append(text if d.significant else f"[dim]{text}[/]")
        table.add_row(*cells)
    return table


def write_outputs(
    out: Path, experiment: Experiment, rows: list[SensitivityRow], wall_s: float
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    scenario = experiment.scenario
    record: dict[str, Any] = {
        "policies": list(experiment.policies),
        "seed": experiment.seed,
        "replications": len({r.replication for r in experiment.runs}),
        "wall_s": round(wall_s, 2),
        "summary": experiment_record(experiment),
        "runs": [
            {
                "policy": r.policy,
                "replication": r.replication,
                "wall_s": round(r.wall_s, 3),
                **r.metrics,
            }
            for r in experiment.runs
        ],
        "sensitivity": [
            {
                "name": r.name,
                "value": r.value,
                "policy": r.policy,
                "baseline": r.baseline,
                **{m: {"mean": d.mean, "ci95": [d.low, d.high]} for m, d in r.differences.items()},
            }
            for r in rows
        ],
        "assumptions": [
            {**a, "value": list(a["value"]) if isinstance(a["value"], tuple) else a["value"]}
            for a in assumptions(scenario)
        ],
    }
    json_path = out / "results.json"
    json_path.write_text(json.dumps(record, indent=2, default=float), encoding="utf-8")
    csv_path = out / "results.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["policy", "replication", *METRICS])
        for r in experiment.runs:
            writer.writerow([r.policy, r.replication, *(r.metrics[m] for m in METRICS)])
    html_path = write_report(out / "charts.html", experiment, rows or None)
    return [html_path, json_path, csv_path]


def assumptions_table(scenario: Scenario) -> Table:
    """Every assumption of the scenario with its value, kind and source."""
    table = Table(title="Assumptions (kind: published figure or ours)")
    for column in ("name", "value", "kind", "source"):
        table.add_column(column, overflow="fold")
    for a in assumptions(scenario):
        table.add_row(a["name"], str(a["value"]), a["kind"], a["source"])
    return table


def run_with_progress(
    err: Console,
    scenario: Scenario,
    names: tuple[str, ...],
    *,
    replications: int,
    seed: int,
    jobs: int,
    sensitivity_replications: int,
) -> tuple[Experiment, list[SensitivityRow]]:
    """The experiment, and the sensitivity rows when ``sensitivity_replications`` (and two
    policies) ask for them, with progress bars on ``err``."""
    points = sum(len(values) for values in SENSITIVITY.values())
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err,
    ) as progress:  # fmt: skip
        task = progress.add_task(f"days x {len(names)} policies", total=replications)
        experiment = run_experiment(
            scenario, names, replications=replications, seed=seed, jobs=jobs,
            on_done=lambda: progress.advance(task),
        )  # fmt: skip
        rows: list[SensitivityRow] = []
        if sensitivity_replications and len(names) >= 2:
            task2 = progress.add_task("sensitivity", total=points * sensitivity_replications)
            rows = sensitivity(
                scenario, policies=(names[0], names[1]), replications=sensitivity_replications,
                seed=seed, jobs=jobs, on_done=lambda: progress.advance(task2),
            )  # fmt: skip
    return experiment, rows
