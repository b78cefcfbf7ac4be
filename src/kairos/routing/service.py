"""Routing: agents, queues and the supervisor alert log. With :mod:`kairos.routing.decisions`
(decisions and assignments), the only place that writes routing's tables.

Every state change happens in one transaction and is published on the bus only after it commits:
``agent.state_changed`` on topic ``agents``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kairos.bus import EventBus
from kairos.bus.messages import AgentStateChanged, SupervisorAlerted
from kairos.db import Database, utcnow
from kairos.errors import Conflict, NotFound
from kairos.interactions.models import Interaction
from kairos.routing.models import Agent, AlertRecord, Assignment, Queue
from kairos.routing.schemas import AgentCreate, AlertLogEntry, QueueCreate
from kairos.routing.snapshots import AgentState

# -- agents -------------------------------------------------------------------------------------


def get_agent(*, session: Session, agent_id: str) -> Agent | None:
    """An agent by its external id."""
    return session.scalar(select(Agent).where(Agent.external_id == agent_id))


def get_agent_or_raise(*, session: Session, agent_id: str) -> Agent:
    """An agent by its external id, or a 404."""
    agent = get_agent(session=session, agent_id=agent_id)
    if agent is None:
        raise NotFound(f"no agent {agent_id!r}")
    return agent


def loads(*, session: Session, agent_ids: Sequence[int] | None = None) -> dict[int, int]:
    """Interactions each agent holds now: not ended and theirs, however they came to hold it
    (routed, pulled, transferred to them, answered by them on the platform)."""
    query = (
        select(Agent.id, func.count(Interaction.id))
        .join(Interaction, Interaction.agent_id == Agent.external_id)
        .where(Interaction.state != "ended")
        .group_by(Agent.id)
    )
    if agent_ids is not None:
        query = query.where(Agent.id.in_(agent_ids))
    return {agent_id: count for agent_id, count in session.execute(query)}


def get_all_agents(
    *, session: Session, state: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[int, list[Agent]]:
    """Agents in external id order, and how many match in all."""
    query = select(Agent)
    if state:
        query = query.where(Agent.state == state)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Agent.external_id).limit(limit).offset(offset)).all()
    return total, list(rows)


def create_agent(*, db: Database, agent_in: AgentCreate) -> Agent:
    """Store a new agent; a second agent with the same external id is a conflict."""
    with db.write_lock(), db.session() as session:
        if get_agent(session=session, agent_id=agent_in.external_id) is not None:
            raise Conflict(
                f"agent {agent_in.external_id!r} exists already",
                errors=[{"field": "external_id", "message": "already used"}],
            )
        agent = Agent(**agent_in.model_dump(), state_since=utcnow())
        session.add(agent)
        session.commit()
        return agent


def _state_message(agent: Agent, previous: str) -> AgentStateChanged:
    return AgentStateChanged(
        agent_id=agent.external_id, state=agent.state, previous=previous, at=agent.state_since
    )


def update_agent_state(
    *, db: Database, bus: EventBus, agent_id: str, state: AgentState, now: datetime | None = None
) -> Agent:
    """Change an agent's state; publish ``agent.state_changed`` once committed (if it changed)."""
    with db.write_lock(), db.session() as session:
        agent = get_agent_or_raise(session=session, agent_id=agent_id)
        previous = agent.state
        if previous == state:
            return agent
        agent.state = state
        agent.state_since = now or utcnow()
        session.commit()
    bus.send(_state_message(agent, previous))
    return agent


# -- queues -------------------------------------------------------------------------------------


def get_all_queues(*, session: Session) -> list[Queue]:
    """Every queue, by name."""
    return list(session.scalars(select(Queue).order_by(Queue.name)))


def create_queue(*, db: Database, queue_in: QueueCreate) -> Queue:
    """Store a new queue; a second queue with the same name is a conflict."""
    with db.write_lock(), db.session() as session:
        if session.scalar(select(Queue).where(Queue.name == queue_in.name)) is not None:
            raise Conflict(
                f"queue {queue_in.name!r} exists already",
                errors=[{"field": "name", "message": "already used"}],
            )
        queue = Queue(**queue_in.model_dump())
        session.add(queue)
        session.commit()
        return queue


def handle_times(*, session: Session, agent_id: int) -> dict[str, dict[str, float]]:
    """Handle time of the agent's ended interactions, routine and empowered reported apart."""
    query = (
        select(Assignment.empowered, Assignment.assigned_at, Interaction.ended_at)
        .join(Interaction, Interaction.id == Assignment.interaction_id)
        .where(Assignment.agent_id == agent_id, Interaction.ended_at.is_not(None))
    )
    report: dict[str, dict[str, float]] = {}
    for kind in ("routine", "empowered"):
        report[kind] = {"count": 0.0, "total_seconds": 0.0}
    for empowered, assigned_at, ended_at in session.execute(query):
        if ended_at is None:
            continue
        entry = report["empowered" if empowered else "routine"]
        entry["count"] += 1
        entry["total_seconds"] += max(0.0, (ended_at - assigned_at).total_seconds())
    for entry in report.values():
        entry["mean_seconds"] = entry["total_seconds"] / entry["count"] if entry["count"] else 0.0
    return report


