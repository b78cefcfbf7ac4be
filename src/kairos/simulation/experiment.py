"""Replications with common random numbers, 95% confidence intervals, and the sensitivity sweep.

Each replication draws one :class:`~kairos.simulation.day.Day` and runs it under every policy,
so a difference between policies is measured pair by pair (a paired t interval), which is far
tighter than comparing two independent sets of days.
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from kairos.simulation.day import generate_day
from kairos.simulation.engine import simulate
from kairos.simulation.outcomes import METRICS, hourly, metrics
from kairos.simulation.scenario import Scenario, with_overrides

_Z975 = 1.959963984540054


def t_quantile_975(df: int) -> float:
    """The 97.5% quantile of Student's t (exact for 1 and 2 degrees of freedom, else expanded)."""
    if df < 1:
        return float("nan")
    if df == 1:
        return 12.706204736174698
    if df == 2:
        return 4.302652729749464
    z, v = _Z975, float(df)
    # Cornish-Fisher expansion of t around the normal quantile; within 1e-3 from 3 df up.
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4)
    )


@dataclass(frozen=True, slots=True)
class Interval:
    """A mean over replications with the half-width of its 95% confidence interval."""

    mean: float
    half_width: float
    n: int

    @property
    def low(self) -> float:
        """Lower end of the interval."""
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        """Upper end of the interval."""
        return self.mean + self.half_width

    @property
    def significant(self) -> bool:
        """Whether the interval excludes zero (for a difference)."""
        return self.n > 1 and (self.low > 0 or self.high < 0)


def interval(values: Sequence[float]) -> Interval:
    """The mean of ``values`` and its 95% t interval (NaN values are left out)."""
    clean = [v for v in values if not math.isnan(v)]
    if not clean:
        return Interval(float("nan"), float("nan"), 0)
    if len(clean) == 1:
        return Interval(clean[0], float("nan"), 1)
    sd = statistics.stdev(clean)
    return Interval(
        statistics.fmean(clean), t_quantile_975(len(clean) - 1) * sd / math.sqrt(len(clean)),
        len(clean),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class RunMetrics:
    """One policy on one replication's day."""

    policy: str
    replication: int
    metrics: dict[str, float]
    hourly: dict[str, list[float]]
    wall_s: float


def run_replication(
    scenario: Scenario, policies: Sequence[str], *, seed: int, replication: int
) -> list[RunMetrics]:
    """One day drawn once, run under each policy (common random numbers)."""
    day = generate_day(scenario, seed=seed, replication=replication)
    runs = []
    for policy in policies:
        result = simulate(scenario, day, policy)
        runs.append(
            RunMetrics(
                policy=policy,
                replication=replication,
                metrics=metrics(scenario, day, result),
                hourly=hourly(scenario, day, result),
                wall_s=result.wall_s,
            )
        )
    return runs


def _task(args: tuple[Scenario, tuple[str, ...], int, int]) -> list[RunMetrics]:
    scenario, policies, seed, replication = args
    return run_replication(scenario, policies, seed=seed, replication=replication)


def _map(
    tasks: list[tuple[Scenario, tuple[str, ...], int, int]],
    jobs: int,
    on_done: Callable[[], None] | None,
) -> list[list[RunMetrics]]:
    """Run tasks in order of submission, in ``jobs`` processes (1: in this one)."""
    results: list[list[RunMetrics]] = []
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            results.append(_task(task))
            if on_done:
                on_done()
        return results
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_task, task) for task in tasks]
        for future in futures:
            results.append(future.result())
            if on_done:
                on_done()
    return results


