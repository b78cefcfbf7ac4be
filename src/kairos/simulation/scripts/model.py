"""A script: one kind of simulated contact, its cube cell and its turns.

Written for Kairos (no outside text). A script alternates customer and agent turns, starting with
the customer. ``{deadline}`` is the customer's local clock time ``deadline_minutes`` after the
contact starts ("7:30 pm"); ``{minutes}`` is that many minutes in words ("40 minutes").
"""

from __future__ import annotations

from dataclasses import dataclass

from kairos.detection.assessment import cube_cell

#: What the simulator counts as a moment of truth; each script's ``moment_of_truth`` is decided
#: from this and the script's text, never from what the detector says about it.
MOT_DEFINITION = (
    "A moment of truth is a contact whose handling decides whether the customer stays. A script "
    "is one when the customer has something serious at stake in this contact and the "
    "relationship is at risk, shown by at least one of: (1) a serious loss that cannot be put "
    "right afterwards and happens within hours unless this contact fixes it (a flight, a family "
    "milestone, a client deadline, a payroll, a house purchase, safety); (2) a failure repeated: "
    "the company has already failed the customer on the same matter (the third call, a fee "
    "charged again, papers sent twice); (3) a breaking point: mistreatment by staff, "
    "bereavement, a decision the customer holds unjust about something that matters to them "
    "(a claim denied, a plan mis-sold), distress said outright. Not moments of truth: "
    "questions, requests and changes however complex; a deadline whose loss is an "
    "inconvenience or can be put right later (a sale, a certificate, a rescheduled cut-over); "
    "irritation at a first, small failure (a late parcel, a wait on hold, a buggy app)."
)


@dataclass(frozen=True, slots=True)
class Script:
    """One kind of contact: its cell, reason, skill, stakes and the turns of the conversation."""

    cell: str
    reason: str
    skill: str
    customer: tuple[str, ...]
    agent: tuple[str, ...]
    stakes: tuple[str, ...] = ()
    deadline_minutes: int | None = None
    subject: str = ""
    #: A contact resolved in most runs of the script; the generator draws around this.
    resolution: float = 0.8
    #: Whether a contact of this script is a moment of truth, by :data:`MOT_DEFINITION`.
    moment_of_truth: bool = False
    #: Why it is or is not one, in the definition's terms (shown in ``docs/simulation.md``).
    why: str = ""


def _cell(emotion: str, urgency: str, complexity: str) -> str:
    level = {"low": 0.0, "high": 1.0}
    return cube_cell(level[emotion], level[urgency], level[complexity])


ROUTINE = _cell("low", "low", "low")
ROUTINE_COMPLEX = _cell("low", "low", "high")
URGENT = _cell("low", "high", "low")
URGENT_COMPLEX = _cell("low", "high", "high")
UPSET = _cell("high", "low", "low")
UPSET_COMPLEX = _cell("high", "low", "high")
CRISIS = _cell("high", "high", "low")
CRISIS_COMPLEX = _cell("high", "high", "high")
