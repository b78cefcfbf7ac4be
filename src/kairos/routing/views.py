"""HTTP routes for agents, queues and routing decisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import StringConstraints, TypeAdapter, ValidationError
from starlette.responses import Response
from starlette.routing import Route

from kairos.access import current_actor
from kairos.bus.messages import QueueCreated
from kairos.config import Settings
from kairos.deps import (
    BusDep,
    DatabaseDep,
    DbSession,
    RuntimeDep,
    SettingsDep,
    runtime_of,
)
from kairos.errors import ClientError
from kairos.interactions.schemas import EscalationIn, EscalationOut
from kairos.limits import Int64, RowId
from kairos.routing import (
    decision_log,
    escalation,
    leaving,
    live_next,
    next_inline,
    service,
    supervision,
)
from kairos.routing.models import Agent
from kairos.routing.schemas import (
    AgentCreate,
    AgentList,
    AgentOut,
    AgentStateChange,
    AlertActIn,
    AlertLog,
    AlertLogEntry,
    DecisionList,
    DecisionOut,
    NextResult,
    PolicyName,
    QueueCreate,
    QueueOut,
)
from kairos.routing.snapshots import AgentState
from kairos.services import Services

router = APIRouter(prefix="/v1", tags=["routing"])
#: Escalation is routing's work on an interaction: its route is documented with interactions.
escalation_router = APIRouter(prefix="/v1", tags=["interactions"])


def _agent_out(agent: Agent, load: int) -> AgentOut:
    return AgentOut.model_validate(agent).model_copy(update={"load": load})


@router.post("/agents", response_model=AgentOut, status_code=201)
def create_agent(agent_in: AgentCreate, db: DatabaseDep, bus: BusDep) -> AgentOut:
    """Add an agent; ``agent.state_changed`` (from ``new``) tells routing's live board."""
    agent = service.create_agent(db=db, agent_in=agent_in)
    bus.send(service._state_message(agent, "new"))
    return _agent_out(agent, 0)


@router.get("/agents", response_model=AgentList)
def list_agents(
    session: DbSession,
    state: AgentState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> AgentList:
    """Agents, optionally in one state, with their current load."""
    total, agents = service.get_all_agents(session=session, state=state, limit=limit, offset=offset)
    load = service.loads(session=session, agent_ids=[a.id for a in agents])
    return AgentList(total=total, items=[_agent_out(a, load.get(a.id, 0)) for a in agents])


@router.get("/agents/{agent_id}", response_model=AgentOut)
def get_agent(agent_id: str, session: DbSession) -> AgentOut:
    """One agent with its current load."""
    agent = service.get_agent_or_raise(session=session, agent_id=agent_id)
    return _agent_out(agent, service.loads(session=session, agent_ids=[agent.id]).get(agent.id, 0))


@router.post("/agents/{agent_id}/state", response_model=AgentOut)
def change_agent_state(agent_id: str, change: AgentStateChange, runtime: RuntimeDep) -> AgentOut:
    """Set an agent's state: available, busy, wrap_up or away. Away, the contacts waiting in their
    personal queue go back to their queues (:mod:`kairos.routing.leaving`)."""
    db = runtime.db
    agent = service.update_agent_state(
        db=db, bus=runtime.bus, agent_id=agent_id, state=change.state
    )
    if change.state == leaving.AWAY:
        leaving.hand_back(runtime, agent_id=agent_id)
    with db.session() as session:
        load = service.loads(session=session, agent_ids=[agent.id]).get(agent.id, 0)
    return _agent_out(agent, load)


@router.get("/agents/{agent_id}/handle-time")
def agent_handle_time(agent_id: str, session: DbSession) -> dict[str, dict[str, float]]:
    """The agent's handle time; moments of truth (empowered handling) reported apart."""
    agent = service.get_agent_or_raise(session=session, agent_id=agent_id)
    return service.handle_times(session=session, agent_id=agent.id)


@router.post("/agents/{agent_id}/next", response_model=NextResult)
async def next_interaction(
    agent_id: str,
    runtime: RuntimeDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="a retried request with the same key gets the same decision",
        ),
    ] = None,
) -> NextResult:
    """Route the next waiting interaction to this agent, record the decision and assign it."""
    decision, message = await _decide_next(runtime, agent_id, idempotency_key)
    return NextResult(decision=decision, message=message)


async def _decide_next(
    services: Services, agent_id: str, request_key: str | None
) -> tuple[DecisionOut | None, str]:
    """The agent's next contact, decided on the live board: here on the event loop (no hop to a
    worker thread and back); what would wait (the board busy, an offer, the lease elsewhere)
    on a worker thread."""
    decided = next_inline.next_now(services, agent_id=agent_id, request_key=request_key)
    if decided is None:
        decided = await run_in_threadpool(
            live_next.next_for_agent, services, agent_id=agent_id, request_key=request_key
        )
    return decided


#: The ``Idempotency-Key`` header as the documented route declares it.
_REQUEST_KEY: TypeAdapter[str] = TypeAdapter(
    Annotated[str, StringConstraints(min_length=1, max_length=200)]
)


