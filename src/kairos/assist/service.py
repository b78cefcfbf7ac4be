"""Playbooks and the agent's guidance. The only place that writes ``playbooks``.

A playbook applies to an interaction when one of its situations (stakes categories, or
``repeat_contact`` / ``outage``) is among the interaction's, or one of its reason phrases is in
the contact reason; a cube filter (``urgency:high``) narrows it to interactions in those cells.
:func:`playbook_for` picks the best: the one for the most pressing of the interaction's situations
(:data:`PRECEDENCE`: safety first), then the one covering more of them, with a matching reason,
with the narrower cube filter, then the lowest id. A reason alone matches below any stake.

A supervisor's edit (:func:`update_playbook`) replaces the editable fields, bumps the version,
records who and when (and the saved content, in ``playbook_revisions``) and, after commit,
publishes ``playbook.updated`` on the bus topic ``assist``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.assist.coaching import NUDGE_KINDS, coach
from kairos.assist.models import Playbook, PlaybookRevision
from kairos.assist.schemas import (
    GuidanceOut,
    GuidanceSituation,
    PlaybookIn,
    PlaybookOut,
    PlaybookRevisionOut,
    PlaybookUpdate,
    UtteranceNudges,
)
from kairos.bus import EventBus
from kairos.bus.messages import PlaybookUpdated
from kairos.db import Database, utcnow
from kairos.errors import Conflict, NotFound
from kairos.interactions.edits import in_place
from kairos.interactions.models import EventRecord, Interaction
from kairos.messages import service as message_service

DEFAULTS_FILE = Path(__file__).resolve().parent / "data" / "playbooks.json"
_EDITABLE = ("title", "summary", "stakes", "reasons", "cube", "actions", "steps", "wording")
#: Which situation the agent acts on first when an interaction has several: the detector reports
#: every stake it is sure enough of, and the concrete problem (a person in danger, a stranded
#: traveller) is what the agent can fix, while a family event or a deadline says why it matters.
PRECEDENCE: tuple[str, ...] = (
    "safety",
    "health",
    "travel_disruption",
    "insurance_claim",
    "fraud",
    "money_lost",
    "bereavement",
    "business_deadline",
    "family_event",
    "first_time",
    "repeat_contact",
    "outage",
)
# Cue labels in an assessment that mean the customer has been here before about this.
_REPEAT_CUES = {("journey", "repeat_contact"), ("journey", "prior_contacts_same_issue")}


@cache
def default_playbooks() -> tuple[PlaybookIn, ...]:
    """The shipped default playbooks, from ``data/playbooks.json``."""
    data = json.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
    return tuple(PlaybookIn.model_validate(p) for p in data["playbooks"])


def content_of(playbook: PlaybookIn | PlaybookUpdate | Playbook) -> dict[str, Any]:
    """The editable fields as stored (JSON-ready)."""
    if isinstance(playbook, Playbook):
        return {name: getattr(playbook, name) for name in _EDITABLE}
    return playbook.model_dump(mode="json", include=set(_EDITABLE))


def seed_defaults(*, db: Database, now: datetime | None = None) -> int:
    """Add each shipped playbook whose key is missing; returns how many were added.

    The migration seeds them; this restores any deleted, and fills a database built otherwise.
    Existing playbooks, edited or not, are left as they are.
    """
    now = now or utcnow()
    with db.write_lock(), db.session() as session:
        present = set(session.scalars(select(Playbook.key)))
        added = 0
        for playbook in default_playbooks():
            if playbook.key in present:
                continue
            row = Playbook(
                key=playbook.key, **content_of(playbook), version=1, updated_at=now, created_at=now
            )
            session.add(row)
            added += 1
        session.commit()
    return added


# -- reads --------------------------------------------------------------------------------------


def get(*, session: Session, playbook_id: int) -> Playbook | None:
    """A playbook by id."""
    return session.get(Playbook, playbook_id)


def get_or_raise(*, session: Session, playbook_id: int) -> PlaybookOut:
    """A playbook by id, or a 404."""
    playbook = get(session=session, playbook_id=playbook_id)
    if playbook is None:
        raise NotFound(f"no playbook {playbook_id}")
    return PlaybookOut.model_validate(playbook)


def get_all_playbooks(*, session: Session) -> list[PlaybookOut]:
    """Every playbook, by id."""
    rows = session.scalars(select(Playbook).order_by(Playbook.id))
    return [PlaybookOut.model_validate(p) for p in rows]


def get_revisions(*, session: Session, playbook_id: int) -> list[PlaybookRevisionOut]:
    """Every saved version of a playbook, newest first: content, who and when."""
    get_or_raise(session=session, playbook_id=playbook_id)
    rows = session.scalars(
        select(PlaybookRevision)
        .where(PlaybookRevision.playbook_id == playbook_id)
        .order_by(PlaybookRevision.version.desc())
    )
    return [
        PlaybookRevisionOut(
            version=r.version, content=r.content, updated_by=r.updated_by, updated_at=r.updated_at
        )
        for r in rows
    ]


def _phrase_in(phrase: str, reason: str) -> bool:
    return re.search(rf"\b{re.escape(phrase.lower())}\b", reason) is not None


def _score(
    playbook: Playbook, stakes: Sequence[str], reason: str | None, cube: str | None
) -> tuple[int, list[str]] | None:
    cube_parts = playbook.cube.split() if playbook.cube else []
    if cube_parts and (cube is None or not set(cube_parts) <= set(cube.split())):
        return None
    covered = [s for s in dict.fromkeys(stakes) if s in playbook.stakes]
    matched = [f"stakes: {s}" for s in covered]
    reason_hit = None
    if reason:
        lowered = reason.strip().lower()
        reason_hit = next((p for p in playbook.reasons if _phrase_in(p, lowered)), None)
        if reason_hit is not None:
            matched.append(f"reason: {reason_hit}")
    if not covered and reason_hit is None:
        return None
    if cube_parts:
        matched.append(f"cube: {playbook.cube}")
    # The most pressing situation dominates; covering more of them, a matching reason and a
    # narrower cube filter break ties.
    top = max((len(PRECEDENCE) - PRECEDENCE.index(s) for s in covered), default=0)
    extra = max(0, len(covered) - 1)
    return 100 * top + 8 * extra + 7 * (reason_hit is not None) + 3 * len(cube_parts), matched


def playbook_for(
    *,
    session: Session,
    stakes: Sequence[str],
    reason: str | None = None,
    cube: str | None = None,
) -> PlaybookOut | None:
    """The best playbook for an interaction's stakes, contact reason and cube cell, or None."""
    best: tuple[int, int, Playbook, list[str]] | None = None
    for playbook in session.scalars(select(Playbook).order_by(Playbook.id)):
        scored = _score(playbook, stakes, reason, cube)
        if scored is None:
            continue
        score, matched = scored
        if best is None or score > best[0]:
            best = (score, playbook.id, playbook, matched)
    if best is None:
        return None
    return PlaybookOut.model_validate(best[2]).model_copy(update={"matched_on": best[3]})


