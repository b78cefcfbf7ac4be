"""Erlang C against textbook values; Erlang A against an exact chain, a simulation and Erlang C."""

from __future__ import annotations

import heapq
import math
import random

import pytest

from kairos.planning.staffing import (
    ServiceTarget,
    erlang_a,
    erlang_a_metrics,
    erlang_c,
)

NO_SHRINKAGE = ServiceTarget(shrinkage=0.0, max_occupancy=1.0)


def test_erlang_c_textbook_100_calls_in_30_minutes_180_s_80_in_20() -> None:
    # 10 erlangs: 13 agents answer 79.6% in 20 s, 14 agents 88.8% (the standard worked example).
    staffing = erlang_c(contacts=100, aht_seconds=180, interval_minutes=30, target=NO_SHRINKAGE)
    assert staffing.productive_agents == 14
    assert staffing.service_level == pytest.approx(0.8884, abs=1e-4)
    assert staffing.occupancy == pytest.approx(10 / 14)


def _fewest_by_hand(contacts: float, aht: float, target: ServiceTarget) -> int:
    """The fewest agents meeting the target, from the Erlang C formula summed by hand."""
    erlangs = contacts / 1800 * aht
    n = int(erlangs) + 1
    while True:
        blocking = 1.0
        for k in range(1, n + 1):
            blocking = erlangs * blocking / (k + erlangs * blocking)
        wait = n * blocking / (n - erlangs * (1 - blocking))
        level = 1 - wait * math.exp(-(n - erlangs) * target.answer_seconds / aht)
        # The occupancy cap with a little room: 30.6 erlangs on 36 agents is 0.85 exactly.
        if level >= target.service_level and erlangs / n <= target.max_occupancy + 1e-9:
            return n
        n += 1


def test_erlang_c_staffs_the_fewest_agents_that_meet_the_target() -> None:
    # pyworkforce starts its search at round(erlangs + 1): with 0.5 erlangs it never tries one
    # agent, who answers 50.8% within 20 s. A lax target (50% in 20 s) on quiet intervals needs 1.
    lax = ServiceTarget(service_level=0.5, answer_seconds=20, shrinkage=0.0)
    assert erlang_c(contacts=1.5, aht_seconds=600, interval_minutes=30, target=lax).agents == 1
    for target in (lax, ServiceTarget(), ServiceTarget(service_level=0.6, answer_seconds=60)):
        for contacts in (0.25, 0.5, 1.5, 2.5, 7.5, 12.5, 38.25, 55.25, 100.0):
            for aht in (120.0, 360.0, 600.0):
                staffing = erlang_c(
                    contacts=contacts, aht_seconds=aht, interval_minutes=30, target=target
                )
                want = _fewest_by_hand(contacts, aht, target)
                assert staffing.productive_agents == want, (target, contacts, aht)


def test_shrinkage_and_occupancy_cap_raise_the_scheduled_agents() -> None:
    shrunk = ServiceTarget(shrinkage=0.3, max_occupancy=1.0)
    staffing = erlang_c(contacts=100, aht_seconds=180, interval_minutes=30, target=shrunk)
    assert (staffing.productive_agents, staffing.agents) == (14, 20)  # ceil(14 / 0.7)
    capped = ServiceTarget(shrinkage=0.0, max_occupancy=0.6)
    staffing = erlang_c(contacts=100, aht_seconds=180, interval_minutes=30, target=capped)
    assert staffing.productive_agents == 17  # ceil(10 / 0.6)
    assert staffing.occupancy <= 0.6


def test_no_contacts_need_no_agents() -> None:
    for model in (erlang_c, erlang_a):
        kwargs = {"patience_seconds": 60.0} if model is erlang_a else {}
        staffing = model(
            contacts=0, aht_seconds=180, interval_minutes=30, target=NO_SHRINKAGE, **kwargs
        )
        assert staffing.agents == 0


