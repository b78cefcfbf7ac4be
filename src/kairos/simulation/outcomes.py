"""Outcomes of a run (resolved, satisfied, churned) and the metrics a day is judged by.

Outcomes depend on who handled the contact (agent fit: empathy, proficiency, certification) and
how long the customer waited against their own limit (patience or time to the deadline). The
uniforms that decide each outcome come from the :class:`~kairos.simulation.day.Day`, so two
policies differ only through what they changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kairos.simulation.day import F64, Bool, Day
from kairos.simulation.engine import RunResult
from kairos.simulation.scenario import Scenario

#: Metric name -> (label, unit, True when higher is better), in report order.
METRICS: dict[str, tuple[str, str, bool]] = {
    "mot_certified_share": ("moments of truth handled by a certified agent", "%", True),
    "mot_wait_s": ("moment-of-truth wait (mean, answered)", "s", False),
    "routine_wait_s": ("routine wait (mean, answered)", "s", False),
    "abandonment": ("abandonment", "%", False),
    "mot_abandonment": ("moment-of-truth abandonment", "%", False),
    "resolution": ("resolution (of handled)", "%", True),
    "mot_resolution": ("moment-of-truth resolution (of handled)", "%", True),
    "satisfied": ("customers satisfied (of all)", "%", True),
    "churned": ("churned customers", "", False),
    "revenue_at_risk": ("revenue at risk (expected annual)", "", False),
    "aht_s": ("average handle time", "s", False),
    "service_level": ("service level (calls in 20 s)", "%", True),
    "supervisor_alerts": ("supervisor alerts", "", False),
    "contacts": ("contacts", "", True),
    "mot_contacts": ("moments of truth (in hindsight)", "", True),
}


@dataclass(frozen=True, slots=True)
class Outcomes:
    """Per contact: handled, waited, agent fit, resolved, satisfied, churn probability, churned."""

    handled: Bool
    wait: F64
    certified: Bool
    fit: F64
    resolved: Bool
    satisfied: Bool
    churn_probability: F64
    churned: Bool


def _sigmoid(x: F64) -> F64:
    result: F64 = 1.0 / (1.0 + np.exp(-x))
    return result


def _logit(p: F64) -> F64:
    result: F64 = np.log(p / (1.0 - p))
    return result


def outcomes(scenario: Scenario, day: Day, run: RunResult) -> Outcomes:
    """What each contact came to under the run's routing."""
    c, a = day.contacts, day.agents
    handled = ~np.isnan(run.answered)
    wait = np.where(handled, run.answered - c.arrival, np.nan)
    j = np.where(handled, run.agent, 0)
    certified = handled & a.certified[j]
    level = a.proficiency[j, c.skill]
    proficiency = np.where(level > 0, (level - 1.0) / 4.0, 0.5)
    w_empathy, w_proficiency, w_certified = scenario.fit_weights
    total = max(w_empathy + w_proficiency + w_certified, 1e-9)
    fit = (w_empathy * a.empathy[j] + w_proficiency * proficiency + w_certified * certified) / total
    # A moment of truth turns on the agent's whole fit; routine work on proficiency alone. The
    # reference 0.5 is an average agent, whom base_resolution describes.
    effect = scenario.fit_effect * np.where(
        c.is_mot,
        scenario.mot_fit_log_odds * (fit - 0.5),
        scenario.routine_fit_log_odds * (proficiency - 0.5),
    )
    base = np.asarray(scenario.base_resolution)[c.cell]
    resolved = handled & (c.u_resolve < _sigmoid(_logit(base) + effect))
    waited = np.minimum(np.nan_to_num(wait) / c.tolerance, 2.0)
    satisfaction = (
        scenario.satisfaction_base_log_odds
        + scenario.satisfaction_resolved_log_odds * resolved
        + scenario.fit_effect * scenario.satisfaction_fit_log_odds * (fit - 0.5)
        - scenario.satisfaction_wait_log_odds * waited
    )
    satisfied = handled & (c.u_satisfy < _sigmoid(satisfaction))
    poor = ~handled | ~resolved | ~satisfied
    churn_probability = np.where(
        poor,
        np.where(c.is_mot, scenario.churn_after_poor_mot, scenario.churn_after_poor_routine),
        scenario.churn_baseline,
    )
    return Outcomes(
        handled=handled,
        wait=wait,
        certified=certified,
        fit=fit,
        resolved=resolved,
        satisfied=satisfied,
        churn_probability=churn_probability,
        churned=c.u_churn < churn_probability,
    )


def _mean(values: F64) -> float:
    return float(values.mean()) if len(values) else float("nan")


def metrics(scenario: Scenario, day: Day, run: RunResult) -> dict[str, float]:
    """The day's figures under one policy (shares as fractions, times in seconds)."""
    c = day.contacts
    o = outcomes(scenario, day, run)
    n = len(c)
    mot = c.is_mot
    calls = c.channel == 0
    answered_in_time = o.handled & (
        np.nan_to_num(o.wait, nan=np.inf) <= scenario.service_level_seconds
    )
    return {
        "mot_certified_share": _mean(o.certified[mot & o.handled].astype(np.float64)),
        "mot_wait_s": _mean(o.wait[mot & o.handled]),
        "routine_wait_s": _mean(o.wait[~mot & o.handled]),
        "abandonment": float(run.abandoned.sum() / n) if n else float("nan"),
        "mot_abandonment": _mean(run.abandoned[mot].astype(np.float64)),
        "resolution": _mean(o.resolved[o.handled].astype(np.float64)),
        "mot_resolution": _mean(o.resolved[mot & o.handled].astype(np.float64)),
        "satisfied": _mean(o.satisfied.astype(np.float64)),
        "churned": float(o.churned.sum()),
        "revenue_at_risk": float((o.churn_probability * c.value).sum()),
        "aht_s": _mean(run.handle[o.handled]),
        "service_level": _mean(answered_in_time[calls].astype(np.float64)),
        "supervisor_alerts": float(run.supervisor_alerts),
        "contacts": float(n),
        "mot_contacts": float(mot.sum()),
    }


def hourly(scenario: Scenario, day: Day, run: RunResult) -> dict[str, list[float]]:
    """Per clock hour of arrival: contacts, moment-of-truth wait, abandonment (for the charts)."""
    c = day.contacts
    o = outcomes(scenario, day, run)
    hours = int(np.ceil(day.horizon_s / 3600.0))
    bucket = np.minimum((c.arrival // 3600.0).astype(np.int64), hours - 1)
    count = np.bincount(bucket, minlength=hours).astype(np.float64)
    mot = c.is_mot & o.handled
    mot_n = np.bincount(bucket[mot], minlength=hours)
    mot_wait = np.bincount(bucket[mot], weights=o.wait[mot], minlength=hours)
    abandoned = np.bincount(bucket[run.abandoned], minlength=hours)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "hour": [float((scenario.start_hour + h) % 24) for h in range(hours)],
            "contacts": count.tolist(),
            "mot_wait_s": np.where(mot_n > 0, mot_wait / np.maximum(mot_n, 1), 0.0).tolist(),
            "abandonment": np.where(count > 0, abandoned / np.maximum(count, 1), 0.0).tolist(),
        }
