"""A script: one kind of simulated contact, its cube cell and its turns.

Written for Kairos (no outside text). A script alternates customer and agent turns, starting with
the customer. ``{deadline}`` is the customer's local clock time ``deadline_minutes`` after the
contact starts ("7:30 pm"); ``{minutes}`` is that many minutes in words ("40 minutes").
"""

from __future__ import annotations

from dataclasses import dataclass

from kairos.detection.assessment import cube_cell


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
