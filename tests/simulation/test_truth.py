"""The detector's flag on the demo's own traffic against the simulator's moments of truth."""

from __future__ import annotations

import pytest

from kairos.simulation.scenario import CELLS, Scenario
from kairos.simulation.scripts import BY_CELL, SCRIPTS
from kairos.simulation.scripts.model import MOT_DEFINITION
from kairos.simulation.truth import flag_agreement


@pytest.fixture(scope="module")
def agreement():  # type: ignore[no-untyped-def]
    return flag_agreement(count=500, seed=0)


def test_counts_add_up(agreement) -> None:  # type: ignore[no-untyped-def]
    assert sum(n for n, _, _ in agreement.by_reason.values()) == agreement.contacts == 500
    flagged = sum(f for _, f, _ in agreement.by_reason.values())
    assert flagged / 500 == pytest.approx(agreement.flagged_share)
    true = sum(n for n, _, mot in agreement.by_reason.values() if mot)
    assert true / 500 == pytest.approx(agreement.true_share)


def test_truth_is_each_scripts_own_with_its_reason() -> None:
    """Every script says whether it is a moment of truth and why, in the definition's terms."""
    assert "decides whether the customer stays" in MOT_DEFINITION
    assert all(s.why for s in SCRIPTS)
    truth = {s.reason: s.moment_of_truth for s in SCRIPTS}
    # Not urgent, yet where a customer decides whether to stay (the old cell rule missed them).
    for reason in ("rude staff", "repeat fault", "overcharged again", "bereavement"):
        assert truth[reason]
    # Upset, but nothing at stake: irritation is not a moment of truth.
    for reason in ("late parcel", "long hold", "app logging out", "confusing bill"):
        assert not truth[reason]
    assert not any(truth[s.reason] for s in BY_CELL[CELLS[0]])  # routine


def test_the_true_share_is_a_contact_centres(agreement) -> None:  # type: ignore[no-untyped-def]
    """A few percent to about 15%: expected 15.2% over the default cell mix."""
    weights = Scenario().cell_weights()
    expected = sum(
        w * sum(s.moment_of_truth for s in BY_CELL[c]) / len(BY_CELL[c])
        for c, w in zip(CELLS, weights, strict=True)
    )
    assert 0.05 <= expected <= 0.16
    assert abs(agreement.true_share - expected) < 0.03
    # The old cell-based truth is still reported beside it.
    assert 0.0 < agreement.cell_true_share < agreement.true_share


def test_the_flag_agrees_with_the_truth(agreement) -> None:  # type: ignore[no-untyped-def]
    """Issue 14: the flagged share within 5 points of the true share, precision at least 0.8."""
    assert abs(agreement.flagged_share - agreement.true_share) <= 0.05
    assert agreement.precision >= 0.8
    assert agreement.recall >= 0.95


def test_routine_contacts_are_never_flagged(agreement) -> None:  # type: ignore[no-untyped-def]
    for reason in ("balance enquiry", "copy of invoice", "address change"):
        assert agreement.by_reason[reason][1] == 0
    for reason in ("rude staff", "cancelled flight", "bereavement"):
        n, flagged, mot = agreement.by_reason[reason]
        assert mot and flagged == n