def test_erlang_a_with_endless_patience_is_erlang_c() -> None:
    # Erlang C table: 10 erlangs on 11 agents wait with probability 0.6821.
    metrics = erlang_a_metrics(
        agents=11, arrival_rate=10 / 180, aht_seconds=180, patience_seconds=1e9, answer_seconds=20
    )
    assert metrics.wait_probability == pytest.approx(0.6821, abs=1e-4)
    assert metrics.abandonment == pytest.approx(0.0, abs=1e-6)
    for contacts in (5, 40, 100, 300):
        a = erlang_a(
            contacts=contacts,
            aht_seconds=240,
            interval_minutes=30,
            target=NO_SHRINKAGE,
            patience_seconds=1e7,
        )
        c = erlang_c(contacts=contacts, aht_seconds=240, interval_minutes=30, target=NO_SHRINKAGE)
        assert a.productive_agents == c.productive_agents


def _chain(agents: int, lam: float, mu: float, theta: float) -> tuple[float, float]:
    """P(wait > 0) and P(abandon) of M/M/n+M from its birth-death chain, truncated far out."""
    weights = [1.0]
    for k in range(1, 2000):
        weights.append(weights[-1] * lam / (min(k, agents) * mu + max(k - agents, 0) * theta))
    total = sum(weights)
    wait = sum(weights[agents:]) / total
    queue = sum((k - agents) * w for k, w in enumerate(weights) if k > agents) / total
    return wait, theta * queue / lam


def _simulate(agents: int, lam: float, aht: float, patience: float, t: float) -> float:
    """Share of arrivals whose offered wait is at most ``t``, FCFS, 100,000 customers."""
    rng = random.Random(7)
    free = [0.0] * agents
    now = 0.0
    late = 0
    n = 100_000
    for _ in range(n):
        now += rng.expovariate(lam)
        offered = max(0.0, free[0] - now)
        late += offered > t
        if offered <= rng.expovariate(1 / patience):
            heapq.heapreplace(free, now + offered + rng.expovariate(1 / aht))
    return 1 - late / n


@pytest.mark.parametrize(
    ("agents", "contacts", "patience"), [(10, 100, 120.0), (8, 100, 300.0), (14, 100, 60.0)]
)
def test_erlang_a_closed_forms_match_the_chain_and_a_simulation(
    agents: int, contacts: float, patience: float
) -> None:
    lam, aht = contacts / 1800, 180.0
    metrics = erlang_a_metrics(
        agents=agents,
        arrival_rate=lam,
        aht_seconds=aht,
        patience_seconds=patience,
        answer_seconds=20,
    )
    wait, abandon = _chain(agents, lam, 1 / aht, 1 / patience)
    assert metrics.wait_probability == pytest.approx(wait, rel=1e-6)
    assert metrics.abandonment == pytest.approx(abandon, rel=1e-6)
    assert metrics.service_level == pytest.approx(
        _simulate(agents, lam, aht, patience, 20), abs=0.01
    )


@pytest.mark.parametrize("patience", [30.0, 120.0, 600.0])
@pytest.mark.parametrize("contacts", [3, 50, 200, 800])
def test_erlang_a_needs_no_more_agents_than_erlang_c(contacts: int, patience: float) -> None:
    target = ServiceTarget()
    c = erlang_c(contacts=contacts, aht_seconds=300, interval_minutes=30, target=target)
    a = erlang_a(
        contacts=contacts,
        aht_seconds=300,
        interval_minutes=30,
        target=target,
        patience_seconds=patience,
    )
    assert a.agents <= c.agents
    assert a.service_level >= target.service_level
    assert 0 < a.abandonment < 1


def test_impatient_customers_save_agents_at_high_load() -> None:
    patient, impatient = (
        erlang_a(
            contacts=800,
            aht_seconds=300,
            interval_minutes=30,
            target=NO_SHRINKAGE,
            patience_seconds=patience,
        )
        for patience in (3600.0, 30.0)
    )
    assert impatient.agents < patient.agents
    assert impatient.abandonment > patient.abandonment


def test_a_bad_target_is_refused() -> None:
    with pytest.raises(ValueError, match="shrinkage"):
        ServiceTarget(shrinkage=1.0)
    with pytest.raises(ValueError, match="service_level"):
        ServiceTarget(service_level=1.0)
