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
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kairos.bus import EventBus
from kairos.bus.messages import OutreachTaskCreated, OutreachTaskDone, RuleCreated, RuleUpdated
from kairos.customers.models import CustomerIdentity
from kairos.db import Database, utcnow
from kairos.detection.assessment import Assessment, cube_cell
from kairos.detection.live import DetectorCache
from kairos.errors import Conflict, NotFound
from kairos.events import Identity, InteractionStarted
from kairos.interactions import service as interactions_service
from kairos.interactions.models import Interaction
from kairos.messages.schemas import KeyMessageOut
from kairos.metrics import Registry
from kairos.outcomes.models import OutreachRule, OutreachTask
from kairos.outcomes.schemas import ReviewOut, RuleIn, RuleOut, RuleUpdate, TaskOut
from kairos.routing import service as routing_service
from kairos.routing.schemas import QueueCreate

#: Task interactions carry this prefix: they are never a customer's recontact.
TASK_PREFIX = "outreach-"

# What a follow-up carries when the lost moment was never assessed live (hindsight found it).
_NOT_ASSESSED = Assessment(
    emotion=0.0, urgency=0.0, complexity=0.0, churn_risk=0.0, cube=cube_cell(0.0, 0.0, 0.0),
    mot_score=0.0, confidence=0.0, model_version="hindsight",
)  # fmt: skip


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


def _rules(session: Session, trigger: str) -> list[OutreachRule]:
    return list(
        session.scalars(
            select(OutreachRule)
            .where(OutreachRule.trigger == trigger, OutreachRule.enabled)
            .order_by(OutreachRule.id)
        )
    )


# -- tasks --------------------------------------------------------------------------------------


def get_all_tasks(
    *,
    session: Session,
    kind: str | None = None,
    rule_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[TaskOut]]:
    """Tasks, newest first, and how many match."""
    query = select(OutreachTask)
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
    db: Database,
    bus: EventBus,
    detectors: DetectorCache,
    metrics: Registry,
    rule_id: int,
    customer_id: int,
    dedupe_key: str,
    message: str,
    source_interaction_id: str | None = None,
    key_message_id: int | None = None,
    carry_assessment: Assessment | None = None,
    now: datetime | None = None,
) -> TaskOut | None:
    """Make one routed task for a customer by a rule; None when the customer cannot be reached.

    Idempotent on ``dedupe_key``: the same trigger never makes two tasks.
    """
    now = now or utcnow()
    with db.session() as session:
        rule = session.get(OutreachRule, rule_id)
        if rule is None:
            raise NotFound(f"no outreach rule {rule_id}")
        done = session.scalar(select(OutreachTask).where(OutreachTask.dedupe_key == dedupe_key))
        if done is not None:
            return TaskOut.model_validate(done)
        identities = _identities(session, customer_id)
        session.expunge(rule)
    if not identities:
        return None
    _ensure_queue(db, rule)
    task_interaction = TASK_PREFIX + hashlib.sha256(dedupe_key.encode()).hexdigest()[:20]
    started = InteractionStarted(
        event_id=f"{task_interaction}:start",
        interaction_id=task_interaction,
        occurred_at=now,
        channel=rule.channel,
        identities=identities[:20],
        reason=f"outreach: {rule.kind.replace('_', ' ')}",
        queue=rule.queue,
        subject=message[:500],
    )
    interactions_service.ingest(
        db=db, events=[started], bus=bus, detectors=detectors, metrics=metrics
    )
    with db.write_lock(), db.session() as session:
        made = session.scalar(select(OutreachTask).where(OutreachTask.dedupe_key == dedupe_key))
        if made is not None:
            return TaskOut.model_validate(made)
        task = OutreachTask(
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
        )
        session.add(task)
        if rule.certified_only and carry_assessment is not None:
            # Routing reads the waiting interaction's assessment: carrying the moment's own
            # makes the moments policy hold the call for a free certified agent.
            interactions_service.carry_assessment(
                session=session, interaction_id=task_interaction, assessment=carry_assessment
            )
        session.commit()
        out = TaskOut.model_validate(task)
    bus.send(OutreachTaskCreated(**out.model_dump(mode="json")))
    return out


def complete_task(*, db: Database, bus: EventBus, review: ReviewOut) -> TaskOut | None:
    """Mark the task whose call or message just ended done, with how it went."""
    with db.write_lock(), db.session() as session:
        task = session.scalar(
            select(OutreachTask).where(OutreachTask.task_interaction_id == review.interaction_id)
        )
        if task is None:
            return None
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


# -- triggers -----------------------------------------------------------------------------------


