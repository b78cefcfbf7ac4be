"""Who is told "you said, we did" when a feedback action ships: every known customer who raised
its theme gets a queued message (sent by :mod:`kairos.outcomes.sending`), but a customer who
opted out of proactive contact gets a ``suppressed`` one, entered in the consent ledger, so the
list of tasks says why it never went."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.customers import consent
from kairos.interactions.models import Interaction
from kairos.outcomes.models import FeedbackAction, OutreachTask, SurveyAnswer
from kairos.outcomes.outreach_claims import SUPPRESSED


def tell_customers(
    session: Session, action: FeedbackAction, label: str, now: datetime
) -> tuple[list[int], list[str]]:
    """The customers to tell (a queued message each) and why others were not (``suppressed``)."""
    rows = session.execute(
        select(SurveyAnswer.customer_id, Interaction.external_id, SurveyAnswer.text)
        .join(Interaction, Interaction.id == SurveyAnswer.interaction_id)
        .where(SurveyAnswer.theme_id == action.theme_id, SurveyAnswer.customer_id.is_not(None))
        .order_by(SurveyAnswer.id)
    ).all()
    told: list[int] = []
    held: dict[int, str] = {}
    for customer_id, interaction_id, text in rows:
        if customer_id is None or customer_id in told or customer_id in held:
            continue
        reason = consent.blocked(session, customer_id, None)
        if reason is not None:
            held[customer_id] = reason
        else:
            told.append(customer_id)
        said = (text or label)[:300]
        session.add(
            task := OutreachTask(
                dedupe_key=f"you_said:{action.id}:{customer_id}",
                kind="you_said",
                action_id=action.id,
                customer_id=customer_id,
                source_interaction_id=interaction_id,
                message=f'You said: "{said}". We did: {action.title}.',
                status=SUPPRESSED if reason else "queued",
                result=reason,
                completed_at=now if reason else None,
                created_at=now,
            )
        )
        if reason is not None:
            session.flush()
            detail = f"you said, we did (task {task.id}) not sent"
            consent.record_suppressed(
                session, customer_id=customer_id, reason=reason, detail=detail
            )
    return told, list(held.values())
