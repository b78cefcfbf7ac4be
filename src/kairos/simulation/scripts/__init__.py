"""What simulated customers and agents say, a few scripts per cube cell.

Written for Kairos (no outside text). A script alternates customer and agent turns, starting with
the customer. ``{deadline}`` is the customer's local clock time ``deadline_minutes`` after the
contact starts ("7:30 pm"); ``{minutes}`` is that many minutes in words ("40 minutes").
"""

from __future__ import annotations

from kairos.simulation.scripts.calm import CALM
from kairos.simulation.scripts.model import Script
from kairos.simulation.scripts.upset import UPSET_SCRIPTS

__all__ = ["BY_CELL", "SCRIPTS", "Script"]

#: Every script, calm cells first (the generator's draws depend on this order).
SCRIPTS: tuple[Script, ...] = CALM + UPSET_SCRIPTS


#: Scripts per cube cell.
BY_CELL: dict[str, tuple[Script, ...]] = {
    cell: tuple(s for s in SCRIPTS if s.cell == cell)
    for cell in dict.fromkeys(s.cell for s in SCRIPTS)
}