# -- writes -------------------------------------------------------------------------------------


def update_playbook(
    *,
    db: Database,
    bus: EventBus,
    playbook_id: int,
    playbook_in: PlaybookUpdate,
    updated_by: str | None = None,
    now: datetime | None = None,
) -> PlaybookOut:
    """Replace a playbook's content, bump its version, record who and when; publish
    ``playbook.updated`` on ``assist`` once committed. 404 if unknown, 409 on a stale version."""
    now = now or utcnow()
    with db.write_lock(), db.session() as session:
        query = select(Playbook).where(Playbook.id == playbook_id).with_for_update()
        playbook = session.scalar(query)
        if playbook is None:
            raise NotFound(f"no playbook {playbook_id}")
        if playbook_in.version is not None and playbook_in.version != playbook.version:
            raise Conflict(
                f"playbook {playbook_id} is at version {playbook.version}; "
                f"the edit was made on version {playbook_in.version}",
                errors=[{"field": "version", "message": f"current version is {playbook.version}"}],
            )
        content = content_of(playbook_in)
        for name, value in content.items():
            setattr(playbook, name, value)
        playbook.version += 1
        playbook.updated_by = updated_by
        playbook.updated_at = now
        session.add(
            PlaybookRevision(
                playbook_id=playbook.id,
                version=playbook.version,
                content=content,
                updated_by=updated_by,
                updated_at=now,
            )
        )
        session.commit()
        out = PlaybookOut.model_validate(playbook)
    bus.send(
        PlaybookUpdated(
            playbook=out.model_dump(mode="json"), version=out.version, updated_by=updated_by
        )
    )
    return out


