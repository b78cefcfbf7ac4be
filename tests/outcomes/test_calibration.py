"""Calibration of the MoT flag: Wilson intervals, exact re-scoring at another base rate, and the
recommendation moving the right way on a seeded simulation of the demo's traffic."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from kairos.demo.calibration import measure, read_traffic, run
from kairos.detection import semantic
from kairos.detection.detector import MomentDetector
from kairos.outcomes.calibration import Contact, calibrate, flagged_at, prior_of, wilson
from kairos.simulation.traffic import contacts
from kairos.simulation.truth import DETECTED

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def test_wilson_intervals_match_the_textbook_values() -> None:
    # Wilson (1927), as in Newcombe (1998) table I: 81/263 -> 0.2553-0.3662.
    w = wilson(81, 263)
    assert (w.low, w.high) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert wilson(10, 10).high == 1.0 and wilson(10, 10).low == pytest.approx(0.7225, abs=1e-4)
    assert wilson(0, 0).value is None


def test_the_kept_logit_is_the_detectors_score_at_another_base_rate() -> None:
    model = semantic.load_default()
    if model is None:
        pytest.skip("the semantic model is not installed")
    other = semantic.SemanticModel(
        semantic.DEFAULT_MODEL, semantic.DEFAULT_TOKENIZER, card=semantic.read_card(),
        base_rate=0.15,
    )  # fmt: skip
    checked = 0
    for contact in contacts(seed=3, count=40):
        here = MomentDetector(interaction_id=contact.interaction_id)
        there = MomentDetector(interaction_id=contact.interaction_id, semantic=other)
        for event in contact.events:
            if isinstance(event, DETECTED):
                here.update(event)
                there.update(event)
        a, b = here.scores(), there.scores()
        if a.mot_logit is None:
            continue
        rescored = 1 / (1 + math.exp(-(a.mot_logit + prior_of(0.15))))
        assert rescored == pytest.approx(b.mot_score, abs=2e-4)
        checked += 1
    assert checked >= 30


def test_too_few_reviewed_contacts_is_a_refusal_that_says_how_many() -> None:
    week = [Contact(True, 1.0, True)] * 5 + [Contact(True, 1.0)] * 35
    week += [Contact(False, -5.0, None, "routine")] * 40
    out = calibrate(week, since=NOW, until=NOW, current_base_rate=0.05, verdicts=5)
    assert out.recommended is None and out.needed == 25
    assert "5 of 40 flagged" in (out.refused or "") and "25 more" in (out.refused or "")
    # A group smaller than the minimum needs all of its contacts judged, no more.
    small = week[:5] + week[40:]
    assert calibrate(small, since=NOW, until=NOW, current_base_rate=0.05, verdicts=5).needed == 0


def test_the_recommendation_matches_the_flagged_share_to_the_estimated_truth() -> None:
    # 100 flagged with log odds 3.0..3.99 at a rate of 0.15, half of them wrong; 900 routine.
    flagged = [Contact(True, 3.0 + i / 100, i % 2 == 0) for i in range(100)]
    rest = [Contact(False, -4.0, None, "routine") for _ in range(900)]
    out = calibrate(flagged + rest, since=NOW, until=NOW, current_base_rate=0.15, verdicts=100)
    assert out.precision.value == 0.5 and out.estimated_moments == 50.0
    assert out.recommended is not None and out.recommended.base_rate < 0.15
    assert abs(flagged_at(flagged + rest, out.recommended.base_rate) - 50) <= 1


@pytest.fixture(scope="module")
def weeks() -> tuple[list, list]:
    return read_traffic(700, 11), read_traffic(700, 12)


def test_on_the_demo_the_recommendation_moves_a_mis_set_rate_the_right_way(
    weeks: tuple[list, list],
) -> None:
    first, second = weeks
    high, before, after = run(first, second, 0.15, review=0.6, report=0.3)
    assert high.recommended is not None and high.recommended.base_rate < 0.15
    assert after.flagged_share < before.flagged_share and after.precision >= before.precision
    low, before, after = run(first, second, 0.01, review=1.0, report=0.3)
    assert low.recommended is not None and low.recommended.base_rate > 0.01
    assert after.recall > before.recall and after.flagged_share > before.flagged_share
    truth = sum(r.truth for r in second) / len(second)
    # Each recommendation lands nearer the true share than the rate it corrects.
    for rate, out in ((0.15, high), (0.01, low)):
        assert out.recommended is not None
        at_rec = measure(second, out.recommended.base_rate).flagged_share
        assert abs(at_rec - truth) < abs(measure(second, rate).flagged_share - truth)
