"""``kairos calibrate`` on the demo's traffic, where the simulator knows the truth.

A week of contacts at a base rate; the automatic review reads every unflagged contact (a moment
in hindsight, listed on the missed-moments page, when its peak score reached the flag); a
supervisor gives a verdict (each script's own truth) on a share of the flags and of that list;
agents mark a share of the moments nobody flagged or listed. ``kairos.outcomes.calibration``
recommends a base rate from that week; another week (another seed) is flagged at the
recommendation and measured against the truth. The flag at any base rate comes from each
contact's ``mot_logit``, which is the detector's own score at that rate
(``tests/outcomes/test_calibration.py`` holds the two equal). ``benchmarks/calibration.py``
prints the figures.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.progress import Progress

from kairos.detection.detector import MomentDetector
from kairos.outcomes.calibration import Contact, calibrate, prior_of
from kairos.outcomes.verdict_schemas import CalibrationOut
from kairos.simulation.traffic import contacts
from kairos.simulation.truth import DETECTED


@dataclass(frozen=True, slots=True)
class Read:
    """One simulated contact as the detector left it, and the simulator's truth."""

    final: float | None  # pre-prior log odds at the end (None: the semantic tier did not read it)
    peak: float | None  # the highest pre-prior log odds over the contact
    score: float  # the detector's own final score (for contacts without log odds)
    truth: bool


def read_traffic(count: int, seed: int, progress: Progress | None = None) -> list[Read]:
    """Run the live detector over ``count`` simulated contacts, one detector per contact."""
    task = progress.add_task(f"reading week (seed {seed})", total=count) if progress else None
    out = []
    for contact in contacts(seed=seed, count=count):
        detector = MomentDetector(interaction_id=contact.interaction_id)
        peak: float | None = None
        for event in contact.events:
            if isinstance(event, DETECTED):
                logit = detector.update(event).mot_logit
                if logit is not None and (peak is None or logit > peak):
                    peak = logit
        scores = detector.scores()
        out.append(Read(scores.mot_logit, peak, scores.mot_score, contact.script.moment_of_truth))
        if progress is not None and task is not None:
            progress.advance(task)
    return out


def flags(reads: list[Read], base_rate: float) -> list[bool]:
    """Each contact's flag at ``base_rate``."""
    prior = prior_of(base_rate)
    return [r.score >= 0.5 if r.final is None else r.final + prior >= 0 for r in reads]


def supervised_week(
    reads: list[Read], base_rate: float, *, review: float, report: float, seed: int
) -> list[Contact]:
    """The week's contacts as the centre knows them: the automatic review's reading (a moment
    in hindsight when the contact's peak score reached the flag), a supervisor's verdicts on
    ``review`` of the flags and of the missed-moment candidates, and agents' reports of
    ``report`` of the moments nobody flagged or listed."""
    rng = random.Random(seed)
    prior = prior_of(base_rate)
    week = []
    for read, flagged in zip(reads, flags(reads, base_rate), strict=True):
        hindsight = read.peak is not None and read.peak + prior >= 0
        status = None if flagged else "missed" if hindsight else "routine"
        checked = rng.random() < (review if flagged or hindsight else report * read.truth)
        week.append(Contact(flagged, read.final, read.truth if checked else None, status))
    return week


@dataclass(frozen=True, slots=True)
class Measured:
    """Flagged share, precision and recall against the simulator's truth."""

    flagged_share: float
    precision: float
    recall: float


def measure(reads: list[Read], base_rate: float) -> Measured:
    """The flag at ``base_rate`` against the truth."""
    marked = flags(reads, base_rate)
    tp = sum(f and r.truth for f, r in zip(marked, reads, strict=True))
    n_flag, n_true = sum(marked), sum(r.truth for r in reads)
    return Measured(
        n_flag / len(reads), tp / n_flag if n_flag else float("nan"), tp / n_true if n_true else 0.0
    )


def run(
    week1: list[Read], week2: list[Read], base_rate: float, *, review: float, report: float
) -> tuple[CalibrationOut, Measured, Measured]:
    """Calibrate on ``week1`` flagged at ``base_rate``; measure ``week2`` before and after."""
    now = datetime.now(UTC)
    week = supervised_week(week1, base_rate, review=review, report=report, seed=7)
    out = calibrate(
        week, since=now, until=now, current_base_rate=base_rate,
        verdicts=sum(c.verdict is not None for c in week),
    )  # fmt: skip
    after = out.recommended.base_rate if out.recommended else base_rate
    return out, measure(week2, base_rate), measure(week2, after)
