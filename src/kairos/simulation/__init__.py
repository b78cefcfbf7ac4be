"""A discrete-event model of a contact center that drives the real routing policies.

    day = generate_day(Scenario(agents=300), seed=1)
    result = simulate(scenario, day, "moments")
    experiment = run_experiment(scenario, ("fifo", "moments"), replications=20)

The traffic generator for the demo is :mod:`kairos.simulation.traffic`.
"""

from kairos.simulation.day import Day, generate_day
from kairos.simulation.engine import RunResult, simulate
from kairos.simulation.experiment import (
    Experiment,
    Interval,
    SensitivityRow,
    run_experiment,
    run_replication,
    sensitivity,
)
from kairos.simulation.outcomes import METRICS, Outcomes, metrics, outcomes
from kairos.simulation.scenario import (
    SOURCES,
    Scenario,
    ScenarioError,
    assumptions,
    parse_overrides,
    with_overrides,
)

__all__ = [
    "METRICS",
    "SOURCES",
    "Day",
    "Experiment",
    "Interval",
    "Outcomes",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SensitivityRow",
    "assumptions",
    "generate_day",
    "metrics",
    "outcomes",
    "parse_overrides",
    "run_experiment",
    "run_replication",
    "sensitivity",
    "simulate",
    "with_overrides",
]
