"""A routing decision's reasons in plain words, for the agent and the supervisor.

The raw factors stay in the decision's JSON (``reasons``, ``inputs``); this says what they mean:

>>> explain(
...     moment_of_truth=True,
...     reasons=[{"factor": "mot_score", "value": 0.91},
...              {"factor": "minutes_to_deadline", "value": 230.0},
...              {"factor": "waited_seconds", "value": 75.0},
...              {"factor": "agent_empathy", "value": 0.9},
...              {"factor": "agent_mot_certified", "value": True},
...              {"factor": "agent_proficiency", "value": 5.0}],
...     inputs={"interaction": {"stakes": ["travel_disruption"]}},
... ).split("; ")  # doctest: +NORMALIZE_WHITESPACE
['moment of truth: travel disruption, deadline in 3 h 50 min, waited 1 min 15 s',
 'you: certified, empathy 0.9, proficiency 5']
>>> explain(moment_of_truth=False, reasons=[{"factor": "waited_seconds", "value": 640.2},
...     {"factor": "agent_idle_seconds", "value": 95.0}], inputs={})
'routine: waited 10 min 40 s; you: free for 1 min 35 s'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def duration(seconds: float) -> str:
    """``3 h 50 min``, ``4 min 10 s``, ``12 s``.

    >>> duration(13800), duration(250), duration(12.4)
    ('3 h 50 min', '4 min 10 s', '12 s')
    """
    seconds = abs(seconds)
    if seconds >= 3600:
        hours, rest = divmod(round(seconds / 60), 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    if seconds >= 60:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    return f"{round(seconds)} s"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _contact(moment: bool, factors: Mapping[str, Any], interaction: Mapping[str, Any]) -> list[str]:
    words: list[str] = []
    stakes = [str(s).replace("_", " ") for s in interaction.get("stakes") or []]
    if moment:
        mot = _number(factors.get("mot_score"))
        words.append(", ".join(stakes) if stakes else f"score {mot:.2f}" if mot else "flagged")
    minutes = _number(factors.get("minutes_to_deadline"))
    if minutes is not None:
        when = duration(minutes * 60)
        words.append(f"deadline in {when}" if minutes >= 0 else f"deadline passed {when} ago")
    waited = _number(factors.get("waited_seconds"))
    if waited is not None:
        words.append(f"waited {duration(waited)}")
    value = _number(factors.get("customer_value"))
    if value is not None and value >= 0.8:
        words.append(f"high-value customer ({value:.1f})")
    churn = _number(factors.get("churn_risk"))
    if churn is not None and churn >= 0.5:
        words.append(f"risk of leaving {churn:.2f}")
    return words


def _agent(factors: Mapping[str, Any]) -> list[str]:
    words: list[str] = []
    if factors.get("agent_mot_certified") is True:
        words.append("certified")
    empathy = _number(factors.get("agent_empathy"))
    if empathy is not None:
        words.append(f"empathy {empathy:.1f}")
    proficiency = _number(factors.get("agent_proficiency"))
    if proficiency is not None:
        words.append(f"proficiency {proficiency:g}")
    idle = _number(factors.get("agent_idle_seconds"))
    if idle is not None:
        words.append(f"free for {duration(idle)}")
    return words


def explain(
    *,
    moment_of_truth: bool,
    reasons: Sequence[Mapping[str, Any]],
    inputs: Mapping[str, Any],
) -> str:
    """One line: what makes the contact matter, then why this agent."""
    factors = {str(r.get("factor")): r.get("value") for r in reasons}
    interaction = inputs.get("interaction") or {}
    head = "moment of truth" if moment_of_truth else "routine"
    contact = _contact(
        moment_of_truth, factors, interaction if isinstance(interaction, dict) else {}
    )
    line = f"{head}: {', '.join(contact)}" if contact else head
    agent = _agent(factors)
    if factors.get("reserve_held") is True:
        agent.append("certified agents are held for moments of truth")
    return f"{line}; you: {', '.join(agent)}" if agent else line
