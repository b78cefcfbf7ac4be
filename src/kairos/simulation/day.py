"""One simulated day drawn in advance: every contact and agent, and every random number.

Common random numbers: a replication's :class:`Day` is drawn once from its seed and then run under
each policy, so arrivals, patience, handle-time draws and the uniforms that decide outcomes are the
same for every policy; only what the policy changes (who answers, when) differs. The model itself
draws nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kairos.events import CHANNELS
from kairos.simulation.scenario import (
    LANGUAGES,
    SKILLS,
    VOICE_CHANNELS,
    Scenario,
)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

VOICE, DIGITAL = 0, 1
#: Pool of each channel, in CHANNELS order.
CHANNEL_POOL: tuple[int, ...] = tuple(VOICE if c in VOICE_CHANNELS else DIGITAL for c in CHANNELS)


@dataclass(frozen=True, slots=True)
class Contacts:
    """The day's contacts in arrival order, one array element each (times in seconds)."""

    arrival: F64
    channel: I64
    cell: I64
    emotion: F64
    urgency: F64
    complexity: F64
    mot_score: F64
    is_mot: Bool
    deadline: F64  # absolute seconds, NaN when none
    patience: F64  # seconds, inf when the customer never gives up
    #: The wait the customer expects to bear: mean patience (or the written-channel limit),
    #: capped by the time to the deadline; satisfaction falls as the wait nears it.
    tolerance: F64
    language: I64
    skill: I64
    value: F64  # annual revenue
    base_handle: F64  # seconds with an average (proficiency 3) agent
    u_resolve: F64
    u_satisfy: F64
    u_churn: F64

    def __len__(self) -> int:
        return len(self.arrival)


@dataclass(frozen=True, slots=True)
class Agents:
    """The roster: one element per agent position."""

    pool: I64
    concurrency: I64
    empathy: F64
    certified: Bool
    tenure_months: F64
    proficiency: I64  # (agents, skills); 0 = lacks the skill
    speaks: Bool  # (agents, languages)
    #: Position in its pool's shift order: the first ``staffed[k, pool]`` work interval k.
    rank: I64

    def __len__(self) -> int:
        return len(self.pool)


@dataclass(frozen=True, slots=True)
class Day:
    """A replication's contacts, agents and staffing plan."""

    contacts: Contacts
    agents: Agents
    #: Agents on shift per interval and pool, shape (intervals, 2).
    staffed: I64
    interval_s: float
    horizon_s: float
    seed: int
    replication: int


def hourly_weight(scenario: Scenario, at_s: F64) -> F64:
    """The intraday profile (relative arrivals) at these times, seconds from the day's start."""
    profile = np.asarray(scenario.intraday_profile, dtype=np.float64)
    hour = ((scenario.start_hour + at_s / 3600.0) % 24.0).astype(np.int64)
    weight: F64 = profile[hour]
    return weight


def pool_workload(scenario: Scenario) -> tuple[float, float]:
    """Mean slot-seconds per contact offered to the voice and digital pools."""
    cells = np.asarray(scenario.cell_weights())
    index = np.arange(8)
    multiplier = float(
        (
            cells
            * np.where(index & 1, scenario.complexity_handle_multiplier, 1.0)
            * np.where(index >> 2 & 1, scenario.emotion_handle_multiplier, 1.0)
        ).sum()
    )
    mix = np.asarray(scenario.channel_mix) / sum(scenario.channel_mix)
    work = mix * np.asarray(scenario.aht_seconds) * multiplier
    pools = np.asarray(CHANNEL_POOL)
    return float(work[pools == VOICE].sum()), float(work[pools == DIGITAL].sum())


def pool_sizes(scenario: Scenario) -> tuple[int, int]:
    """Agents per pool, split so both pools carry the same load (slots per agent counted)."""
    voice_work, digital_work = pool_workload(scenario)
    digital_slots = digital_work / scenario.digital_concurrency
    total = voice_work + digital_slots
    if scenario.agents == 1 or total == 0:
        return (scenario.agents, 0) if voice_work >= digital_slots else (0, scenario.agents)
    voice = round(scenario.agents * voice_work / total)
    voice = min(max(voice, 1 if voice_work else 0), scenario.agents - (1 if digital_work else 0))
    return voice, scenario.agents - voice


