"""HTTP routes: customers, their identities, facts and journey."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from kairos.customers import service
from kairos.customers.models import Customer
from kairos.customers.schemas import (
    ConflictList,
    ConflictOut,
    CustomerDetail,
    CustomerList,
    CustomerSummary,
    IdentityOut,
    MergeOut,
    MergeRequest,
)
from kairos.deps import BusDep, DatabaseDep, DbSession
from kairos.errors import NotFound
from kairos.events import Identity
from kairos.interactions.schemas import FactOut
from kairos.interactions.views import _summary
from kairos.limits import Int64, RowId
from kairos.security import scoping
from kairos.security.deps import ScopeDep

router = APIRouter(prefix="/v1", tags=["customers"])


def _customer_summary(customer: Customer, count: int) -> CustomerSummary:
    return CustomerSummary(
        id=customer.id,
        display_name=customer.display_name,
        value=customer.value,
        created_at=customer.created_at,
        identities=[IdentityOut.model_validate(i) for i in customer.identities],
        interaction_count=count,
    )


@router.get("/customers", response_model=CustomerList)
def list_customers(
    session: DbSession,
    scope: ScopeDep,
    identity: Annotated[
        str | None,
        Query(
            description="KIND:VALUE, e.g. phone:+14155550100",
            max_length=340,
            pattern=r"^(phone|email|account|social|chat|policy):.+$",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> CustomerList:
    """Customers, newest first; ``identity`` finds the owner of one identity.

    An agent's token (or, when tokens are required, session) lists only the customers of the
    agent's own interactions.
    """
    wanted = None
    if identity:
        kind, value = identity.split(":", 1)
        try:
            wanted = Identity.model_validate({"kind": kind, "value": value})
        except ValidationError as exc:  # the pattern passed, the value did not: a client's 422
            raise RequestValidationError(
                [{**e, "loc": ("query", "identity", *e["loc"])} for e in exc.errors()]
            ) from exc
    if scope.agent_id is not None:
        total, rows = scoping.agent_customers(
            session=session, agent_id=scope.agent_id, identity=wanted, limit=limit, offset=offset
        )
    else:
        total, rows = service.get_all(session=session, identity=wanted, limit=limit, offset=offset)
    counts = service.interaction_counts(session=session, customer_ids=[c.id for c in rows])
    return CustomerList(
        total=total, items=[_customer_summary(c, counts.get(c.id, 0)) for c in rows]
    )


@router.get("/customers/conflicts", response_model=ConflictList)
def list_conflicts(
    session: DbSession,
    status: Annotated[Literal["open", "merged", "all"], Query()] = "open",
) -> ConflictList:
    """Contacts whose identities belong to two different customers; open ones await a merge."""
    rows = service.conflicts(session=session, status=None if status == "all" else status)
    return ConflictList(total=len(rows), items=[ConflictOut.model_validate(r) for r in rows])


@router.post(
    "/customers/{customer_id}/merge",
    response_model=MergeOut,
    responses={
        400: {"description": "a customer merged into itself"},
        404: {"description": "no such customer"},
    },
)
def merge_customer(
    customer_id: RowId, body: MergeRequest, db: DatabaseDep, bus: BusDep
) -> MergeOut:
    """Move every identity, interaction and fact of ``from_customer_id`` to this customer."""
    record = service.merge(
        db=db,
        bus=bus,
        customer_id=customer_id,
        from_customer_id=body.from_customer_id,
        merged_by=body.merged_by,
    )
    return MergeOut.model_validate(record)


@router.get("/customers/{customer_id}", response_model=CustomerDetail)
def get_customer(customer_id: RowId, session: DbSession) -> CustomerDetail:
    """A customer with their identities, every fact they gave, and their journey."""
    customer = service.get(session=session, customer_id=customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    journey = service.journey(session=session, customer_id=customer_id)
    return CustomerDetail(
        **_customer_summary(customer, len(journey)).model_dump(),
        facts=[
            FactOut.model_validate(f)
            for f in service.facts(session=session, customer_id=customer_id)
        ],
        journey=[_summary(i) for i in journey],
    )
