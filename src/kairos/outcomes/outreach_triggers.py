"""When outreach acts: a fresh review (a lost moment's follow-up, a check-in on churn risk) and
a key message posted (a notice to every customer with an open issue it matches). The rules and
the tasks themselves are in :mod:`kairos.outcomes.outreach`.

A review acts only on a fresh contact: one that ended (or, still open, started) no longer ago than
the rule's ``due_within_minutes``, since a task due "within 4 hours" of a contact a week old is
no follow-up at all (reviews of history, a late survey or wrap-up make none). And a customer gets
one task of a kind per cause in :data:`~kairos.outcomes.outreach_claims.CAUSE_WINDOW`: the
cause of a review is the contact's reason, else its stakes, so two contacts about the same
cancelled flight make one follow-up (two at the same instant too: the claim takes the cause's
lock); the cause of a notice is its key message."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.db import Database, utcnow
from kairos.events import FollowUp
from kairos.interactions.models import Interaction
from kairos.messages.schemas import KeyMessageOut
from kairos.outcomes.models import OutreachRule
from kairos.outcomes.outreach import TASK_PREFIX, create_task, enabled_rules, withdraw_follow_ups
from kairos.outcomes.outreach_claims import cause_prefix, cause_taken
from kairos.outcomes.schemas import ReviewOut, TaskOut
from kairos.services import Services


def review_cause(review: ReviewOut) -> str:
    """What a review's contact was about, for one-task-per-cause: its reason, else its stakes."""
    return (review.reason or "").strip() or ",".join(sorted(review.stakes)) or "-"


def fresh(review: ReviewOut, rule: OutreachRule, now: datetime) -> bool:
    """Whether the contact ended (or started, if open) within the rule's due time."""
    when = review.ended_at or review.started_at
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return now - when <= timedelta(minutes=rule.due_within_minutes)


def _allowed(
    db: Database, review: ReviewOut, rule: OutreachRule, now: datetime
) -> tuple[str, str, bool]:
    """The task's cause prefix and dedupe key, and whether age and cause let the rule act on
    this review (the cause is checked again, under its lock, when the task is claimed)."""
    assert review.customer_id is not None
    prefix = cause_prefix(rule.kind, review.customer_id, review_cause(review))
    key = f"{prefix}rule:{rule.id}:{review.interaction_id}"
    if not fresh(review, rule, now):
        return prefix, key, False
    with db.session() as session:
        return prefix, key, not cause_taken(session, prefix=prefix, dedupe_key=key, now=now)


# -- triggers -----------------------------------------------------------------------------------


def on_review(
    *,
    runtime: Services,
    review: ReviewOut,
    churn_risk: float,
) -> list[TaskOut]:
    """Tasks a fresh review calls for: a follow-up of a lost moment, a check-in on churn risk."""
    if review.customer_id is None or review.interaction_id.startswith(TASK_PREFIX):
        return []
    db = runtime.db
    if review.ended_well is True:
        # Put right after all, or on the customer's own return: nobody calls them about it.
        withdraw_follow_ups(
            runtime=runtime,
            customer_id=review.customer_id, interaction_id=review.interaction_id,
            cause=review_cause(review),
        )  # fmt: skip
    lost = review.missed and review.ended_well is not True
    with db.session() as session:
        rules = enabled_rules(session, "moment_lost", "churn_risk")
        lost_rules = [r for r in rules if r.trigger == "moment_lost"]
        churn_rules = [r for r in rules if r.trigger == "churn_risk"]
        # The live assessment is read only for a follow-up it could shape (every contact
        # that ends is reviewed; few are lost moments with a rule for them).
        source = (
            session.scalar(
                select(Interaction).where(Interaction.external_id == review.interaction_id)
            )
            if lost and lost_rules
            else None
        )
        assessment = source.current_assessment if source is not None else None
    made: list[TaskOut] = []
    now = utcnow()
    for rule in lost_rules if lost else []:
        if rule.threshold is not None and review.hindsight_score < rule.threshold:
            continue
        prefix, key, ok = _allowed(db, review, rule, now)
        if not ok:
            continue
        # The moment it follows up, as hindsight and the live assessment saw it: the detector
        # reads it from the task's first event, like any journey fact.
        follow_up = FollowUp(
            source=review.interaction_id,
            mot_score=max(review.hindsight_score, assessment.mot_score if assessment else 0.0),
            stakes=(review.stakes or (assessment.stakes if assessment else []))[:10],
        )
        task = create_task(
            runtime=runtime, rule_id=rule.id,
            customer_id=review.customer_id, dedupe_key=key, cause=prefix,
            message=_follow_up_message(review), source_interaction_id=review.interaction_id,
            follow_up=follow_up, now=now,
        )  # fmt: skip
        if task is not None:
            made.append(task)
    for rule in churn_rules:
        if churn_risk < (rule.threshold if rule.threshold is not None else 0.7):
            continue
        prefix, key, ok = _allowed(db, review, rule, now)
        if not ok:
            continue
        task = create_task(
            runtime=runtime, rule_id=rule.id,
            customer_id=review.customer_id, dedupe_key=key, cause=prefix, now=now,
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
    runtime: Services,
    message: KeyMessageOut,
    interaction_ids: list[str],
    days: int = 7,
) -> list[TaskOut]:
    """A notice to every customer with an open issue that a posted key message matches."""
    message_id, db = message.id, runtime.db
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
            prefix = cause_prefix(rule.kind, customer_id, f"key message {message_id}")
            key = f"{prefix}rule:{rule.id}"
            with db.session() as session:
                if cause_taken(session, prefix=prefix, dedupe_key=key, now=utcnow()):
                    continue
            task = create_task(
                runtime=runtime, rule_id=rule.id,
                customer_id=customer_id, dedupe_key=key, cause=prefix,
                message=text[:2000], source_interaction_id=interaction_id,
                key_message_id=message_id or None,
            )  # fmt: skip
            if task is not None:
                made.append(task)
    return made
