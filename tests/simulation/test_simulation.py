"""The contact-center model: common random numbers, reproducibility, routing effects, overrides."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from kairos.routing.policies import make_policy
from kairos.simulation import (
    Scenario,
    ScenarioError,
    engine,
    generate_day,
    parse_overrides,
    run_experiment,
    simulate,
    with_overrides,
)
from kairos.simulation.experiment import interval, t_quantile_975

# Small enough to run in well under a second per policy: 40 agents through a busy morning.
SMALL = Scenario(agents=40, hours=3, start_hour=9)


def test_a_day_is_drawn_the_same_for_a_seed_and_differently_for_another() -> None:
    first = generate_day(SMALL, seed=5, replication=2)
    again = generate_day(SMALL, seed=5, replication=2)
    other = generate_day(SMALL, seed=5, replication=3)
    for name in ("arrival", "patience", "base_handle", "mot_score", "u_resolve", "u_churn"):
        np.testing.assert_array_equal(getattr(first.contacts, name), getattr(again.contacts, name))
    np.testing.assert_array_equal(first.agents.empathy, again.agents.empathy)
    assert len(other.contacts) != len(first.contacts) or not np.array_equal(
        other.contacts.arrival, first.contacts.arrival
    )


def test_both_policies_see_the_same_arrivals_but_route_them_differently() -> None:
    day = generate_day(SMALL, seed=3)
    before = day.contacts.arrival.copy()
    fifo = simulate(SMALL, day, "fifo")
    moments = simulate(SMALL, day, "moments")
    # Running a policy draws nothing and changes nothing in the day: the next policy gets the same.
    np.testing.assert_array_equal(day.contacts.arrival, before)
    assert len(fifo.answered) == len(moments.answered) == len(day.contacts)
    # ... and yet the policies differ in who answered what.
    assert not np.array_equal(fifo.agent, moments.agent)
    experiment = run_experiment(SMALL, ("fifo", "moments"), replications=3, seed=3)
    for metric in ("contacts", "mot_contacts"):
        assert experiment.values("fifo", metric) == experiment.values("moments", metric)
    assert len(set(experiment.values("fifo", "contacts"))) > 1  # replications are different days


def test_results_are_reproducible_for_a_seed() -> None:
    a = run_experiment(SMALL, ("fifo", "moments"), replications=2, seed=11)
    b = run_experiment(SMALL, ("fifo", "moments"), replications=2, seed=11)
    c = run_experiment(SMALL, ("fifo", "moments"), replications=2, seed=12)
    assert [r.metrics for r in a.runs] == [r.metrics for r in b.runs]
    assert [r.metrics for r in a.runs] != [r.metrics for r in c.runs]


def test_moments_gives_certified_agents_more_of_the_moments_of_truth() -> None:
    experiment = run_experiment(SMALL, ("fifo", "moments"), replications=4, seed=1)
    difference = experiment.difference("moments", "fifo", "mot_certified_share")
    assert difference.mean > 0.05 and difference.significant
    # Certified agents are about 15% of the floor; fifo hands them about their share.
    assert experiment.summary("fifo", "mot_certified_share").mean < 0.3


def test_without_agent_fit_the_policies_resolve_alike() -> None:
    scenario = Scenario(agents=60, hours=4, start_hour=9)
    with_fit = run_experiment(scenario, ("fifo", "moments"), replications=4, seed=2)
    for metric in ("resolution", "mot_resolution"):
        gain = with_fit.difference("moments", "fifo", metric)
        assert gain.mean > 0.005 and gain.significant, metric
    no_fit = run_experiment(
        with_overrides(scenario, {"fit_effect": 0.0}), ("fifo", "moments"), replications=4, seed=2
    )
    for metric in ("resolution", "mot_resolution"):
        difference = no_fit.difference("moments", "fifo", metric)
        assert abs(difference.mean) < 0.01, metric
        assert not difference.significant or abs(difference.mean) < 0.005, metric


def test_abandonment_grows_when_agents_are_cut() -> None:
    planned = run_experiment(SMALL, ("fifo",), replications=2, seed=4)
    short = run_experiment(
        with_overrides(SMALL, {"absence": 0.25}), ("fifo",), replications=2, seed=4
    )
    # Same demand (common random numbers), a quarter of the agents missing.
    assert short.values("fifo", "contacts") == planned.values("fifo", "contacts")
    assert (
        short.summary("fifo", "abandonment").mean > 2 * planned.summary("fifo", "abandonment").mean
    )
    assert (
        short.summary("fifo", "service_level").mean < planned.summary("fifo", "service_level").mean
    )


class _Checked(engine._Center):
    """The model, checking after every event that ``choose`` would find nothing left to place."""

    checks = 0

    def _check(self) -> None:
        board = copy.deepcopy(self.board)
        assert self.policy.choose(board, now=self._now(), limit=1) == []
        _Checked.checks += 1

    def _arrive(self, i: int) -> None:
        super()._arrive(i)
        self._check()

    def _finish(self, j: int) -> None:
        super()._finish(j)
        self._check()


@pytest.mark.parametrize("policy", ["fifo", "moments"])
def test_targeted_routing_leaves_nothing_that_choose_would_place(policy: str) -> None:
    # Overloaded, many certified agents: queues form and the moments reserve comes into play.
    scenario = with_overrides(
        Scenario(agents=12, hours=1, start_hour=10), {"offered_load": 1.2, "certified_share": 0.4}
    )
    day = generate_day(scenario, seed=9)
    chosen = make_policy(policy)
    center = _Checked(scenario, day, chosen)
    center.run()
    assert _Checked.checks > len(day.contacts)
    assert center.decisions > 0 and np.isnan(center.answered).sum() > 0  # some did wait it out


def test_overrides_are_typed_and_validated() -> None:
    changed = with_overrides(
        Scenario(), parse_overrides(["certified_share=0.3", "channel_mix=0.5,0.5,0,0,0"])
    )
    assert changed.certified_share == 0.3
    assert changed.channel_mix == (0.5, 0.5, 0.0, 0.0, 0.0)
    with pytest.raises(ScenarioError, match="unknown scenario field 'certfied_share'"):
        with_overrides(Scenario(), {"certfied_share": "0.3"})
    with pytest.raises(ScenarioError, match="certified_share: must be a probability"):
        with_overrides(Scenario(), {"certified_share": "1.5"})
    with pytest.raises(ScenarioError, match="agents: cannot read 'many' as an integer"):
        with_overrides(Scenario(), {"agents": "many"})
    # 99,999,999 agents asked numpy for 83 GiB and ended in a MemoryError traceback.
    with pytest.raises(ScenarioError, match=r"agents: must be in \[1, 20000\]"):
        with_overrides(Scenario(), {"agents": "99999999"})
    with pytest.raises(ScenarioError, match="cell_mix: needs 8 values"):
        with_overrides(Scenario(), {"cell_mix": "1,1"})
    with pytest.raises(ScenarioError, match="not of the form name=value"):
        parse_overrides(["certified_share"])


def test_confidence_intervals_use_student_t() -> None:
    assert t_quantile_975(1) == pytest.approx(12.706, abs=1e-3)
    assert t_quantile_975(4) == pytest.approx(2.776, abs=2e-3)
    assert t_quantile_975(19) == pytest.approx(2.093, abs=1e-3)
    ci = interval([1.0, 2.0, 3.0])
    assert ci.mean == 2.0
    assert ci.half_width == pytest.approx(4.303 * 1.0 / 3**0.5, rel=1e-3)
    assert not interval([-1.0, 1.0, 0.5]).significant