def on_review(
    *,
    db: Database,
    bus: EventBus,
    detectors: DetectorCache,
    metrics: Registry,
    review: ReviewOut,
    churn_risk: float,
) -> list[TaskOut]:
    """Tasks a fresh review calls for: a follow-up of a lost moment, a check-in on churn risk."""
    if review.customer_id is None or review.interaction_id.startswith(TASK_PREFIX):
        return []
    with db.session() as session:
        lost_rules = _rules(session, "moment_lost")
        churn_rules = _rules(session, "churn_risk")
        source = session.scalar(
            select(Interaction).where(Interaction.external_id == review.interaction_id)
        )
        assessment = source.current_assessment if source is not None else None
    made: list[TaskOut] = []
    lost = review.missed and review.ended_well is not True
    for rule in lost_rules if lost else []:
        if rule.threshold is not None and review.hindsight_score < rule.threshold:
            continue
        live = assessment or _NOT_ASSESSED
        carried = live.model_copy(
            update={
                "mot_score": max(review.hindsight_score, live.mot_score),
                "stakes": review.stakes or live.stakes,
            }
        )
        task = create_task(
            db=db, bus=bus, detectors=detectors, metrics=metrics, rule_id=rule.id,
            customer_id=review.customer_id, dedupe_key=f"rule:{rule.id}:{review.interaction_id}",
            message=_follow_up_message(review), source_interaction_id=review.interaction_id,
            carry_assessment=carried,
        )  # fmt: skip
        if task is not None:
            made.append(task)
    for rule in churn_rules:
        if churn_risk < (rule.threshold if rule.threshold is not None else 0.7):
            continue
        task = create_task(
            db=db, bus=bus, detectors=detectors, metrics=metrics, rule_id=rule.id,
            customer_id=review.customer_id, dedupe_key=f"rule:{rule.id}:{review.interaction_id}",
            message=f"Check in: churn risk {churn_risk:.0%} after {review.interaction_id}"
                    + (f" ({review.reason})" if review.reason else ""),
            source_interaction_id=review.interaction_id,
        )  # fmt: skip
        if task is not None:
            made.append(task)
    return made


def _follow_up_message(review: ReviewOut) -> str:
    what = ", ".join(s.replace("_", " ") for s in review.stakes) or review.reason or "their issue"
    return (
        f"Follow up on a {review.status} moment of truth ({what}) from {review.interaction_id}: "
        + "; ".join(_why(review))
    )[:2000]


def _why(review: ReviewOut) -> Iterable[str]:
    if review.resolved is False:
        yield "not resolved"
    if review.recontact:
        yield "the customer came back"
    if review.csat is not None and review.csat <= 2:
        yield f"CSAT {review.csat}"
    if not review.mot_live:
        yield "not recognised live"


def open_issue_customers(
    *,
    session: Session,
    reasons: list[str],
    queues: list[str],
    interaction_ids: list[str],
    days: int,
) -> dict[int, str]:
    """Customers with an open issue a key message matches: the interactions it matched now, and
    recent ones not resolved on its reasons (or stakes) or queues. Customer id → interaction."""
    found: dict[int, str] = {}
    if interaction_ids:
        for cid, ext in session.execute(
            select(Interaction.customer_id, Interaction.external_id).where(
                Interaction.external_id.in_(interaction_ids[:5000])
            )
        ):
            if cid is not None:
                found.setdefault(cid, ext)
    since = utcnow() - timedelta(days=days)
    wanted = {r.strip().lower() for r in reasons}
    recent = session.scalars(
        select(Interaction)
        .where(Interaction.started_at >= since, Interaction.customer_id.is_not(None))
        .order_by(Interaction.started_at.desc())
        .limit(20_000)
    )
    for i in recent:
        if i.external_id.startswith(TASK_PREFIX) or (i.outcome or {}).get("resolved") is True:
            continue
        current = i.current_assessment
        stakes = {s.lower() for s in current.stakes} if current else set()
        reason = (i.reason or "").strip().lower()
        if (wanted and (reason in wanted or stakes & wanted)) or (queues and i.queue in queues):
            assert i.customer_id is not None
            found.setdefault(i.customer_id, i.external_id)
    return found


def on_key_message(
    *,
    db: Database,
    bus: EventBus,
    detectors: DetectorCache,
    metrics: Registry,
    message: KeyMessageOut,
    interaction_ids: list[str],
    days: int = 7,
) -> list[TaskOut]:
    """A notice to every customer with an open issue that a posted key message matches."""
    message_id = message.id
    with db.session() as session:
        rules = _rules(session, "key_message")
        if not rules:
            return []
        customers = open_issue_customers(
            session=session,
            reasons=list(message.reasons),
            queues=list(message.queues),
            interaction_ids=interaction_ids,
            days=days,
        )
    made: list[TaskOut] = []
    for rule in rules:
        if message.severity == "info" and rule.threshold is not None:
            continue  # a rule with a threshold only acts on warnings and critical failures
        text = f"{message.title or 'Service notice'}: {message.body or ''}"
        if message.expected_fix:
            text += f" Expected fix: {message.expected_fix}."
        for customer_id, interaction_id in sorted(customers.items()):
            task = create_task(
                db=db, bus=bus, detectors=detectors, metrics=metrics, rule_id=rule.id,
                customer_id=customer_id,
                dedupe_key=f"rule:{rule.id}:message:{message_id}:customer:{customer_id}",
                message=text[:2000], source_interaction_id=interaction_id,
                key_message_id=message_id or None,
            )  # fmt: skip
            if task is not None:
                made.append(task)
    return made
