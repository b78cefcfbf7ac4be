"""How the detector's flag compares with what the simulated contact center knows.

The simulator knows which of its contacts are moments of truth: each script says whether it is
one (``Script.moment_of_truth``), decided from the product's definition
(:data:`~kairos.simulation.scripts.model.MOT_DEFINITION`: serious stakes that cannot be put
right later, a repeated failure, or a breaking point) and the script's own text, never from the
detector. ``flag_agreement`` runs the live detector over the demo's own traffic, one detector per
contact fed every event in order, and compares its flag (the contact's final ``mot_score`` at or
above the threshold) with that truth.

Until December 2026 the truth was the contact's cube cell (``Scenario.mot_cells``: emotion and
urgency both high). That contradicted the definition: a complaint about rude staff or the third
call about the same fault is not urgent, yet is exactly where a customer decides whether to stay.
The old cell-based figures are still reported beside the new ones (``cell_*``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kairos.detection.detector import MomentDetector
from kairos.events import (
    AudioSegment,
    InteractionEnded,
    InteractionStarted,
    IvrInput,
    IvrSelection,
    SurveyResponse,
    Transfer,
    Utterance,
)
from kairos.simulation.scenario import CELLS, Scenario
from kairos.simulation.traffic import contacts

DETECTED = (
    InteractionStarted, Utterance, IvrSelection, IvrInput, Transfer, InteractionEnded,
    SurveyResponse, AudioSegment,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FlagAgreement:
    """Flagged share against the true share, and the flag's precision and recall."""

    contacts: int
    true_share: float
    flagged_share: float
    precision: float
    recall: float
    #: Per script reason: (contacts, flagged, truly a moment of truth).
    by_reason: dict[str, tuple[int, int, bool]] = field(default_factory=dict)
    #: The old truth, for comparison: the share of contacts in ``Scenario.mot_cells``, and the
    #: flag's precision against it.
    cell_true_share: float = float("nan")
    cell_precision: float = float("nan")


def flag_agreement(
    *, count: int = 500, seed: int = 0, scenario: Scenario | None = None
) -> FlagAgreement:
    """The detector's flag on ``count`` simulated contacts of the demo's traffic."""
    scenario = scenario or Scenario()
    mot_cells = {c for c, mot in zip(CELLS, scenario.mot_cells, strict=True) if mot}
    threshold = scenario.mot_threshold
    seen: Counter[str] = Counter()
    flagged_by: Counter[str] = Counter()
    truth_of: dict[str, bool] = {}
    tp = flagged = true = cell_tp = cell_true = 0
    for contact in contacts(seed=seed, count=count, scenario=scenario):
        detector = MomentDetector(interaction_id=contact.interaction_id)
        for event in contact.events:
            if isinstance(event, DETECTED):
                detector.update(event)
        is_mot = contact.script.moment_of_truth
        in_cell = contact.cell in mot_cells
        flag = detector.scores().mot_score >= threshold
        reason = contact.script.reason
        seen[reason] += 1
        flagged_by[reason] += flag
        truth_of[reason] = is_mot
        tp += flag and is_mot
        flagged += flag
        true += is_mot
        cell_tp += flag and in_cell
        cell_true += in_cell
    return FlagAgreement(
        contacts=count,
        true_share=true / count,
        flagged_share=flagged / count,
        precision=tp / flagged if flagged else float("nan"),
        recall=tp / true if true else float("nan"),
        by_reason={r: (seen[r], flagged_by[r], truth_of[r]) for r in sorted(seen)},
        cell_true_share=cell_true / count,
        cell_precision=cell_tp / flagged if flagged else float("nan"),
    )
