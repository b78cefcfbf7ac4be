"""Proactive outreach: rules (data a supervisor edits) that turn outcomes into routed tasks.

The only place that writes ``outreach_rules`` and ``outreach_tasks``. A task that needs an agent
becomes an interaction of its own, started through ingestion (``interaction.started`` on the
rule's channel, in the rule's queue), so routing offers it like any other contact; the task records
the rule that made it. Triggers:

- ``moment_lost``: a missed moment of truth that did not end well → a follow-up within the rule's
  time. With ``certified_only`` the task carries the moment's assessment, so the ``moments``
  policy holds it for a free certified agent;
- ``churn_risk``: an ended interaction whose churn risk reached the rule's threshold → a check-in;
- ``key_message``: a key message about a service failure (``key_message.posted``) → a notice to
  each customer with an open issue it matches.

Two limits hold for every rule (see :mod:`kairos.outcomes.outreach_triggers`): a review acts only
on a contact that ended within the rule's ``due_within_minutes`` (a "within 4 hours" follow-up is
never made for a contact a week old), and a customer gets at most one task of a kind per cause
(:func:`~kairos.outcomes.outreach_claims.cause_prefix`) in
:data:`~kairos.outcomes.outreach_claims.CAUSE_WINDOW`, whichever of their contacts raised it.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kairos.bus import EventBus
from kairos.bus.messages import OutreachTaskCreated, OutreachTaskDone, RuleCreated, RuleUpdated
from kairos.customers import consent
from kairos.customers.models import CustomerIdentity
from kairos.db import Database, utcnow
from kairos.errors import Conflict, NotFound
from kairos.events import FollowUp, Identity, InteractionStarted
from kairos.interactions import ingesting
from kairos.interactions.models import Interaction
from kairos.outcomes import outreach_consent
from kairos.outcomes.models import OutreachRule, OutreachTask
from kairos.outcomes.outreach_claims import (
    SUPPRESSED,
    cause_prefix,
    claim,
    end_untaken_call,
    release,
)
from kairos.outcomes.review_inputs import OUTREACH_TASK_PREFIX, WITHDRAWN
from kairos.outcomes.schemas import ReviewOut, RuleIn, RuleOut, RuleUpdate, TaskOut
from kairos.routing import service as routing_service
from kairos.routing.schemas import QueueCreate
from kairos.services import Services

#: Task interactions carry this prefix: they are never a customer's recontact.
TASK_PREFIX = OUTREACH_TASK_PREFIX


# -- rules --------------------------------------------------------------------------------------


def get_all_rules(*, session: Session) -> list[RuleOut]:
    """Every rule, by id."""
    return [
        RuleOut.model_validate(r)
        for r in session.scalars(select(OutreachRule).order_by(OutreachRule.id))
    ]


def create_rule(
    *, db: Database, bus: EventBus, rule_in: RuleIn, updated_by: str | None = None
) -> RuleOut:
    """A new rule; names are unique."""
    with db.write_lock(), db.session() as session:
        if session.scalar(select(OutreachRule).where(OutreachRule.name == rule_in.name)):
            raise Conflict(f"a rule named {rule_in.name!r} exists already")
        rule = OutreachRule(**rule_in.model_dump(), updated_by=updated_by, updated_at=utcnow())
        session.add(rule)
        session.commit()
        out = RuleOut.model_validate(rule)
    bus.send(RuleCreated(rule=out.model_dump(mode="json")))
    return out


def update_rule(
    *,
    db: Database,
    bus: EventBus,
    rule_id: int,
    rule_update: RuleUpdate,
    updated_by: str | None = None,
) -> RuleOut:
    """Change a rule's threshold, queue, channel, time, certification or whether it is on."""
    with db.write_lock(), db.session() as session:
        rule = session.get(OutreachRule, rule_id)
        if rule is None:
            raise NotFound(f"no outreach rule {rule_id}")
        for field, value in rule_update.model_dump(exclude_unset=True).items():
            if value is None and field != "threshold":
                continue
            setattr(rule, field, value)
        rule.updated_by = updated_by
        rule.updated_at = utcnow()
        session.commit()
        out = RuleOut.model_validate(rule)
    bus.send(RuleUpdated(rule=out.model_dump(mode="json")))
    return out


def enabled_rules(session: Session, *triggers: str) -> list[OutreachRule]:
    """The enabled rules of these triggers, by id (one statement for them all)."""
    return list(
        session.scalars(
            select(OutreachRule)
            .where(OutreachRule.trigger.in_(triggers), OutreachRule.enabled)
            .order_by(OutreachRule.id)
        )
    )