# -- the alert log ------------------------------------------------------------------------------


def record_alert(*, db: Database, alert: SupervisorAlerted) -> bool:
    """Store a raised alert unless the interaction has one open with the same action already
    (raised by another process, or again after a bus gap): whether it is new, to publish. One
    with another action open is closed first (assist became take over). The interaction's row
    is locked meanwhile, so processes raising the same alert at once store it once. An alert
    on another agent (the contact was transferred) is new too: it names who has the contact."""
    now = utcnow()
    with db.write_lock(), db.session() as session, session.begin():
        session.execute(
            select(Interaction.id)
            .where(Interaction.external_id == alert.interaction_id)
            .with_for_update()
        )
        open_actions = session.execute(
            select(AlertRecord.action, AlertRecord.agent_id).where(
                AlertRecord.interaction_id == alert.interaction_id, AlertRecord.cleared_at.is_(None)
            )
        ).all()
        if [tuple(row) for row in open_actions] == [(alert.action, alert.agent_id)]:
            return False
        _close_open(session, alert.interaction_id, now)
        session.add(
            AlertRecord(
                interaction_id=alert.interaction_id,
                agent_id=alert.agent_id,
                action=alert.action,
                severity=alert.severity,
                reasons=[r.model_dump(mode="json") for r in alert.reasons],
                raised_at=now,
            )
        )
        return True


def clear_alerts(*, db: Database, interaction_id: str) -> int:
    """Close the interaction's open alerts (it calmed down or ended); how many."""
    with db.write_lock(), db.session() as session, session.begin():
        return _close_open(session, interaction_id, utcnow())


def get_open_actions(
    *, session: Session, interaction_ids: list[str]
) -> dict[str, tuple[str, str | None]]:
    """The action and agent of each of these interactions' open alert (the newest, should
    there be two)."""
    rows = session.execute(
        select(AlertRecord.interaction_id, AlertRecord.action, AlertRecord.agent_id)
        .where(AlertRecord.interaction_id.in_(interaction_ids), AlertRecord.cleared_at.is_(None))
        .order_by(AlertRecord.raised_at, AlertRecord.id)
    )
    return {interaction_id: (action, agent) for interaction_id, action, agent in rows}


def open_alerts(*, session: Session) -> set[str]:
    """The interactions with an alert open (raised, not cleared)."""
    rows = session.scalars(
        select(AlertRecord.interaction_id).where(AlertRecord.cleared_at.is_(None)).distinct()
    )
    return set(rows)


def _close_open(session: Session, interaction_id: str, at: datetime) -> int:
    rows = session.scalars(
        select(AlertRecord).where(
            AlertRecord.interaction_id == interaction_id, AlertRecord.cleared_at.is_(None)
        )
    ).all()
    for row in rows:
        row.cleared_at = at
    return len(rows)


def mark_alert(*, db: Database, alert_id: int, by: str, what: str | None = None) -> AlertLogEntry:
    """Record that ``by`` saw the alert (``what`` None) or acted on it (``what`` they did).

    Seeing is kept from the first person who saw it; acting also counts as seeing.
    """
    now = utcnow()
    with db.write_lock(), db.session() as session, session.begin():
        row = session.get(AlertRecord, alert_id)
        if row is None:
            raise NotFound(f"no alert {alert_id}")
        if row.seen_by is None:
            row.seen_by, row.seen_at = by, now
        if what is not None:
            row.acted_by, row.acted_at, row.acted = by, now, what
        session.flush()
        return AlertLogEntry.model_validate(row)


def get_alert_log(
    *, session: Session, interaction_id: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[int, list[AlertLogEntry]]:
    """Stored alerts, newest first; only one interaction's when ``interaction_id`` is given."""
    where = [] if interaction_id is None else [AlertRecord.interaction_id == interaction_id]
    total = session.scalar(select(func.count()).select_from(AlertRecord).where(*where))
    rows = session.scalars(
        select(AlertRecord)
        .where(*where)
        .order_by(AlertRecord.raised_at.desc(), AlertRecord.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return int(total or 0), [AlertLogEntry.model_validate(r) for r in rows]


def open_alert_ids(*, session: Session, interaction_ids: Sequence[str]) -> dict[str, AlertLogEntry]:
    """The open stored alert of each of these interactions, by interaction id."""
    if not interaction_ids:
        return {}
    rows = session.scalars(
        select(AlertRecord)
        .where(
            AlertRecord.interaction_id.in_(list(interaction_ids)),
            AlertRecord.cleared_at.is_(None),
        )
        .order_by(AlertRecord.id)
    )
    return {r.interaction_id: AlertLogEntry.model_validate(r) for r in rows}