def staffing_plan(scenario: Scenario) -> tuple[I64, float]:
    """Agents on shift per planning interval and pool, following the forecast, and the interval."""
    interval_s = scenario.interval_minutes * 60.0
    count = math.ceil(scenario.hours * 3600.0 / interval_s)
    mids = (np.arange(count, dtype=np.float64) + 0.5) * np.float64(interval_s)
    peak = max(scenario.intraday_profile)
    share = np.maximum(hourly_weight(scenario, mids) / peak, scenario.staffing_floor)
    sizes = np.asarray(pool_sizes(scenario), dtype=np.float64)
    staffed = np.maximum(np.rint(share[:, None] * sizes[None, :]), np.minimum(sizes, 1))
    return staffed.astype(np.int64), interval_s


def _arrivals(scenario: Scenario, rng: np.random.Generator, staffed: I64, interval_s: float) -> F64:
    """Arrival times: a Poisson process per interval at the forecast rate times forecast error."""
    voice_work, digital_work = pool_workload(scenario)
    # Agent-seconds per contact: a digital agent serves ``digital_concurrency`` threads at once.
    # The plan splits agents by workload, so all staffed agents over it is the rate at 100%.
    work_per_contact = voice_work + digital_work / scenario.digital_concurrency
    agents_for_work = staffed.sum(axis=1).astype(np.float64)
    rate = scenario.offered_load * agents_for_work / work_per_contact
    day_error = rng.lognormal(0.0, scenario.forecast_error_day_sd)
    interval_error = rng.lognormal(0.0, scenario.forecast_error_interval_sd, size=len(rate))
    span = np.minimum(interval_s, scenario.hours * 3600.0 - np.arange(len(rate)) * interval_s)
    counts = rng.poisson(rate * day_error * interval_error * span)
    starts = np.repeat(np.arange(len(rate)) * interval_s, counts)
    times = starts + rng.random(int(counts.sum())) * np.repeat(span, counts)
    times.sort()
    result: F64 = times.astype(np.float64)
    return result


def _contacts(scenario: Scenario, rng: np.random.Generator, arrival: F64) -> Contacts:
    n = len(arrival)
    channel = rng.choice(len(CHANNELS), size=n, p=_norm(scenario.channel_mix))
    cell = rng.choice(8, size=n, p=_norm(scenario.cell_weights()))
    high_e, high_u, high_c = (cell >> 2 & 1) == 1, (cell >> 1 & 1) == 1, (cell & 1) == 1
    # Axis values sit on the cell's side of the 0.5 line, as the detector would report them.
    emotion = np.where(high_e, 0.5 + 0.5 * rng.random(n), 0.5 * rng.random(n))
    urgency = np.where(high_u, 0.5 + 0.5 * rng.random(n), 0.5 * rng.random(n))
    complexity = np.where(high_c, 0.5 + 0.5 * rng.random(n), 0.5 * rng.random(n))
    mean = np.asarray(scenario.cell_mot_score)[cell]
    k = scenario.mot_score_concentration
    mot_score = rng.beta(mean * k, (1.0 - mean) * k)
    # The score is calibrated: a contact is a moment of truth with the probability it reads.
    is_mot = rng.random(n) < mot_score
    has_deadline = rng.random(n) < np.asarray(scenario.deadline_probability)[high_u.astype(int)]
    median = np.asarray(scenario.deadline_median_minutes)[high_u.astype(int)] * 60.0
    to_deadline = median * rng.lognormal(0.0, 0.5, size=n)
    deadline = np.where(has_deadline, arrival + to_deadline, np.nan)
    patience_mean = np.asarray(scenario.patience_mean_seconds)[channel]
    patience_mean = patience_mean * np.where(high_u, scenario.urgency_patience_multiplier, 1.0)
    patience_mean = patience_mean * np.where(high_e, scenario.emotion_patience_multiplier, 1.0)
    patience = np.where(patience_mean > 0, rng.exponential(1.0, n) * patience_mean, np.inf)
    # Nobody waits past their deadline: once it has gone, holding on cannot help.
    patience = np.where(has_deadline, np.minimum(patience, to_deadline), patience)
    tolerance = np.where(patience_mean > 0, patience_mean, scenario.written_wait_limit_seconds)
    tolerance = np.where(has_deadline, np.minimum(tolerance, to_deadline), tolerance)
    sigma = math.sqrt(math.log1p(scenario.aht_cv**2))
    unit = rng.lognormal(-0.5 * sigma * sigma, sigma, size=n)
    base_handle = (
        np.asarray(scenario.aht_seconds)[channel]
        * np.where(high_c, scenario.complexity_handle_multiplier, 1.0)
        * np.where(high_e, scenario.emotion_handle_multiplier, 1.0)
        * unit
    )
    value_sigma = math.sqrt(math.log(2.0))  # coefficient of variation 1
    value = scenario.customer_annual_value * rng.lognormal(-0.5 * value_sigma**2, value_sigma, n)
    return Contacts(
        arrival=arrival,
        channel=channel.astype(np.int64),
        cell=cell.astype(np.int64),
        emotion=emotion,
        urgency=urgency,
        complexity=complexity,
        mot_score=mot_score,
        is_mot=is_mot,
        deadline=deadline,
        patience=patience,
        tolerance=tolerance,
        language=rng.choice(len(LANGUAGES), size=n, p=_norm(scenario.language_mix)).astype(
            np.int64
        ),
        skill=rng.choice(len(SKILLS), size=n, p=_norm(scenario.skill_mix)).astype(np.int64),
        value=value,
        base_handle=base_handle,
        u_resolve=rng.random(n),
        u_satisfy=rng.random(n),
        u_churn=rng.random(n),
    )