# -- guidance for one interaction ---------------------------------------------------------------


def situation_of(interaction: Interaction) -> GuidanceSituation:
    """An interaction's stakes (strongest first, plus ``repeat_contact`` when the journey or the
    customer's words say so), its contact reason and cube cell, from its latest assessment."""
    assessment = interaction.current_assessment
    stakes = list(assessment.stakes) if assessment else []
    repeat = any(
        (cue.kind, cue.label) in _REPEAT_CUES
        or (cue.kind == "complexity" and cue.label.startswith("repeat"))
        for cue in (assessment.reasons if assessment else ())
    )
    if repeat:
        stakes.append("repeat_contact")
    return GuidanceSituation(stakes=stakes, reason=interaction.reason, cube=interaction.cube)


def nudges_for(*, session: Session, interaction: Interaction) -> list[UtteranceNudges]:
    """Coaching on every agent utterance of the interaction so far, in order; an edited message
    once, on its last words."""
    rows = session.scalars(
        select(EventRecord)
        .where(EventRecord.interaction_id == interaction.id, EventRecord.type == "utterance")
        .order_by(EventRecord.seq)
    )
    out: list[UtteranceNudges] = []
    for row in in_place(
        rows, event_id=lambda r: r.event_id, edit_of=lambda r: r.payload.get("edit_of")
    ):
        if row.payload.get("speaker") != "agent":
            continue
        nudges = coach(str(row.payload.get("text") or ""))
        if nudges:
            out.append(
                UtteranceNudges(
                    event_id=row.event_id,
                    occurred_at=row.occurred_at,
                    agent_id=row.payload.get("agent_id") or interaction.agent_id,
                    nudges=nudges,
                )
            )
    return out


def guidance(*, session: Session, interaction_id: str, now: datetime | None = None) -> GuidanceOut:
    """The playbook, matching active key messages and coaching so far for one interaction."""
    interaction = session.scalar(
        select(Interaction).where(Interaction.external_id == interaction_id)
    )
    if interaction is None:
        raise NotFound(f"no interaction {interaction_id!r}")
    situation = situation_of(interaction)
    key_messages = message_service.matching(session=session, interaction_id=interaction_id, now=now)
    if key_messages and "outage" not in situation.stakes:
        # A live incident notice for this interaction: the outage playbook applies, below any
        # stakes the customer's own words carry.
        situation.stakes.append("outage")
    nudges = nudges_for(session=session, interaction=interaction)
    counts = dict.fromkeys(NUDGE_KINDS, 0)
    for entry in nudges:
        for nudge in entry.nudges:
            counts[nudge.kind] += 1
    return GuidanceOut(
        interaction_id=interaction.external_id,
        situation=situation,
        playbook=playbook_for(
            session=session, stakes=situation.stakes, reason=situation.reason, cube=situation.cube
        ),
        key_messages=key_messages,
        nudges=nudges,
        nudge_counts=counts,
    )
