"""A new contact waits a moment for its first assessment before routing gives it to anyone.

A contact is queued at ``interaction.started``; the detector's first assessment of it (its IVR
reason, its subject, the first words) is stored tens to hundreds of milliseconds later. An idle
agent's ``next`` or the push offers' pass would take it in between, on no assessment at all, as
routine work: a moment of truth then went to whichever agent asked first, not to a certified one.
So routing holds a new contact that has no assessment yet for at most
``KAIROS_ROUTING_ASSESSMENT_WAIT_S`` (1.5 s) from when it was queued: its first assessment gives
it out at once (as a moment of truth where it is one), and the bound gives it out anyway when the
detector is slow or down, so that no contact is stranded.

"New" is measured from the earlier of the contact's start and when Kairos first saw it: a contact
whose events are dated long ago (a history, a replay) is not held, and one dated ahead by a wrong
clock is held no longer than the bound. A contact transferred or sent back to a queue keeps its
assessment, so it is never held again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from kairos.config import Settings
from kairos.db import utcnow
from kairos.routing.board_rows import serves

if TYPE_CHECKING:
    from kairos.routing.live_board import LiveBoard

#: The setting's default (``KAIROS_ROUTING_ASSESSMENT_WAIT_S``), as :mod:`kairos.config` has it.
WAIT_S: float = Settings.model_fields["routing_assessment_wait_s"].default


class FirstAssessments:
    """The live board's waiting contacts that have no assessment yet, and until when each is held.

    Kept on arrival, dropped on the first assessment, on leaving the board and once the bound has
    passed: a decision reads only these (a few at most), never every waiting contact."""

    def __init__(self, wait_s: float = WAIT_S) -> None:
        self.wait_s = wait_s
        #: interaction -> until when routing holds it
        self._until: dict[str, datetime] = {}

    def clear(self) -> None:
        """Forget every contact (the board is read again)."""
        self._until.clear()

    def arrived(self, interaction_id: str, enqueued_at: datetime, assessed: bool) -> None:
        """A contact put on the board (again): held from its arrival if it has no assessment.
        One put on again (a refresh) keeps its first bound."""
        if assessed or self.wait_s <= 0:
            self._until.pop(interaction_id, None)
        elif interaction_id not in self._until:
            now = utcnow()
            until = min(enqueued_at, now) + timedelta(seconds=self.wait_s)
            if until > now:
                self._until[interaction_id] = until

    def assessed(self, interaction_id: str) -> None:
        """Its assessment arrived (or it left the board): routing may give it now."""
        self._until.pop(interaction_id, None)

    def held(self, now: datetime) -> frozenset[str]:
        """The contacts routing does not give anyone at ``now``."""
        if not self._until:
            return frozenset()
        for interaction_id in [i for i, until in self._until.items() if until <= now]:
            del self._until[interaction_id]
        return frozenset(self._until)


def held_for(board: LiveBoard, agent_id: str, now: datetime) -> frozenset[str]:
    """The live board's contacts held at ``now`` that the agent could take: in a queue it serves
    (its skills and channels), not one it let go lately. What its ``next`` counts when it says
    why it gave nothing, as the database path counts them among the queues it reads; a contact
    held in a queue this agent never takes is not its wait. Under the board's lock."""
    held = board.first.held(now)
    agent = board.agents.get(agent_id)
    if not held or agent is None:
        return frozenset()
    mine: set[str] = set()
    for interaction_id in held - board.passes.kept_from(agent_id, now):
        snapshot = board.snapshot(interaction_id)
        queue = board.queues.get(snapshot.queue) if snapshot is not None else None
        if queue is not None and serves(
            agent.skills, agent.channels, queue.required_skills, queue.channel
        ):
            mine.add(interaction_id)
    return frozenset(mine)


def held_in_database(
    rows: Iterable[tuple[str, datetime, datetime, bool]], now: datetime, wait_s: float
) -> set[str]:
    """The database path's held contacts among ``rows`` (id, started, stored, assessed): the same
    bound, from the earlier of the contact's start and when its row was stored."""
    if wait_s <= 0:
        return set()
    bound = timedelta(seconds=wait_s)
    return {i for i, started, stored, assessed in rows if not assessed
            and now < min(started, stored) + bound}  # fmt: skip


def why_held(held: int, wait_s: float) -> str:
    """What ``next`` says of the contacts it holds."""
    who = "1 new contact waits for its" if held == 1 else f"{held} new contacts wait for their"
    return (
        f"{who} first assessment (at most {wait_s:g} s), so that a moment of truth goes"
        " to the right agent; ask again"
    )