# -- tasks --------------------------------------------------------------------------------------


def get_all_tasks(
    *,
    session: Session,
    kind: str | None = None,
    rule_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[TaskOut]]:
    """Tasks, newest first, and how many match."""
    query = select(OutreachTask)
    if status:
        query = query.where(OutreachTask.status == status)
    if kind:
        query = query.where(OutreachTask.kind == kind)
    if rule_id is not None:
        query = query.where(OutreachTask.rule_id == rule_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(OutreachTask.id.desc()).limit(limit).offset(offset))
    return total, [TaskOut.model_validate(r) for r in rows]


def _ensure_queue(db: Database, rule: OutreachRule) -> None:
    with db.session() as session:
        if any(q.name == rule.queue for q in routing_service.get_all_queues(session=session)):
            return
    # Moments first: a follow-up of a lost moment is itself a moment of truth. (A Conflict: made
    # meanwhile by another task.)
    with contextlib.suppress(Conflict):
        routing_service.create_queue(
            db=db,
            queue_in=QueueCreate(name=rule.queue, channel=rule.channel, policy="moments"),
        )


def _identities(session: Session, customer_id: int) -> list[Identity]:
    """The customer's valid identities, to reach them on."""
    return [
        Identity(kind=i.kind, value=i.value)
        for i in session.scalars(
            select(CustomerIdentity)
            .where(CustomerIdentity.customer_id == customer_id, CustomerIdentity.valid)
            .order_by(CustomerIdentity.id)
        )
    ]


def create_task(
    *,
    runtime: Services,
    rule_id: int,
    customer_id: int,
    dedupe_key: str,
    message: str,
    cause: str | None = None,
    source_interaction_id: str | None = None,
    key_message_id: int | None = None,
    follow_up: FollowUp | None = None,
    now: datetime | None = None,
) -> TaskOut | None:
    """Make one routed task for a customer by a rule; None when none is made: the customer
    cannot be reached, opted out (the task is kept, ``suppressed``), or ``cause`` (a
    :func:`cause_prefix`) has its task already.

    Idempotent on ``dedupe_key``: the same trigger never makes two tasks.
    """
    db, bus, now = runtime.db, runtime.bus, now or utcnow()
    with db.session() as session:
        rule = session.get(OutreachRule, rule_id)
        if rule is None:
            raise NotFound(f"no outreach rule {rule_id}")
        done = session.scalar(select(OutreachTask).where(OutreachTask.dedupe_key == dedupe_key))
        if done is not None:
            return None if done.status == SUPPRESSED else TaskOut.model_validate(done)
        identities = _identities(session, customer_id)
        session.expunge(rule)
    if not identities:
        return None
    task_interaction = TASK_PREFIX + hashlib.sha256(dedupe_key.encode()).hexdigest()[:20]
    claimed = claim(
        db,
        rule=rule,
        cause=cause,
        now=now,
        task=OutreachTask(
            dedupe_key=dedupe_key,
            kind=rule.kind,
            rule_id=rule.id,
            rule_name=rule.name,
            key_message_id=key_message_id,
            customer_id=customer_id,
            source_interaction_id=source_interaction_id,
            task_interaction_id=task_interaction,
            queue=rule.queue,
            message=message,
            status="queued",
            due_at=now + timedelta(minutes=rule.due_within_minutes),
            created_at=now,
        ),
    )
    if claimed.suppressed is not None:
        if claimed.new:
            runtime.metrics.outreach_suppressed.inc(kind=rule.kind, reason=claimed.suppressed)
        return None
    if claimed.task is None or not claimed.new:
        return claimed.task
    try:
        _start_task_call(runtime, rule, task_interaction, identities, message, follow_up, now)
    except Exception:
        release(db, claimed.task.id)
        raise
    with db.session() as session:
        late = consent.blocked(session, customer_id, rule.channel)
    if late is not None:  # opted out while the call was started: that change found no call yet
        outreach_consent.hold_back_queued(runtime=runtime, customer_id=customer_id)
        return None
    bus.send(OutreachTaskCreated(**claimed.task.model_dump(mode="json")))
    return claimed.task


