"""Outcomes: wrap-up and the review of every ended interaction. The only place that writes
``wrap_ups`` and ``interaction_reviews`` (the day's figures, missed moments and scorecards that
read them are in :mod:`kairos.outcomes.figures`).

Every change is one transaction, published on the bus (topic ``outcomes``) after it commits.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kairos.assist import service as assist_service
from kairos.bus import EventBus
from kairos.bus.messages import InteractionReviewed, InteractionWrappedUp
from kairos.config import get_settings
from kairos.customers.models import Customer
from kairos.db import Database, utcnow
from kairos.errors import Conflict, NotFound
from kairos.interactions import journey as journey_service
from kairos.interactions import service as interaction_service
from kairos.interactions.models import AssessmentRecord, Interaction
from kairos.outcomes import escalated, survey_answers
from kairos.outcomes import review_inputs as inputs
from kairos.outcomes.models import InteractionReview, WrapUp
from kairos.outcomes.review import Known, Review, review
from kairos.outcomes.schemas import (
    Behaviour,
    ReviewOut,
    WrapUpIn,
    WrapUpOut,
)


def get_interaction_or_raise(*, session: Session, interaction_id: str) -> Interaction:
    """The interaction by its channel id, or a 404."""
    interaction = session.scalar(
        select(Interaction).where(Interaction.external_id == interaction_id)
    )
    if interaction is None:
        raise NotFound(f"no interaction {interaction_id!r}")
    return interaction


# -- wrap-up ------------------------------------------------------------------------------------


def _wrap_up_out(
    wrap: WrapUp, interaction_id: str, *, repeated: bool, status: str | None
) -> WrapUpOut:
    return WrapUpOut(
        interaction_id=interaction_id,
        resolved=wrap.resolved,
        confirmed_by_customer=wrap.confirmed_by_customer,
        note=wrap.note,
        agent_id=wrap.agent_id,
        wrapped_up_at=wrap.created_at,
        repeated=repeated,
        status=status,
    )


def wrap_up(*, db: Database, bus: EventBus, interaction_id: str, wrap_up_in: WrapUpIn) -> WrapUpOut:
    """Record the agent's wrap-up once; the same body again is acknowledged, another is a 409.

    An interaction that has ended is reviewed again with what the wrap-up says.
    """
    try:
        return _wrap_up(db=db, bus=bus, interaction_id=interaction_id, wrap_up_in=wrap_up_in)
    except IntegrityError:
        # Two wrap-ups raced (PostgreSQL); the loser now sees the winner's and compares.
        return _wrap_up(db=db, bus=bus, interaction_id=interaction_id, wrap_up_in=wrap_up_in)


def _wrap_up(
    *, db: Database, bus: EventBus, interaction_id: str, wrap_up_in: WrapUpIn
) -> WrapUpOut:
    with db.write_lock(), db.session() as session:
        interaction = get_interaction_or_raise(session=session, interaction_id=interaction_id)
        existing = session.scalar(select(WrapUp).where(WrapUp.interaction_id == interaction.id))
        if existing is not None:
            same = (
                existing.resolved == wrap_up_in.resolved
                and existing.confirmed_by_customer == wrap_up_in.confirmed_by_customer
                and (existing.note or None) == (wrap_up_in.note or None)
                and existing.agent_id == (wrap_up_in.agent_id or existing.agent_id)
            )
            if not same:
                raise Conflict(
                    f"interaction {interaction_id!r} was wrapped up already with a different "
                    "outcome; a wrap-up is recorded once"
                )
            current = session.scalar(
                select(InteractionReview.status).where(
                    InteractionReview.interaction_id == interaction.id
                )
            )
            return _wrap_up_out(existing, interaction_id, repeated=True, status=current)
        wrap = WrapUp(
            interaction_id=interaction.id,
            resolved=wrap_up_in.resolved,
            confirmed_by_customer=wrap_up_in.confirmed_by_customer,
            note=wrap_up_in.note,
            agent_id=wrap_up_in.agent_id or interaction.agent_id,
            created_at=utcnow(),
        )
        session.add(wrap)
        # The interaction's outcome is what journeys and planning read: the wrap-up completes it.
        interaction_service.complete_outcome(
            interaction=interaction,
            resolved=wrap.resolved,
            customer_confirmed=wrap.confirmed_by_customer,
            note=wrap.note,
        )
        session.commit()
        ended = escalated.has_ended(session, interaction)
    bus.send(
        InteractionWrappedUp(
            interaction_id=interaction_id,
            agent_id=wrap.agent_id,
            resolved=wrap.resolved,
            confirmed_by_customer=wrap.confirmed_by_customer,
            note=wrap.note,
        )
    )
    status = None
    if ended:
        status = review_interaction(db=db, bus=bus, interaction_id=interaction_id).status
    return _wrap_up_out(wrap, interaction_id, repeated=False, status=status)


# -- review -------------------------------------------------------------------------------------


def review_interaction(*, db: Database, bus: EventBus, interaction_id: str) -> ReviewOut:
    """Review an ended interaction (again): hindsight detection, outcome, behaviours; store it."""
    try:
        out = _review(db=db, bus=bus, interaction_id=interaction_id)
    except IntegrityError:
        # Two first reviews raced (PostgreSQL): the second pass updates the row the first made.
        out = _review(db=db, bus=bus, interaction_id=interaction_id)
    if out.status == escalated.CONTINUED:  # the thread's moment ends with its call: again
        with db.session() as session:
            thread = escalated.thread_to_review(session, interaction_id)
        if thread is not None:
            review_interaction(db=db, bus=bus, interaction_id=thread)
    return out


def _review(*, db: Database, bus: EventBus, interaction_id: str) -> ReviewOut:
    settings = get_settings()
    with db.write_lock(), db.session() as session:
        interaction = get_interaction_or_raise(session=session, interaction_id=interaction_id)
        if not escalated.has_ended(session, interaction):
            raise Conflict(
                f"interaction {interaction_id!r} has not ended; it is reviewed at the end"
            )
        # Held for the whole review: the identity map keeps a row only while something refers
        # to it, and the journey, the zone and the row's columns each read the customer.
        customer = (
            session.get(Customer, interaction.customer_id) if interaction.customer_id else None
        )
        events, call, call_known = escalated.carried_on(
            session, interaction, inputs.utterance_rows(session, interaction),
            lambda c: (inputs.utterance_rows(session, c), _known(session, c, _wrap_of(session, c))),
        )  # fmt: skip
        wrap = _wrap_of(session, interaction)
        again = inputs.recontact_of(session, interaction, settings.recontact_days)
        journey = journey_service.journey_inputs(session=session, interaction=interaction)
        # The zone the live detector read the customer's deadlines in (the same choice).
        zone = journey_service.deadline_zone(
            session=session,
            interaction=interaction,
            centre_zone=settings.centre_zone,
            phone_region=settings.default_phone_region,
        )
        result = review(
            inputs.turns(events),
            known=escalated.with_call(
                _known(session, interaction, wrap, recontact=again is not None), call_known
            ),
            journey=journey,
            timezone=zone.name,
            timezone_source=zone.detail,
            reask_count=interaction.reask_count,
        )
        values = _review_values(session, interaction, customer, result, wrap, again)
        escalated.name_or_continue(session, values, interaction, call)
        record = session.scalar(
            select(InteractionReview).where(InteractionReview.interaction_id == interaction.id)
        )
        if record is None:
            record = InteractionReview(interaction_id=interaction.id, **values)
            session.add(record)
        else:
            for key, value in values.items():
                setattr(record, key, value)
        session.commit()
        out = review_out(record, interaction.external_id)
    message = InteractionReviewed(
        interaction_id=interaction_id,
        agent_id=out.agent_id,
        status=out.status,
        missed=out.missed,
        customer_id=out.customer_id,
        hindsight_score=out.hindsight_score,
        churn_risk=result.churn_risk,
    )
    _sending.review = (message, out)
    try:
        bus.send(message)
    finally:
        _sending.review = None
    return out


#: The review whose message this thread is publishing: an in-process listener handed that very
#: message (:func:`sent_review`) has the stored review without reading it back.
_sending = threading.local()


def sent_review(message: InteractionReviewed) -> ReviewOut | None:
    """The stored review ``message`` announces, when this thread is publishing it now (the
    in-process bus calls its listeners in the publisher's thread); None elsewhere (a message
    that crossed Redis, another thread), where the listener reads it (:func:`get_review`)."""
    found: tuple[InteractionReviewed, ReviewOut] | None = getattr(_sending, "review", None)
    return found[1] if found is not None and found[0] is message else None


def _wrap_of(session: Session, interaction: Interaction) -> WrapUp | None:
    return session.scalar(select(WrapUp).where(WrapUp.interaction_id == interaction.id))


def _known(
    session: Session, interaction: Interaction, wrap: WrapUp | None, *, recontact: bool = False
) -> Known:
    """What is known of how the interaction went: wrap-up, outcome, survey, live scores."""
    survey = survey_answers.said(session, interaction.id)
    live = session.scalar(
        select(func.max(AssessmentRecord.mot_score)).where(
            AssessmentRecord.interaction_id == interaction.id
        )
    )
    outcome = interaction.outcome or {}
    survey_event = outcome.get("survey") or {}
    resolved = wrap.resolved if wrap else outcome.get("resolved")
    confirmed = wrap.confirmed_by_customer if wrap else outcome.get("customer_confirmed")
    return Known(
        resolved=resolved if isinstance(resolved, bool) else None,
        confirmed_by_customer=confirmed if isinstance(confirmed, bool) else None,
        csat=survey.csat if survey.answers else survey_event.get("csat"),
        nps=survey.nps if survey.answers else survey_event.get("nps"),
        recontact=recontact,
        # A withdrawn outreach call carried its moment's score, but no one was called.
        live_score=None if inputs.never_happened(interaction) else live,
        handled_as_moment=inputs.handled_as_moment(session, interaction),
        survey_text=survey.text if survey.answers else survey_event.get("text"),
    )


def _review_values(
    session: Session,
    interaction: Interaction,
    customer: Customer | None,
    result: Review,
    wrap: WrapUp | None,
    again: Interaction | None,
) -> dict[str, Any]:
    """The review row's columns."""
    return {
        "customer_id": interaction.customer_id,
        "agent_id": (wrap.agent_id if wrap and wrap.agent_id else interaction.agent_id),
        "started_at": interaction.started_at,
        "ended_at": interaction.ended_at,
        "handle_seconds": inputs.handle_seconds(session, interaction),
        "resolved": result.resolved,
        "confirmed_by_customer": result.confirmed_by_customer,
        "sentiment_start": result.sentiment_start,
        "sentiment_end": result.sentiment_end,
        "recovery": result.recovery,
        "recontact": result.recontact,
        "recontact_interaction_id": again.external_id if again else None,
        "csat": result.csat,
        "nps": result.nps,
        "live_score": result.live_score,
        "hindsight_score": result.hindsight_score,
        "mot_live": result.mot_live,
        "mot_hindsight": result.mot_hindsight,
        "handled_as_routine": result.handled_as_routine,
        "ended_well": result.ended_well,
        "status": result.status,
        "missed": result.missed,
        "cube": result.cube,
        "reason": interaction.reason,
        "stakes": result.stakes,
        "customer_value": customer.value if customer else None,
        "reask_count": result.reask_count,
        "behaviours": result.behaviours,
        "evidence": [{"why": _with_playbook(session, result, interaction)}, *result.reasons],
        "model_version": result.model_version,
        "reviewed_at": utcnow(),
    }


