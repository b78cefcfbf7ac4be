"""HTTP route: a customer's erasure on request, for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request

from kairos.access import current_actor
from kairos.deps import RuntimeDep
from kairos.errors import Forbidden
from kairos.limits import RowId
from kairos.privacy import flows
from kairos.privacy.schemas import ErasureIn, ErasureReceipt

router = APIRouter(prefix="/v1", tags=["customers"])


@router.post(
    "/customers/{customer_id}/erasure",
    response_model=ErasureReceipt,
    responses={
        403: {"description": "not an admin"},
        404: {"description": "no such customer"},
        409: {"description": "erased already, or a contact of theirs is in progress"},
    },
)
def erase_customer(
    customer_id: RowId,
    request: Request,
    runtime: RuntimeDep,
    body: Annotated[ErasureIn | None, Body()] = None,
) -> ErasureReceipt:
    """Erase everything personal about the customer and their contacts, in one transaction.

    What stays (a skeleton of each contact for the figures, the erasure's record, a keyed hash
    of each identity with the opt-out it carried) is in the security guide.
    """
    actor = current_actor(request)
    if actor is None or not actor.admin:
        # Irreversible and about a person's rights: the data-protection officer's (an admin's).
        raise Forbidden("erasing a customer is for admins: send an admin's token")
    return flows.erase_customer(
        db=runtime.db,
        bus=runtime.bus,
        detectors=runtime.detectors,
        customer_id=customer_id,
        erased_by=actor.name,
        reference=body.reference if body is not None else None,
    )
