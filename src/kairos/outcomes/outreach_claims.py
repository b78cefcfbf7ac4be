"""One task per cause, and none for a customer who opted out: how an outreach task is claimed.

A task's row is written before its call or message is started, in one transaction that holds the
cause's lock (PostgreSQL: a transaction-scoped advisory lock on the cause; SQLite: the one writer
lock), checks again that no task of the cause was made in :data:`CAUSE_WINDOW` and reads the
customer's contact preference. Two reviews of one cause at the same instant (two contacts about
one cancelled flight ending together, on two processes) therefore make one task: the second
finds the first's row and makes none, without failing. A customer who opted out gets a row too,
``suppressed`` with the reason as its result, entered in the consent ledger, so the list of tasks
says why nobody called.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kairos.bus.messages import OutreachTaskDone
from kairos.customers import consent
from kairos.db import Database, utcnow
from kairos.events import InteractionEnded, Outcome
from kairos.interactions import ingesting
from kairos.outcomes.models import OutreachRule, OutreachTask
from kairos.outcomes.review_inputs import WITHDRAWN
from kairos.outcomes.schemas import TaskOut
from kairos.services import Services

#: How long one cause keeps a customer from a second task of the same kind.
CAUSE_WINDOW = timedelta(days=7)

#: The status of a task the customer's contact preference held back.
SUPPRESSED = "suppressed"


def cause_prefix(kind: str, customer_id: int, cause: str) -> str:
    """The start of the dedupe key of every task of ``kind`` for one customer and one cause.

    The cause is normalised (case, spacing) and hashed, so any text fits the key.

    >>> a = cause_prefix("follow_up", 7, " Flight  Cancelled")
    >>> a == cause_prefix("follow_up", 7, "flight cancelled") != cause_prefix("notice", 7, "x")
    True
    """
    norm = " ".join(cause.lower().split()) or "-"
    return f"cause:{kind}:{customer_id}:{hashlib.sha256(norm.encode()).hexdigest()[:16]}:"


def cause_taken(session: Session, *, prefix: str, dedupe_key: str, now: datetime) -> bool:
    """Whether another task with this cause prefix was made in :data:`CAUSE_WINDOW`."""
    found = session.scalar(
        select(OutreachTask.id)
        .where(
            OutreachTask.dedupe_key.startswith(prefix, autoescape=True),
            OutreachTask.dedupe_key != dedupe_key,
            OutreachTask.created_at >= now - CAUSE_WINDOW,
        )
        .limit(1)
    )
    return found is not None


def lock_cause(db: Database, session: Session, key: str) -> None:
    """Hold the cause's lock until the transaction ends (SQLite: the writer lock already is)."""
    if not db.is_sqlite:
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        session.execute(select(func.pg_advisory_xact_lock(number)))


@dataclass(frozen=True, slots=True)
class Claim:
    """What claiming a task found: the task (new, or the one this trigger made before), or
    None when another contact of the cause has its task already."""

    task: TaskOut | None
    new: bool = False

    @property
    def suppressed(self) -> str | None:
        """The opt-out that held the task back, if one did."""
        task = self.task
        return task.result if task is not None and task.status == SUPPRESSED else None


def claim(
    db: Database, *, rule: OutreachRule, task: OutreachTask, cause: str | None, now: datetime
) -> Claim:
    """Write ``task`` unless its trigger made it already or its cause has a task in the window;
    suppressed (no call, no message) when the customer opted out of the rule's channel."""
    with db.write_lock(), db.session() as session:
        lock_cause(db, session, cause or task.dedupe_key)
        done = session.scalar(
            select(OutreachTask).where(OutreachTask.dedupe_key == task.dedupe_key)
        )
        if done is not None:
            return Claim(TaskOut.model_validate(done))
        if cause and cause_taken(session, prefix=cause, dedupe_key=task.dedupe_key, now=now):
            return Claim(None)
        reason = consent.blocked(session, task.customer_id, rule.channel)
        if reason is not None:
            task.status, task.result, task.completed_at = SUPPRESSED, reason, now
            task.task_interaction_id = None
        session.add(task)
        session.flush()
        if reason is not None and task.customer_id is not None:
            consent.record_suppressed(
                session, customer_id=task.customer_id, reason=reason,
                detail=f"{rule.kind.replace('_', ' ')} by rule {rule.name!r} on {rule.channel} "
                f"not made (task {task.id})",
            )  # fmt: skip
        session.commit()
        return Claim(TaskOut.model_validate(task), new=True)


def release(db: Database, task_id: int) -> None:
    """Drop a claimed task whose call could not be started, so the trigger may try again."""
    with db.write_lock(), db.session() as session:
        task = session.get(OutreachTask, task_id)
        if task is not None:
            session.delete(task)
            session.commit()


def end_untaken_call(runtime: Services, task: TaskOut, *, key: str, note: str) -> None:
    """End the call of a task no agent took (withdrawn or held back), so routing never offers
    it: disposition ``withdrawn`` (the call never happened, so its review counts no moment), event
    id ``<call>:<key>``; then tell the pages the task is done."""
    assert task.task_interaction_id is not None
    ended = InteractionEnded(
        event_id=f"{task.task_interaction_id}:{key}",
        interaction_id=task.task_interaction_id,
        occurred_at=utcnow(),
        outcome=Outcome(disposition=WITHDRAWN, note=note),
    )
    ingesting.ingest(runtime, [ended])
    runtime.bus.send(OutreachTaskDone(**task.model_dump(mode="json")))