def _agents(scenario: Scenario, rng: np.random.Generator) -> Agents:
    voice, digital = pool_sizes(scenario)
    n = voice + digital
    pool = np.array([VOICE] * voice + [DIGITAL] * digital, dtype=np.int64)
    certified = rng.random(n) < scenario.certified_share
    # Certification goes to agents picked for empathy, so certified agents score higher on it.
    empathy = np.where(certified, rng.beta(8.0, 2.0, n), rng.beta(5.0, 3.0, n))
    tenure = rng.exponential(scenario.tenure_mean_months, n)
    has = rng.random((n, len(SKILLS))) < scenario.skill_coverage
    has[np.arange(n), rng.integers(0, len(SKILLS), n)] = True
    # Proficiency grows with tenure: about a level per two years, from 2 for a new hire.
    level = 2.0 + tenure[:, None] / 24.0 + rng.normal(0.0, 0.8, (n, len(SKILLS)))
    level = level + np.where(certified, 0.5, 0.0)[:, None]
    proficiency = np.where(has, np.clip(np.rint(level), 1, 5), 0).astype(np.int64)
    speaks = rng.random((n, len(LANGUAGES))) < np.asarray(scenario.agent_language_share)
    speaks[:, 0] |= ~speaks.any(axis=1)
    rank = np.empty(n, dtype=np.int64)
    for p, size in ((VOICE, voice), (DIGITAL, digital)):
        members = np.flatnonzero(pool == p)
        rank[members] = rng.permutation(size)
    concurrency = np.where(pool == VOICE, 1, scenario.digital_concurrency).astype(np.int64)
    return Agents(
        pool=pool,
        concurrency=concurrency,
        empathy=empathy,
        certified=certified,
        tenure_months=tenure,
        proficiency=proficiency,
        speaks=speaks,
        rank=rank,
    )


def _norm(weights: tuple[float, ...]) -> F64:
    array = np.asarray(weights, dtype=np.float64)
    normed: F64 = array / array.sum()
    return normed


def generate_day(scenario: Scenario, *, seed: int, replication: int = 0) -> Day:
    """The day for ``(seed, replication)``: the same inputs always give the same day."""
    streams = np.random.SeedSequence([seed, replication]).spawn(3)
    planned, interval_s = staffing_plan(scenario)
    arrival = _arrivals(scenario, np.random.default_rng(streams[0]), planned, interval_s)
    # Demand follows the plan; absent agents are missing from the floor, not from the forecast.
    staffed = np.rint(planned * (1.0 - scenario.absence)).astype(np.int64)
    contacts = _contacts(scenario, np.random.default_rng(streams[1]), arrival)
    agents = _agents(scenario, np.random.default_rng(streams[2]))
    return Day(
        contacts=contacts,
        agents=agents,
        staffed=staffed,
        interval_s=interval_s,
        horizon_s=scenario.hours * 3600.0,
        seed=seed,
        replication=replication,
    )