def _start_task_call(
    runtime: Services,
    rule: OutreachRule,
    task_interaction: str,
    identities: list[Identity],
    message: str,
    follow_up: FollowUp | None,
    now: datetime,
) -> None:
    """Start the task's interaction in the rule's queue, so routing offers it."""
    _ensure_queue(runtime.db, rule)
    started = InteractionStarted(
        event_id=f"{task_interaction}:start",
        interaction_id=task_interaction,
        occurred_at=now,
        channel=rule.channel,
        identities=identities[:20],
        reason=f"outreach: {rule.kind.replace('_', ' ')}",
        queue=rule.queue,
        subject=message[:500],
        # A rule for certified agents starts the task as the moment it follows up: the detector
        # holds its score there, so routing keeps it for a free certified agent.
        follow_up=follow_up if rule.certified_only else None,
    )
    ingesting.ingest(runtime, [started])


def complete_task(*, db: Database, bus: EventBus, review: ReviewOut) -> TaskOut | None:
    """Mark the task whose call or message just ended done, with how it went."""
    with db.write_lock(), db.session() as session:
        task = session.scalar(
            select(OutreachTask).where(OutreachTask.task_interaction_id == review.interaction_id)
        )
        if task is None:
            return None
        if task.result == WITHDRAWN or task.status == SUPPRESSED:
            # its call never happened: ending it is not its result
            return TaskOut.model_validate(task)
        if review.status == "won":
            result = "won"
        elif review.resolved is True:
            result = "resolved"
        elif review.resolved is False:
            result = "not_resolved"
        else:
            result = "unknown"
        if task.status == "done" and task.result == result:
            return TaskOut.model_validate(task)
        task.status, task.result = "done", result
        task.completed_at = task.completed_at or utcnow()
        session.commit()
        out = TaskOut.model_validate(task)
    bus.send(OutreachTaskDone(**out.model_dump(mode="json")))
    return out


def claim_for_sending(db: Database, task_id: int) -> bool:
    """Take a queued message for sending (``sending``); False when another sender has it."""
    with db.write_lock(), db.session() as session, session.begin():
        claimed = session.execute(
            update(OutreachTask)
            .where(OutreachTask.id == task_id, OutreachTask.status == "queued")
            .values(status="sending")
        )
        return bool(getattr(claimed, "rowcount", 0))


def finish_sending(db: Database, task_id: int, *, status: str, result: str) -> None:
    """Record how sending a message ended (``done`` with when, or back to another status)."""
    with db.write_lock(), db.session() as session, session.begin():
        task = session.get(OutreachTask, task_id)
        if task is not None:
            task.status, task.result = status, result
            task.completed_at = utcnow() if status == "done" else None


def suppress_message(db: Database, task_id: int, *, customer_id: int, reason: str) -> bool:
    """A queued message the customer has since opted out of: ``suppressed``, never sent.
    False when it was no longer queued (another sender took it first)."""
    with db.write_lock(), db.session() as session, session.begin():
        task = session.get(OutreachTask, task_id)
        if task is None or task.status != "queued":
            return False
        task.status, task.result, task.completed_at = SUPPRESSED, reason, utcnow()
        consent.record_suppressed(session, customer_id=customer_id, reason=reason,
                                  detail=f"{task.kind.replace('_', ' ')} (task {task_id}) "
                                  "not sent")  # fmt: skip
        return True


def withdraw_follow_ups(
    *,
    runtime: Services,
    customer_id: int,
    interaction_id: str,
    cause: str,
) -> list[TaskOut]:
    """Withdraw the customer's follow-ups of a lost moment that no agent has taken yet, made for
    this contact or for its cause: it ended well after all (a wrap-up, a survey), or the customer
    came back and it was put right. Each is ``done``, ``withdrawn``, and its call leaves the queue.
    """
    db = runtime.db
    with db.write_lock(), db.session() as session:
        rows = session.execute(
            select(OutreachTask, Interaction.state, Interaction.agent_id)
            .join(OutreachRule, OutreachRule.id == OutreachTask.rule_id)
            .join(Interaction, Interaction.external_id == OutreachTask.task_interaction_id)
            .where(
                OutreachTask.customer_id == customer_id,
                OutreachTask.status == "queued",
                OutreachRule.trigger == "moment_lost",
            )
        ).all()
        withdrawn = []
        for task, state, agent_id in rows:
            mine = task.source_interaction_id == interaction_id or task.dedupe_key.startswith(
                cause_prefix(task.kind, customer_id, cause)
            )
            if mine and state == "open" and agent_id is None:  # taken: the agent is calling
                task.status, task.result, task.completed_at = "done", WITHDRAWN, utcnow()
                withdrawn.append(task)
        session.commit()
        out = [TaskOut.model_validate(t) for t in withdrawn]
    for task_out in out:
        end_untaken_call(
            runtime, task_out, key="withdrawn", note=f"not needed: {interaction_id} ended well"
        )
    return out
