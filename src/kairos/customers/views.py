"""HTTP routes: identity conflicts that await a merge, and a customer's contact preference (what
proactive contact they agree to, with its consent ledger). The customer list, a customer with
their journey, and the merge are routes of :mod:`kairos.interactions.views` (they read and move
interactions)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from kairos.access import current_actor
from kairos.customers import consent, service
from kairos.customers.schemas import (
    ConflictList,
    ConflictOut,
    ContactPreferenceIn,
    ContactPreferenceOut,
)
from kairos.deps import BusDep, DatabaseDep, DbSession
from kairos.limits import RowId

router = APIRouter(prefix="/v1", tags=["customers"])


@router.get("/customers/conflicts", response_model=ConflictList)
def list_conflicts(
    session: DbSession,
    status: Annotated[Literal["open", "merged", "all"], Query()] = "open",
) -> ConflictList:
    """Contacts whose identities belong to two different customers; open ones await a merge."""
    rows = service.conflicts(session=session, status=None if status == "all" else status)
    return ConflictList(total=len(rows), items=[ConflictOut.model_validate(r) for r in rows])


@router.get(
    "/customers/{customer_id}/contact-preference",
    response_model=ContactPreferenceOut,
    responses={404: {"description": "no such customer"}},
)
def get_contact_preference(customer_id: RowId, session: DbSession) -> ContactPreferenceOut:
    """What proactive contact the customer agrees to, and the consent ledger, newest first."""
    return consent.get_or_raise(session=session, customer_id=customer_id)


@router.put(
    "/customers/{customer_id}/contact-preference",
    response_model=ContactPreferenceOut,
    responses={404: {"description": "no such customer"}},
)
def put_contact_preference(
    customer_id: RowId, body: ContactPreferenceIn, db: DatabaseDep, bus: BusDep, request: Request
) -> ContactPreferenceOut:
    """Turn proactive contact off (or on) for the customer, on every channel or on some.

    The ledger names the verified caller; ``updated_by`` is kept only where no caller is known.
    """
    actor = current_actor(request)
    if actor is not None:
        body = body.model_copy(update={"updated_by": actor.name})
    return consent.update(db=db, bus=bus, customer_id=customer_id, change=body, source="api")
