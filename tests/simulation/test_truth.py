"""The detector's flag on the demo's own traffic against the simulator's moments of truth."""

from __future__ import annotations

import pytest

from kairos.simulation.scenario import CELLS, Scenario
from kairos.simulation.truth import flag_agreement


@pytest.fixture(scope="module")
def agreement():  # type: ignore[no-untyped-def]
    return flag_agreement(count=200, seed=3)


def test_counts_add_up(agreement) -> None:  # type: ignore[no-untyped-def]
    assert sum(n for n, _, _ in agreement.by_reason.values()) == agreement.contacts == 200
    flagged = sum(f for _, f, _ in agreement.by_reason.values())
    assert flagged / 200 == pytest.approx(agreement.flagged_share)
    true = sum(n for n, _, mot in agreement.by_reason.values() if mot)
    assert true / 200 == pytest.approx(agreement.true_share)


def test_truth_is_the_scenarios_mot_cells(agreement) -> None:  # type: ignore[no-untyped-def]
    mot_cells = [c for c, m in zip(CELLS, Scenario().mot_cells, strict=True) if m]
    assert mot_cells and all("emotion:high urgency:high" in c for c in mot_cells)
    assert 0.0 < agreement.true_share < 0.2


def test_routine_contacts_are_never_flagged_and_crises_always_are(agreement) -> None:  # type: ignore[no-untyped-def]
    for reason in ("balance enquiry", "copy of invoice", "address change"):
        assert agreement.by_reason[reason][1] == 0
    assert agreement.recall == 1.0
