"""When two customer records become one (``customer.merged``): the outcomes that named the one
merged away follow the customer that remains, so one person is one customer everywhere.

Reviews, survey answers and outreach tasks move. A task's dedupe key names its customer when
it is a cause's (:func:`~kairos.outcomes.outreach_claims.cause_prefix`): it is renamed too, so a
follow-up made for the merged record still keeps the person from a second call for the same
cause. (The contact preference follows the merge in the customers' own transaction.) A
queued "you said, we did" message the remaining customer already has for the same action is a
duplicate: it ends ``done`` with result ``merged`` and is never sent.
"""

from __future__ import annotations

from sqlalchemy import select, update

from kairos.db import Database, utcnow
from kairos.outcomes.models import InteractionReview, OutreachTask, SurveyAnswer


def move_customer(*, db: Database, customer_id: int, from_customer_id: int) -> int:
    """Move the outcomes of ``from_customer_id`` to ``customer_id``; how many tasks moved."""
    if customer_id == from_customer_id:
        return 0
    with db.write_lock(), db.session() as session:
        for model in (InteractionReview, SurveyAnswer):
            session.execute(
                update(model)
                .where(model.customer_id == from_customer_id)
                .values(customer_id=customer_id)
            )
        told = set(
            session.scalars(
                select(OutreachTask.action_id).where(
                    OutreachTask.customer_id == customer_id, OutreachTask.kind == "you_said"
                )
            )
        )
        tasks = session.scalars(
            select(OutreachTask).where(OutreachTask.customer_id == from_customer_id)
        ).all()
        for task in tasks:
            task.customer_id = customer_id
            old = f"cause:{task.kind}:{from_customer_id}:"
            if task.dedupe_key.startswith(old):
                task.dedupe_key = f"cause:{task.kind}:{customer_id}:" + task.dedupe_key[len(old) :]
            if task.kind == "you_said" and task.action_id in told and task.status == "queued":
                task.status, task.result, task.completed_at = "done", "merged", utcnow()
        session.commit()
        return len(tasks)