def default_jobs() -> int:
    """Worker processes: one per CPU core available to us."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


@dataclass(frozen=True, slots=True)
class Experiment:
    """Every run of every policy over the replications."""

    scenario: Scenario
    policies: tuple[str, ...]
    seed: int
    runs: tuple[RunMetrics, ...]

    def values(self, policy: str, metric: str) -> list[float]:
        """The metric per replication for one policy, in replication order."""
        ordered = sorted((r for r in self.runs if r.policy == policy), key=lambda r: r.replication)
        return [r.metrics[metric] for r in ordered]

    def summary(self, policy: str, metric: str) -> Interval:
        """Mean and 95% interval of a metric for one policy."""
        return interval(self.values(policy, metric))

    def difference(self, policy: str, baseline: str, metric: str) -> Interval:
        """Paired difference ``policy - baseline`` and its 95% interval."""
        pairs = zip(self.values(policy, metric), self.values(baseline, metric), strict=True)
        return interval([a - b for a, b in pairs])


def run_experiment(
    scenario: Scenario,
    policies: Sequence[str],
    *,
    replications: int,
    seed: int = 1,
    jobs: int = 1,
    on_done: Callable[[], None] | None = None,
) -> Experiment:
    """``replications`` days, each run under every policy; ``on_done`` is called per day."""
    if replications < 1:
        raise ValueError("replications must be at least 1")
    names = tuple(policies)
    tasks = [(scenario, names, seed, r) for r in range(replications)]
    runs = [run for day in _map(tasks, jobs, on_done) for run in day]
    return Experiment(scenario=scenario, policies=names, seed=seed, runs=tuple(runs))


#: The assumptions the sensitivity table varies, each from "off" or low to above its default.
SENSITIVITY: dict[str, tuple[float, ...]] = {
    "fit_effect": (0.0, 0.5, 1.0),
    "mot_share_multiplier": (0.5, 1.0, 2.0),
    "offered_load": (0.8, 0.9, 1.0, 1.1),
    "certified_share": (0.05, 0.15, 0.30),
}
#: The differences the sensitivity table shows.
SENSITIVITY_METRICS: tuple[str, ...] = (
    "mot_certified_share", "mot_resolution", "churned", "revenue_at_risk", "routine_wait_s",
    "abandonment",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SensitivityRow:
    """The policies compared with one assumption changed."""

    name: str
    value: float
    baseline: str
    policy: str
    differences: dict[str, Interval] = field(default_factory=dict)
    contacts: float = 0.0


def sensitivity(
    scenario: Scenario,
    *,
    policies: tuple[str, str] = ("fifo", "moments"),
    grid: dict[str, tuple[float, ...]] | None = None,
    replications: int = 5,
    seed: int = 1,
    jobs: int = 1,
    on_done: Callable[[], None] | None = None,
) -> list[SensitivityRow]:
    """``policies[1] - policies[0]`` with each assumption in ``grid`` set to each of its values."""
    grid = SENSITIVITY if grid is None else grid
    points = [(name, value) for name, values in grid.items() for value in values]
    tasks: list[tuple[Scenario, tuple[str, ...], int, int]] = []
    for name, value in points:
        variant = with_overrides(scenario, {name: value})
        tasks += [(variant, policies, seed, r) for r in range(replications)]
    days = _map(tasks, jobs, on_done)
    rows = []
    for k, (name, value) in enumerate(points):
        runs = tuple(run for day in days[k * replications : (k + 1) * replications] for run in day)
        experiment = Experiment(scenario, policies, seed, runs)
        rows.append(
            SensitivityRow(
                name=name,
                value=value,
                baseline=policies[0],
                policy=policies[1],
                differences={
                    m: experiment.difference(policies[1], policies[0], m)
                    for m in SENSITIVITY_METRICS
                },
                contacts=experiment.summary(policies[0], "contacts").mean,
            )
        )
    return rows


def experiment_record(experiment: Experiment) -> dict[str, Any]:
    """A JSON-ready account of an experiment: per-policy intervals and paired differences."""
    baseline = experiment.policies[0]
    summary: dict[str, Any] = {}
    for metric in METRICS:
        entry: dict[str, Any] = {}
        for policy in experiment.policies:
            s = experiment.summary(policy, metric)
            entry[policy] = {"mean": s.mean, "ci95": [s.low, s.high]}
        for policy in experiment.policies[1:]:
            d = experiment.difference(policy, baseline, metric)
            entry[f"{policy}-{baseline}"] = {"mean": d.mean, "ci95": [d.low, d.high]}
        summary[metric] = entry
    return summary
