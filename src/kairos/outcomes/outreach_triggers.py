"""When outreach acts: a fresh review (a lost moment's follow-up, a check-in on churn risk) and
a key message posted (a notice to every customer with an open issue it matches). The rules and
the tasks themselves are in :mod:`kairos.outcomes.outreach`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.bus import EventBus
from kairos.db import Database, utcnow
from kairos.detection.live import DetectorCache
from kairos.events import FollowUp
from kairos.interactions.models import Interaction
from kairos.messages.schemas import KeyMessageOut
from kairos.metrics import Registry
from kairos.outcomes.outreach import TASK_PREFIX, create_task, enabled_rules
from kairos.outcomes.schemas import ReviewOut, TaskOut

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
        lost_rules = enabled_rules(session, "moment_lost")
        churn_rules = enabled_rules(session, "churn_risk")
        source = session.scalar(
            select(Interaction).where(Interaction.external_id == review.interaction_id)
        )
        assessment = source.current_assessment if source is not None else None
    made: list[TaskOut] = []
    lost = review.missed and review.ended_well is not True
    for rule in lost_rules if lost else []:
        if rule.threshold is not None and review.hindsight_score < rule.threshold:
            continue
        # The moment it follows up, as hindsight and the live assessment saw it: the detector
        # reads it from the task's first event, like any journey fact.
        follow_up = FollowUp(
            source=review.interaction_id,
            mot_score=max(review.hindsight_score, assessment.mot_score if assessment else 0.0),
            stakes=(review.stakes or (assessment.stakes if assessment else []))[:10],
        )
        task = create_task(
            db=db, bus=bus, detectors=detectors, metrics=metrics, rule_id=rule.id,
            customer_id=review.customer_id, dedupe_key=f"rule:{rule.id}:{review.interaction_id}",
            message=_follow_up_message(review), source_interaction_id=review.interaction_id,
            follow_up=follow_up,
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
        rules = enabled_rules(session, "key_message")
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
