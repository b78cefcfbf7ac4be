"""HTTP routes for playbooks, coaching and the agent's guidance on one interaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import ConfigDict, StringConstraints

from kairos.assist import service
from kairos.assist.coaching import Nudge, coach
from kairos.assist.schemas import GuidanceOut, PlaybookOut, PlaybookRevisionOut, PlaybookUpdate
from kairos.auth.actor import SupervisingActor
from kairos.deps import BusDep, DatabaseDep, DbSession
from kairos.limits import RowId
from kairos.redaction.inbound import Inbound

router = APIRouter(prefix="/v1", tags=["assist"])


class CoachingRequest(Inbound):
    """Words an agent said or is about to send."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]


@router.get("/playbooks", response_model=list[PlaybookOut])
def list_playbooks(session: DbSession) -> list[PlaybookOut]:
    """Every playbook."""
    return service.get_all_playbooks(session=session)


@router.get("/playbooks/{playbook_id}", response_model=PlaybookOut)
def get_playbook(playbook_id: RowId, session: DbSession) -> PlaybookOut:
    """One playbook."""
    return service.get_or_raise(session=session, playbook_id=playbook_id)


@router.put("/playbooks/{playbook_id}", response_model=PlaybookOut)
def update_playbook(
    playbook_id: RowId,
    playbook_in: PlaybookUpdate,
    db: DatabaseDep,
    bus: BusDep,
    actor: SupervisingActor,
) -> PlaybookOut:
    """Replace a playbook's content (supervisors); its version goes up by one.

    Send ``version`` (the one you edited) to refuse the save if someone saved since: 409.
    """
    return service.update_playbook(
        db=db,
        bus=bus,
        playbook_id=playbook_id,
        playbook_in=playbook_in,
        updated_by=actor,
    )


@router.get("/playbooks/{playbook_id}/revisions", response_model=list[PlaybookRevisionOut])
def playbook_revisions(playbook_id: RowId, session: DbSession) -> list[PlaybookRevisionOut]:
    """Every saved version of a playbook, newest first: content, who and when."""
    return service.get_revisions(session=session, playbook_id=playbook_id)


@router.post("/coaching", response_model=list[Nudge])
def coaching(request: CoachingRequest) -> list[Nudge]:
    """Blame, deflection and premature-close phrases in an agent's words, with better wording."""
    return coach(request.text)


@router.get("/interactions/{interaction_id}/guidance", response_model=GuidanceOut)
def interaction_guidance(interaction_id: str, session: DbSession) -> GuidanceOut:
    """The playbook, matching key messages and coaching so far for one interaction."""
    return service.guidance(session=session, interaction_id=interaction_id)
