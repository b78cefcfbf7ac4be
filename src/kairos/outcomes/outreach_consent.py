"""An opt-out reaches the calls already queued: outreach follows ``customer.preference_changed``.

A task is checked against the customer's contact preference when it is made
(:mod:`kairos.outcomes.outreach_claims`) and a message again when it is sent
(:mod:`kairos.outcomes.sending`); a call queued before the customer opted out is held back here,
when the preference changes. The preference is owned by the customers layer, below outreach: it
tells the change on the bus, and the outcomes listener calls :func:`hold_back_queued` (in the
process that changed it on the in-process bus, in a worker of the ``outcomes`` group on Redis).
"""

from __future__ import annotations

from sqlalchemy import select

from kairos.customers import consent
from kairos.customers.models import ContactPreference
from kairos.db import utcnow
from kairos.interactions import placement
from kairos.interactions.models import Interaction
from kairos.outcomes.models import OutreachTask
from kairos.outcomes.outreach_claims import SUPPRESSED, end_untaken_call
from kairos.outcomes.schemas import TaskOut
from kairos.routing.decisions import WAITING_STATES
from kairos.services import Services


def hold_back_queued(*, runtime: Services, customer_id: int) -> list[TaskOut]:
    """Hold back the customer's queued calls that no agent has taken yet and that their
    preference no longer allows (every one after "no proactive contact", those on a channel
    turned off): each is ``suppressed`` with the reason, entered in the consent ledger, counted,
    and its call ended so routing never offers it. A call an agent has taken goes ahead."""
    db, now = runtime.db, utcnow()
    with db.write_lock(), db.session() as session:
        pref = consent.read(session, customer_id)
        rows = session.execute(
            select(OutreachTask, Interaction.id, Interaction.channel)
            .join(Interaction, Interaction.external_id == OutreachTask.task_interaction_id)
            .where(OutreachTask.customer_id == customer_id, OutreachTask.status == "queued")
            .order_by(OutreachTask.id)
        ).all()
        held = []
        for task, call_row, channel in rows:
            reason = pref.blocks(channel)
            if reason is None:
                continue  # allowed still
            # Out of the queue only if no agent has it, in this transaction: routing's
            # assignment and this withdrawal are exclusive, so an agent never gets a call that
            # is then ended under them, and a call an agent got goes ahead.
            if not placement.withdraw_waiting(
                session=session, interaction_row_id=call_row, states=WAITING_STATES, now=now
            ):
                continue
            task.status, task.result, task.completed_at = SUPPRESSED, reason, now
            consent.record_suppressed(
                session, customer_id=customer_id, reason=reason,
                detail=f"{task.kind.replace('_', ' ')} (task {task.id}) queued in {task.queue} "
                "before the opt-out: taken out of the queue",
            )  # fmt: skip
            held.append(task)
        session.commit()
        out = [TaskOut.model_validate(t) for t in held]
    for task_out in out:
        assert task_out.result is not None
        runtime.metrics.outreach_suppressed.inc(kind=task_out.kind, reason=task_out.result)
        end_untaken_call(runtime, task_out, key="suppressed", note=f"held back: {task_out.result}")
    return out


def sweep_queued(runtime: Services, *, limit: int = 500) -> int:
    """Hold back queued calls whose customer's preference forbids them though no
    ``customer.preference_changed`` was heard (Redis lost it, or it was away): the customers with
    a queued untaken call and a stated preference are checked again; how many calls were held."""
    with runtime.db.session() as session:
        customers = session.scalars(
            select(OutreachTask.customer_id)
            .join(ContactPreference, ContactPreference.customer_id == OutreachTask.customer_id)
            .join(Interaction, Interaction.external_id == OutreachTask.task_interaction_id)
            .where(
                OutreachTask.status == "queued",
                Interaction.state == "open",
                Interaction.agent_id.is_(None),
            )
            .distinct()
            .order_by(OutreachTask.customer_id)
            .limit(limit)
        ).all()
    held = 0
    for customer_id in customers:
        if customer_id is not None:
            held += len(hold_back_queued(runtime=runtime, customer_id=customer_id))
    return held
