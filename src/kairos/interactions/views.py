"""HTTP routes: event ingestion and interaction reads."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import select
from starlette.routing import Route

from kairos.access import ScopeDep, current_actor
from kairos.customers import service as customer_service
from kairos.customers.models import Customer, Fact
from kairos.customers.schemas import (
    CustomerList,
    CustomerSummary,
    FactOut,
    IdentityOut,
    MergeOut,
    MergeRequest,
)
from kairos.deps import BusDep, DatabaseDep, DbSession, check_period, runtime_of
from kairos.detection.assessment import Assessment
from kairos.errors import ClientError, NotFound
from kairos.events import Channel, Event, Identity
from kairos.interactions import ingesting, reads, service
from kairos.interactions import journey as journey_service
from kairos.interactions.contacts_in import check_contacts
from kairos.interactions.models import Interaction
from kairos.interactions.schemas import (
    AssessmentEntry,
    AssessmentHistory,
    CustomerDetail,
    IngestResponse,
    InteractionDetail,
    InteractionList,
    InteractionState,
    InteractionSummary,
    TimelineEntry,
    parse_events,
)
from kairos.limits import Int64, Moment, RowId

router = APIRouter(prefix="/v1", tags=["interactions"])
#: A customer with their journey, and merges: they read and move interactions.
customers_router = APIRouter(prefix="/v1", tags=["customers"])

_EVENTS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/Event"},
                        {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
                        {
                            "type": "object",
                            "required": ["events"],
                            "properties": {
                                "events": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Event"},
                                }
                            },
                        },
                    ]
                }
            }
        },
    }
}


@router.post(
    "/events",
    response_model=IngestResponse,
    openapi_extra=_EVENTS_BODY,
    summary="Ingest one event or a batch",
    responses={
        400: {"description": "malformed body"},
        202: {"model": IngestResponse, "description": "some events wait for their start"},
        404: {"description": "unknown interaction, and parking is off or full"},
        403: {"description": "an interaction another event source started: nothing applied"},
        409: {"description": "conflict"},
        413: {"description": "too many events"},
        422: {"description": "invalid events, each bad field named"},
        429: {"description": "detector workers behind: nothing applied, retry after Retry-After"},
    },
)
async def post_events(request: Request) -> Response:
    """Apply events all-or-nothing; a repeated ``event_id`` is acknowledged, not applied twice."""
    # The services are read off the app, not declared as dependencies, and the answer is
    # encoded here: on the per-event path FastAPI's solving of six dependencies and its
    # re-validation of the returned model cost more than the rest of this route.
    runtime = runtime_of(request)
    metrics, settings = runtime.metrics, runtime.settings
    body = await request.body()
    try:
        events: list[Event] = check_contacts(
            parse_events(body, max_events=settings.max_batch_events),
            region=settings.default_phone_region,
        )
    except ClientError as exc:
        metrics.events_rejected.inc(reason=exc.code)
        raise
    try:
        answer = await run_in_threadpool(
            ingesting.ingest,
            runtime,
            events,
            backpressure=True,
            riders=True,
            source=actor.source if (actor := current_actor(request)) is not None else None,
            park=True,
        )
    except ClientError as exc:
        metrics.events_rejected.inc(len(events), reason=exc.code)
        raise
    return Response(
        answer.model_dump_json(),
        status_code=202 if answer.parked else 200,
        media_type="application/json",
    )


#: ``post_events`` as a plain Starlette route, put before the documented one (which stays for
#: the OpenAPI schema): FastAPI's request handler around it (solving a route's dependencies, of
#: which it has none, and two exit stacks for dependencies with ``yield``) cost a sixth of the
#: event loop's CPU per event. Errors go through the same exception handlers.
events_route = Route("/v1/events", post_events, methods=["POST"], include_in_schema=False)


def _summary(interaction: Interaction) -> InteractionSummary:
    return InteractionSummary(
        id=interaction.external_id,
        customer_id=interaction.customer_id,
        channel=interaction.channel,
        reason=interaction.reason,
        state=interaction.state,
        queue=interaction.queue,
        queue_note=interaction.queue_note,
        agent_id=interaction.agent_id,
        started_at=interaction.started_at,
        ended_at=interaction.ended_at,
        last_event_at=interaction.last_event_at,
        event_count=interaction.event_count,
        mot_score=interaction.mot_score,
        cube=interaction.cube,
    )


@router.get("/interactions", response_model=InteractionList)
def list_interactions(
    session: DbSession,
    scope: ScopeDep,
    state: InteractionState | None = None,
    channel: Channel | None = None,
    customer_id: RowId | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    min_mot_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> InteractionList:
    """Interactions, newest first, filtered by state, channel, customer, time or MoT score.

    An agent's token (or, when tokens are required, session) lists only the agent's own.
    """
    check_period(since, until)
    get_all = service.get_all
    if scope.agent_id is not None:
        get_all = functools.partial(
            service.get_all, where=journey_service.handled_by(scope.agent_id)
        )
    total, rows = get_all(
        session=session,
        state=state,
        channel=channel,
        customer_id=customer_id,
        since=since,
        until=until,
        min_mot_score=min_mot_score,
        limit=limit,
        offset=offset,
    )
    return InteractionList(total=total, items=[_summary(r) for r in rows])


@router.get("/interactions/{interaction_id}", response_model=InteractionDetail)
def get_interaction(interaction_id: str, session: DbSession) -> InteractionDetail:
    """One interaction with its timeline, the facts given in it and its latest assessment."""
    interaction = service.get_by_external_id(session=session, interaction_id=interaction_id)
    if interaction is None:
        raise NotFound(f"no interaction {interaction_id!r}")
    facts = session.scalars(
        select(Fact).where(Fact.interaction_id == interaction.id).order_by(Fact.id)
    ).all()
    timeline = [
        TimelineEntry(
            seq=r.seq,
            event_id=r.event_id,
            type=r.type,
            occurred_at=r.occurred_at,
            received_at=r.received_at,
            body=r.payload,
        )
        for r in service.timeline(session=session, interaction=interaction)
    ]
    escalated_from = service.get_escalated_from(session=session, interaction=interaction)
    escalated_to = service.get_escalated_to(session=session, interaction=interaction)
    return InteractionDetail(
        **_summary(interaction).model_dump(),
        escalated_from=escalated_from.external_id if escalated_from else None,
        escalated_to=escalated_to.external_id if escalated_to else None,
        subject=interaction.subject,
        language=interaction.language,
        timezone=interaction.timezone,
        outcome=interaction.outcome,
        assessment=interaction.current_assessment,
        reask_count=interaction.reask_count,
        facts=[FactOut.model_validate(f) for f in facts],
        timeline=timeline,
    )


@router.get("/interactions/{interaction_id}/assessments", response_model=AssessmentHistory)
def get_assessments(
    interaction_id: str,
    session: DbSession,
    limit: int = Query(200, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> AssessmentHistory:
    """The interaction's flag history: every assessment the detector stored, oldest first, each
    with the event it followed, its evidence and the model version that made it."""
    interaction = service.get_by_external_id(session=session, interaction_id=interaction_id)
    if interaction is None:
        raise NotFound(f"no interaction {interaction_id!r}")
    total, rows = reads.get_assessments(
        session=session, interaction=interaction, limit=limit, offset=offset
    )
    return AssessmentHistory(
        interaction_id=interaction.external_id,
        total=total,
        items=[
            AssessmentEntry(
                event_id=record.event_id,
                event_type=event.type if event is not None else None,
                occurred_at=event.occurred_at if event is not None else None,
                assessed_at=record.created_at,
                model_version=record.model_version,
                mot_score=record.mot_score,
                cube=record.cube,
                assessment=Assessment.model_validate(record.payload),
            )
            for record, event in rows
        ],
    )


def _customer_summary(customer: Customer, count: int) -> CustomerSummary:
    return CustomerSummary(
        id=customer.id,
        display_name=customer.display_name,
        value=customer.value,
        created_at=customer.created_at,
        identities=[IdentityOut.model_validate(i) for i in customer.identities],
        interaction_count=count,
    )


@customers_router.get("/customers", response_model=CustomerList)
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
        total, rows = journey_service.customers_of_agent(
            session=session, agent_id=scope.agent_id, identity=wanted, limit=limit, offset=offset
        )
    else:
        total, rows = customer_service.get_all(
            session=session, identity=wanted, limit=limit, offset=offset
        )
    counts = journey_service.interaction_counts(session=session, customer_ids=[c.id for c in rows])
    return CustomerList(
        total=total, items=[_customer_summary(c, counts.get(c.id, 0)) for c in rows]
    )


@customers_router.post(
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
    record = customer_service.merge(
        db=db,
        bus=bus,
        customer_id=customer_id,
        from_customer_id=body.from_customer_id,
        merged_by=body.merged_by,
        reassign=service.reassign_customer,
    )
    return MergeOut.model_validate(record)


@customers_router.get("/customers/{customer_id}", response_model=CustomerDetail)
def get_customer(customer_id: RowId, session: DbSession) -> CustomerDetail:
    """A customer with their identities, every fact they gave, and their journey."""
    customer = customer_service.get(session=session, customer_id=customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    journey = journey_service.journey(session=session, customer_id=customer_id)
    return CustomerDetail(
        **_customer_summary(customer, len(journey)).model_dump(),
        facts=[
            FactOut.model_validate(f)
            for f in customer_service.facts(session=session, customer_id=customer_id)
        ],
        journey=[_summary(i) for i in journey],
    )