def _with_playbook(session: Session, result: Review, interaction: Interaction) -> list[str]:
    """The review's reasons, and for a moment not won, the playbook that applied to it."""
    why = list(result.why)
    if not result.is_mot or result.status == "won":
        return why
    playbook = assist_service.playbook_for(
        session=session, stakes=result.stakes, reason=interaction.reason, cube=result.cube
    )
    if playbook is not None:
        actions = "; ".join(a.action for a in playbook.actions[:2])
        why.append(
            f"playbook that applied: {playbook.title}" + (f" ({actions})" if actions else "")
        )
    return why


def review_out(record: InteractionReview, interaction_id: str) -> ReviewOut:
    """The API form of a stored review."""
    evidence = list(record.evidence or [])
    return ReviewOut(
        interaction_id=interaction_id,
        customer_id=record.customer_id,
        agent_id=record.agent_id,
        status=record.status,
        missed=record.missed,
        mot_live=record.mot_live,
        mot_hindsight=record.mot_hindsight,
        live_score=record.live_score,
        hindsight_score=record.hindsight_score,
        handled_as_routine=record.handled_as_routine,
        ended_well=record.ended_well,
        resolved=record.resolved,
        confirmed_by_customer=record.confirmed_by_customer,
        sentiment_start=record.sentiment_start,
        sentiment_end=record.sentiment_end,
        recovery=record.recovery,
        recontact=record.recontact,
        recontact_interaction_id=record.recontact_interaction_id,
        csat=record.csat,
        nps=record.nps,
        cube=record.cube,
        reason=record.reason,
        stakes=[str(s) for s in record.stakes or []],
        customer_value=record.customer_value,
        reask_count=record.reask_count,
        handle_seconds=record.handle_seconds,
        behaviours=[Behaviour(**b) for b in record.behaviours or []],
        evidence=[e for e in evidence if "why" not in e],
        started_at=record.started_at,
        ended_at=record.ended_at,
        model_version=record.model_version,
        reviewed_at=record.reviewed_at,
    )


def why_of(record: InteractionReview) -> list[str]:
    """The plain-words reasons a review gave for its status."""
    for item in record.evidence or []:
        if isinstance(item, dict) and "why" in item:
            return [str(w) for w in item["why"]]
    return []


def get_review(*, session: Session, interaction_id: str) -> ReviewOut:
    """The stored review of one interaction, or a 404."""
    interaction = get_interaction_or_raise(session=session, interaction_id=interaction_id)
    record = session.scalar(
        select(InteractionReview).where(InteractionReview.interaction_id == interaction.id)
    )
    if record is None:
        raise NotFound(f"interaction {interaction_id!r} has no review yet (it has not ended)")
    return review_out(record, interaction_id)


# -- figures ------------------------------------------------------------------------------------
