"""Every assumption of the contact-center model, named, with where it comes from.

A :class:`Scenario` is a frozen dataclass: change a figure with :func:`with_overrides` (the CLI's
``--set name=value``), never by editing code. :data:`SOURCES` says for each field whether it is a
published figure or an assumption of ours, so a reader can tell which results rest on what.

Mixes over channels and cube cells are tuples in the fixed orders :data:`CHANNELS` and
:data:`CELLS`; per-urgency pairs are ``(low, high)``.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kairos.detection.assessment import cube_cell
from kairos.events import CHANNELS, Channel
from kairos.routing.policies import MOT_THRESHOLD

#: The 8 cube cells in a fixed order: bit 2 emotion, bit 1 urgency, bit 0 complexity (1 = high).
CELLS: tuple[str, ...] = tuple(
    cube_cell(float(i >> 2 & 1), float(i >> 1 & 1), float(i & 1)) for i in range(8)
)
SKILLS: tuple[str, ...] = ("billing", "technical", "travel", "claims", "accounts")
LANGUAGES: tuple[str, ...] = ("en", "es", "fr")
#: Agents in the voice pool take calls one at a time; the digital pool takes the written channels.
VOICE_CHANNELS: tuple[Channel, ...] = ("call",)
DIGITAL_CHANNELS: tuple[Channel, ...] = ("chat", "email", "sms", "social")

_PUBLISHED = "published"
_OURS = "ours"


class ScenarioError(ValueError):
    """A scenario field or override is unknown or out of range."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """One contact-center day: demand, agents, handle times, patience and outcomes."""

    # -- scale and time -----------------------------------------------------------------------
    agents: int = 300
    hours: float = 24.0
    start_hour: float = 0.0
    # -- demand -------------------------------------------------------------------------------
    offered_load: float = 0.9
    intraday_profile: tuple[float, ...] = (
        0.15, 0.10, 0.08, 0.07, 0.08, 0.15, 0.30, 0.55, 0.85, 1.00, 1.00, 0.95,
        0.85, 0.90, 0.95, 0.90, 0.80, 0.70, 0.60, 0.50, 0.42, 0.35, 0.28, 0.20,
    )  # fmt: skip
    staffing_floor: float = 0.15
    absence: float = 0.0
    interval_minutes: float = 30.0
    forecast_error_day_sd: float = 0.05
    forecast_error_interval_sd: float = 0.10
    channel_mix: tuple[float, ...] = (0.55, 0.25, 0.10, 0.05, 0.05)
    cell_mix: tuple[float, ...] = (0.60, 0.12, 0.07, 0.04, 0.08, 0.04, 0.03, 0.02)
    mot_share_multiplier: float = 1.0
    cell_mot_score: tuple[float, ...] = (0.01, 0.03, 0.08, 0.15, 0.10, 0.20, 0.60, 0.80)
    mot_score_concentration: float = 8.0
    deadline_probability: tuple[float, float] = (0.05, 0.60)
    deadline_median_minutes: tuple[float, float] = (480.0, 90.0)
    language_mix: tuple[float, ...] = (0.88, 0.09, 0.03)
    skill_mix: tuple[float, ...] = (0.30, 0.25, 0.15, 0.15, 0.15)
    customer_annual_value: float = 800.0
    # -- handle time --------------------------------------------------------------------------
    aht_seconds: tuple[float, ...] = (360.0, 600.0, 480.0, 420.0, 420.0)
    aht_cv: float = 0.6
    complexity_handle_multiplier: float = 1.5
    emotion_handle_multiplier: float = 1.15
    proficiency_handle_slope: float = 0.08
    digital_concurrency: int = 2
    # -- patience -----------------------------------------------------------------------------
    patience_mean_seconds: tuple[float, ...] = (240.0, 240.0, 0.0, 3600.0, 3600.0)
    urgency_patience_multiplier: float = 0.7
    emotion_patience_multiplier: float = 0.8
    written_wait_limit_seconds: float = 14400.0
    # -- agents -------------------------------------------------------------------------------
    certified_share: float = 0.15
    skill_coverage: float = 0.75
    agent_language_share: tuple[float, ...] = (1.0, 0.15, 0.06)
    tenure_mean_months: float = 30.0
    # -- outcomes -----------------------------------------------------------------------------
    base_resolution: tuple[float, ...] = (0.85, 0.65, 0.80, 0.60, 0.78, 0.58, 0.70, 0.50)
    fit_effect: float = 1.0
    mot_fit_log_odds: float = 2.5
    routine_fit_log_odds: float = 0.8
    fit_weights: tuple[float, float, float] = (0.40, 0.25, 0.35)
    satisfaction_base_log_odds: float = -0.5
    satisfaction_resolved_log_odds: float = 2.0
    satisfaction_wait_log_odds: float = 2.0
    satisfaction_fit_log_odds: float = 1.0
    churn_after_poor_mot: float = 0.80
    churn_after_poor_routine: float = 0.05
    churn_baseline: float = 0.01
    service_level_seconds: float = 20.0
    service_level_target: float = 0.80
    mot_threshold: float = MOT_THRESHOLD

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def mot_cells(self) -> tuple[bool, ...]:
        """Cells whose mean MoT score reaches the threshold: the ones the MoT share scales."""
        return tuple(score >= self.mot_threshold for score in self.cell_mot_score)

    def cell_weights(self) -> tuple[float, ...]:
        """The cell mix with the MoT cells scaled by ``mot_share_multiplier``, summing to 1."""
        raw = [
            w * (self.mot_share_multiplier if mot else 1.0)
            for w, mot in zip(self.cell_mix, self.mot_cells, strict=True)
        ]
        total = sum(raw)
        return tuple(w / total for w in raw)


_P = _PUBLISHED
#: Field -> (kind, where the figure comes from). ``ours`` marks an assumption of this model.
SOURCES: dict[str, tuple[str, str]] = {
    "agents": (_OURS, "agent positions staffed at the busiest interval (CLI --agents)"),
    "hours": (_OURS, "length of the simulated day"),
    "start_hour": (_OURS, "clock hour the simulated period starts at"),
    "offered_load": (
        _OURS,
        "work offered / staffed capacity at forecast; planned occupancy of "
        "80-90% is the commonly quoted contact-center norm",
    ),
    "intraday_profile": (
        _OURS,
        "relative arrivals per clock hour: the usual two-hump weekday "
        "inbound curve (morning and afternoon peaks, quiet nights)",
    ),
    "staffing_floor": (_OURS, "night staffing never drops below this share of the peak"),
    "absence": (
        _OURS,
        "share of planned agents who do not turn up (demand still follows the "
        "plan); unplanned absence of 5-10% is commonly quoted; 0 = the plan is met",
    ),
    "interval_minutes": (_P, "workforce management plans staffing in 15/30-minute intervals"),
    "forecast_error_day_sd": (_OURS, "log-sd of the day's volume against the forecast"),
    "forecast_error_interval_sd": (_OURS, "log-sd of each interval's volume against forecast"),
    "channel_mix": (
        _OURS,
        "call, chat, email, sms, social; voice still carries the majority "
        "in most industry channel surveys",
    ),
    "cell_mix": (
        _OURS,
        "share of arrivals per cube cell (order: CELLS); most contacts are "
        "routine, high-emotion high-urgency ones are a few percent",
    ),
    "mot_share_multiplier": (
        _OURS,
        "scales the cells whose mean MoT score >= threshold "
        "(sensitivity knob; 1 = the cell_mix as given)",
    ),
    "cell_mot_score": (
        _OURS,
        "mean detector MoT score per cell; the score is calibrated, so "
        "a contact is a moment of truth with that probability",
    ),
    "mot_score_concentration": (
        _OURS,
        "Beta concentration of scores around the cell mean (detector sharpness)",
    ),
    "deadline_probability": (_OURS, "(urgency low, high): share of contacts with a deadline"),
    "deadline_median_minutes": (
        _OURS,
        "(urgency low, high): median minutes from arrival to the deadline, lognormal",
    ),
    "language_mix": (_OURS, "customers speaking en, es, fr"),
    "skill_mix": (_OURS, "contact reasons: billing, technical, travel, claims, accounts"),
    "customer_annual_value": (
        _OURS,
        "mean annual revenue per customer (lognormal, cv 1), for revenue at risk",
    ),
    "aht_seconds": (
        _P,
        "call 360 s: typical AHT of about 6 minutes is the commonly quoted "
        "industry figure; chat, email, sms, social: ours",
    ),
    "aht_cv": (
        _P,
        "handle times are lognormal (Brown et al. 2005, 'Statistical analysis of a "
        "telephone call center', JASA); the coefficient of variation is ours",
    ),
    "complexity_handle_multiplier": (_OURS, "handle time of high-complexity contacts"),
    "emotion_handle_multiplier": (_OURS, "handle time of high-emotion contacts"),
    "proficiency_handle_slope": (
        _OURS,
        "handle time -8% per proficiency level above 3, +8% per level below",
    ),
    "digital_concurrency": (
        _OURS,
        "chats/threads at once for a digital agent (one call or several chats)",
    ),
    "patience_mean_seconds": (
        _P,
        "exponential patience as in the Erlang-A model (Garnett, "
        "Mandelbaum & Reiman 2002); means are ours, chosen so a "
        "well-staffed day abandons in the commonly quoted 5-8% band or "
        "below; 0 = never abandons (email)",
    ),
    "urgency_patience_multiplier": (_OURS, "urgent customers are less patient"),
    "emotion_patience_multiplier": (_OURS, "upset customers are less patient"),
    "written_wait_limit_seconds": (
        _OURS,
        "wait a customer bears on a channel where they never "
        "abandon (email): a reply within 4 hours",
    ),
    "certified_share": (_OURS, "share of agents certified for moments of truth"),
    "skill_coverage": (_OURS, "chance an agent has a given skill (each has at least one)"),
    "agent_language_share": (_OURS, "agents speaking en, es, fr"),
    "tenure_mean_months": (
        _OURS,
        "mean agent tenure; yearly agent attrition of 30-45% is commonly quoted",
    ),
    "base_resolution": (
        _OURS,
        "first-contact resolution per cell with an average agent; "
        "mix-weighted about 0.75, near the commonly quoted FCR of 70-75%",
    ),
    "fit_effect": (
        _OURS,
        "multiplier on every agent-fit effect; 0 switches fit off (sensitivity knob)",
    ),
    "mot_fit_log_odds": (_OURS, "log-odds of resolution per unit of agent fit, moments of truth"),
    "routine_fit_log_odds": (_OURS, "log-odds of resolution per unit of proficiency, routine"),
    "fit_weights": (_OURS, "agent fit for a moment of truth: empathy, proficiency, certification"),
    "satisfaction_base_log_odds": (_OURS, "customer satisfied, unresolved, no wait"),
    "satisfaction_resolved_log_odds": (_OURS, "satisfaction gain from resolution"),
    "satisfaction_wait_log_odds": (
        _OURS,
        "satisfaction loss per wait / the customer's limit (patience or time to deadline)",
    ),
    "satisfaction_fit_log_odds": (_OURS, "satisfaction gain per unit of agent fit"),
    "churn_after_poor_mot": (
        _P,
        "'over 80% of customers begin doing business with a "
        "competitor following poor customer experience' (commonly quoted "
        "industry survey figure); applying it to a lost moment of truth "
        "is our reading",
    ),
    "churn_after_poor_routine": (_OURS, "churn after a poor routine contact"),
    "churn_baseline": (_OURS, "churn after a good contact"),
    "service_level_seconds": (_P, "service level 80/20: 80% of calls answered in 20 s"),
    "service_level_target": (_P, "service level 80/20"),
    "mot_threshold": (_OURS, "MoT score that counts as a moment of truth (routing's line)"),
}


#: The most agents a scenario may have.
MOST_AGENTS = 20_000


def _field_types() -> dict[str, Any]:
    return typing.get_type_hints(Scenario)


def _check(ok: bool, name: str, message: str) -> None:
    if not ok:
        raise ScenarioError(f"{name}: {message}")


def _validate(s: Scenario) -> None:
    # A very large centre; far more would not fit a machine's memory (a MemoryError, not this).
    _check(1 <= s.agents <= MOST_AGENTS, "agents", f"must be in [1, {MOST_AGENTS}]")
    _check(0 < s.hours <= 24 * 7, "hours", "must be in (0, 168]")
    _check(0 <= s.start_hour < 24, "start_hour", "must be in [0, 24)")
    _check(0 < s.offered_load <= 3, "offered_load", "must be in (0, 3]")
    _check(len(s.intraday_profile) == 24, "intraday_profile", "needs 24 hourly values")
    _check(0 <= s.staffing_floor <= 1, "staffing_floor", "must be in [0, 1]")
    _check(0 <= s.absence < 1, "absence", "must be in [0, 1)")
    _check(1 <= s.interval_minutes <= 120, "interval_minutes", "must be in [1, 120]")
    _check(s.digital_concurrency >= 1, "digital_concurrency", "must be at least 1")
    _check(s.aht_cv > 0, "aht_cv", "must be positive")
    _check(s.mot_score_concentration > 0, "mot_score_concentration", "must be positive")
    _check(s.customer_annual_value >= 0, "customer_annual_value", "must be >= 0")
    _check(s.written_wait_limit_seconds > 0, "written_wait_limit_seconds", "must be positive")
    _check(s.tenure_mean_months > 0, "tenure_mean_months", "must be positive")
    _check(s.mot_share_multiplier >= 0, "mot_share_multiplier", "must be >= 0")
    _check(s.fit_effect >= 0, "fit_effect", "must be >= 0")
    mixes = {
        "channel_mix": (s.channel_mix, len(CHANNELS)),
        "cell_mix": (s.cell_mix, 8),
        "language_mix": (s.language_mix, len(LANGUAGES)),
        "skill_mix": (s.skill_mix, len(SKILLS)),
        "intraday_profile": (s.intraday_profile, 24),
    }
    for name, (values, size) in mixes.items():
        _check(len(values) == size, name, f"needs {size} values, got {len(values)}")
        _check(
            all(v >= 0 for v in values) and sum(values) > 0, name, "needs weights >= 0, not all 0"
        )
    per_cell = {"cell_mot_score": s.cell_mot_score, "base_resolution": s.base_resolution}
    for name, values in per_cell.items():
        _check(len(values) == 8, name, f"needs 8 values (one per cell), got {len(values)}")
        _check(all(0 < v < 1 for v in values), name, "values must be in (0, 1)")
    per_channel = {"aht_seconds": s.aht_seconds, "patience_mean_seconds": s.patience_mean_seconds}
    for name, values in per_channel.items():
        _check(len(values) == len(CHANNELS), name, f"needs {len(CHANNELS)} values")
    _check(all(v > 0 for v in s.aht_seconds), "aht_seconds", "must be positive")
    _check(all(v >= 0 for v in s.patience_mean_seconds), "patience_mean_seconds", "must be >= 0")
    _check(len(s.agent_language_share) == len(LANGUAGES), "agent_language_share", "needs 3 values")
    weights_ok = len(s.fit_weights) == 3 and all(w >= 0 for w in s.fit_weights)
    _check(weights_ok, "fit_weights", "needs 3 weights >= 0")
    probabilities = {
        "certified_share": s.certified_share,
        "skill_coverage": s.skill_coverage,
        "churn_after_poor_mot": s.churn_after_poor_mot,
        "churn_after_poor_routine": s.churn_after_poor_routine,
        "churn_baseline": s.churn_baseline,
        "service_level_target": s.service_level_target,
        "mot_threshold": s.mot_threshold,
    }
    for name, p in probabilities.items():
        _check(0 <= p <= 1, name, "must be a probability in [0, 1]")
    pairs = {
        "deadline_probability": s.deadline_probability,
        "deadline_median_minutes": s.deadline_median_minutes,
    }
    for name, pair in pairs.items():
        _check(len(pair) == 2, name, "needs (low, high)")
    _check(all(0 <= p <= 1 for p in s.deadline_probability), "deadline_probability", "in [0, 1]")
    _check(all(m > 0 for m in s.deadline_median_minutes), "deadline_median_minutes", "positive")
    _check(all(0 <= v <= 1 for v in s.agent_language_share), "agent_language_share", "in [0, 1]")


def _parse(name: str, text: str, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    try:
        if hint is int:
            return int(text)
        if hint is float:
            value = float(text)
            if not math.isfinite(value):
                raise ValueError("not finite")
            return value
        if origin is tuple:
            return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ScenarioError(f"{name}: cannot read {text!r} as {_describe(hint)}") from None
    raise ScenarioError(f"{name}: cannot be set from text")


def _describe(hint: Any) -> str:
    if typing.get_origin(hint) is tuple:
        return "comma-separated numbers"
    return "an integer" if hint is int else "a number"


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A copy of ``scenario`` with fields replaced; values may be typed or text (``"0.5,0.5"``)."""
    hints = _field_types()
    changes: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in hints:
            known = ", ".join(f.name for f in dataclasses.fields(Scenario))
            raise ScenarioError(f"unknown scenario field {name!r}; known: {known}")
        changes[name] = _parse(name, value, hints[name]) if isinstance(value, str) else value
    return dataclasses.replace(scenario, **changes)


def parse_overrides(pairs: Iterable[str]) -> dict[str, str]:
    """``["name=value", ...]`` as a mapping; a pair without ``=`` is an error."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ScenarioError(f"override {pair!r} is not of the form name=value")
        parsed[name.strip()] = value.strip()
    return parsed


def assumptions(scenario: Scenario) -> list[dict[str, Any]]:
    """Every field with its value, kind (published or ours) and source, for reports."""
    rows = []
    for f in dataclasses.fields(Scenario):
        kind, source = SOURCES.get(f.name, (_OURS, ""))
        rows.append(
            {"name": f.name, "value": getattr(scenario, f.name), "kind": kind, "source": source}
        )
    return rows