async def post_next(request: Request) -> Response:
    """``next_interaction`` without FastAPI's request handler: the same decision, answer and
    errors (through the same handlers), for the request a free agent's desktop sends most."""
    agent_id: str = request.path_params["agent_id"]
    key = request.headers.get("idempotency-key")
    if key is not None:
        try:
            _REQUEST_KEY.validate_python(key)
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("header", "Idempotency-Key")} for e in exc.errors()]
            ) from None
    decision, message = await _decide_next(runtime_of(request), agent_id, key)
    answer = NextResult.model_construct(decision=decision, message=message)
    return Response(answer.model_dump_json(), media_type="application/json")


#: ``post_next`` as a plain Starlette route, put before the documented one (which stays for the
#: OpenAPI schema): FastAPI's handler around it (solving the route's parameters and dependencies,
#: and dumping the answer, validating it again and encoding it) was a large part of the event
#: loop's CPU per ``next``. Errors go through the same exception handlers.
next_route = Route("/v1/agents/{agent_id}/next", post_next, methods=["POST"],
                   include_in_schema=False)  # fmt: skip


@router.post("/queues", response_model=QueueOut, status_code=201)
def create_queue(queue_in: QueueCreate, db: DatabaseDep, bus: BusDep) -> QueueOut:
    """Add a queue with its required skills and routing policy (``queue.created`` published)."""
    queue = service.create_queue(db=db, queue_in=queue_in)
    bus.send(QueueCreated(name=queue.name, policy=queue.policy))
    return QueueOut.model_validate(queue)


@router.get("/queues", response_model=list[QueueOut])
def list_queues(session: DbSession) -> list[QueueOut]:
    """Every queue."""
    return [QueueOut.model_validate(q) for q in service.get_all_queues(session=session)]


@router.get("/routing/decisions", response_model=DecisionList)
def list_decisions(
    session: DbSession,
    interaction_id: str | None = None,
    agent_id: str | None = None,
    policy: PolicyName | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> DecisionList:
    """Stored routing decisions, newest first, with their inputs and reasons."""
    total, items = decision_log.get_all_decisions(
        session=session,
        interaction_id=interaction_id,
        agent_id=agent_id,
        policy=policy,
        limit=limit,
        offset=offset,
    )
    return DecisionList(total=total, items=items)


@router.get("/supervision/alerts")
def list_supervisor_alerts(
    session: DbSession, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> dict[str, Any]:
    """Interactions in progress where a supervisor should assist or take over, most severe first.

    The same alerts are published live as ``supervisor.alert`` on the ``supervision`` topic.
    """
    items = supervision.current_alerts(session=session, limit=limit)
    return {"total": len(items), "items": [a.wire() for a in items]}


@router.get("/supervision/alerts/log", response_model=AlertLog)
def get_alert_log(
    session: DbSession,
    interaction_id: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AlertLog:
    """Stored supervisor alerts, newest first: raised when, cleared when, who saw and who acted
    (and what they did); ``interaction_id`` gives one interaction's flag history of alerts."""
    total, items = service.get_alert_log(
        session=session, interaction_id=interaction_id, limit=limit, offset=offset
    )
    return AlertLog(total=total, items=items)


class _NotASupervisor(ClientError):
    status_code = 403
    code = "forbidden"


def _who(request: Request, settings: Settings, x_kairos_user: str | None) -> str:
    """The name to record: the verified caller's (403 for an agent), else, on an open
    development API only, ``X-Kairos-User``."""
    actor = current_actor(request)
    if actor is not None:
        if actor.user and not actor.supervises:
            raise _NotASupervisor("only a supervisor or an admin may act on alerts")
        return actor.name
    if settings.tokens_required:
        return "api"
    return (x_kairos_user or "").strip() or "api"


@router.post("/supervision/alerts/log/{alert_id}/seen", response_model=AlertLogEntry)
def alert_seen(
    alert_id: RowId,
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    x_kairos_user: Annotated[str | None, Header(max_length=200)] = None,
) -> AlertLogEntry:
    """Record that a supervisor saw the alert (the verified caller); the first one stays."""
    by = _who(request, settings, x_kairos_user)
    return service.mark_alert(db=db, alert_id=alert_id, by=by)


@router.post("/supervision/alerts/log/{alert_id}/acted", response_model=AlertLogEntry)
def alert_acted(
    alert_id: RowId,
    act: AlertActIn,
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    x_kairos_user: Annotated[str | None, Header(max_length=200)] = None,
) -> AlertLogEntry:
    """Record what a supervisor did about the alert (the verified caller)."""
    by = _who(request, settings, x_kairos_user)
    return service.mark_alert(db=db, alert_id=alert_id, by=by, what=act.what)


@escalation_router.post(
    "/interactions/{interaction_id}/escalate",
    response_model=EscalationOut,
    status_code=201,
    responses={
        404: {"description": "no such interaction"},
        409: {"description": "a call, or an interaction escalated already"},
        422: {"description": "no valid phone number to call"},
    },
)
async def escalate_interaction(
    interaction_id: str,
    escalation_in: EscalationIn,
    runtime: RuntimeDep,
) -> EscalationOut:
    """Turn a chat, social, SMS or email interaction into an outbound call task.

    The call belongs to the same customer, waits in the escalation queue for routing, and starts
    with the source thread's assessment; ``interaction.escalated`` is published on commit.
    """
    return await run_in_threadpool(
        escalation.escalate,
        runtime=runtime,
        interaction_id=interaction_id,
        escalation_in=escalation_in,
    )
