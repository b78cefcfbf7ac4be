"""HTTP routes: identity conflicts that await a merge. The customer list, a customer with their
journey, and the merge are routes of :mod:`kairos.interactions.views` (they read and move
interactions)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from kairos.customers import service
from kairos.customers.schemas import ConflictList, ConflictOut
from kairos.deps import DbSession

router = APIRouter(prefix="/v1", tags=["customers"])


@router.get("/customers/conflicts", response_model=ConflictList)
def list_conflicts(
    session: DbSession,
    status: Annotated[Literal["open", "merged", "all"], Query()] = "open",
) -> ConflictList:
    """Contacts whose identities belong to two different customers; open ones await a merge."""
    rows = service.conflicts(session=session, status=None if status == "all" else status)
    return ConflictList(total=len(rows), items=[ConflictOut.model_validate(r) for r in rows])
