"""Applying one logged event to its interaction's row: state, queue, agent, facts, outcome;
and publishing what a request applied once it committed.

Events that happened after the interaction ended are logged but do not rewrite how it ended: a
transfer after the end moves neither queue nor agent, a second ``interaction.ended`` keeps the
first end's time and fields. Late transcript segments and surveys still apply.
"""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from kairos.bus import EventBus
from kairos.bus.messages import AssessmentUpdated, Message
from kairos.customers import fact_store
from kairos.customers import service as customer_service
from kairos.events import (
    CustomerIdentified,
    Event,
    InteractionEnded,
    IvrInput,
    IvrSelection,
    SurveyResponse,
    Transfer,
    Utterance,
)
from kairos.interactions import let_go
from kairos.interactions.models import Interaction
from kairos.metrics import Registry

#: Envelope fields left out of a stored event's payload (they have their own columns).
BODY_EXCLUDE = {"event_id", "interaction_id", "occurred_at", "type"}


def _after_end(interaction: Interaction, event: Event) -> bool:
    """Whether ``event`` happened after the interaction ended (one that happened before, and
    arrived late, still counts)."""
    ended_at = interaction.ended_at
    return interaction.state == "ended" and ended_at is not None and event.occurred_at > ended_at


def apply_to_interaction(
    session: Session, interaction: Interaction, event: Event, messages: list[Message]
) -> None:
    """Apply ``event`` to its interaction's row (the event itself is logged by the caller)."""
    if isinstance(event, IvrInput):
        fact_store.record_ivr_fact(session=session, interaction=interaction, event=event)
    elif isinstance(event, IvrSelection):
        # A reason the menu maps the choice to is what the caller came for; it wins over the
        # platform's guess. A bare choice only fills a missing reason.
        if event.reason:
            interaction.reason = event.reason
        elif interaction.reason is None:
            interaction.reason = event.label or event.option
    elif isinstance(event, Transfer):
        if _after_end(interaction, event):
            return  # stored in the log; an ended contact is not put in a queue again
        if event.to_queue:
            interaction.queue = event.to_queue
            interaction.queue_note = None  # named by the event, not the mapping
        holder, interaction.agent_id = interaction.agent_id, event.to_agent
        if holder is not None and event.to_agent is None and interaction.queue is not None:
            # Back in a queue: routing keeps it from the agent who let it go for a while, in
            # every process (kairos.routing.passes reads it).
            if interaction.id is None:  # started in this same request
                session.flush()
            let_go.record(
                session, interaction_row_id=interaction.id, agent_id=holder, kind=let_go.TRANSFERRED
            )
    elif isinstance(event, Utterance):
        if event.speaker == "agent" and event.agent_id and interaction.agent_id is None:
            interaction.agent_id = event.agent_id
        # Facts the customer states; an agent asking for one already known is a re-ask.
        fact_store.record_stated_facts(session=session, interaction=interaction, event=event)
        reasks = fact_store.detect_reasks(session=session, interaction=interaction, event=event)
        interaction.reask_count += len(reasks)
        messages.extend(reasks)
    elif isinstance(event, InteractionEnded):
        outcome = event.outcome.model_dump(mode="json", exclude_none=True)
        if interaction.state == "ended" and interaction.ended_at is not None:
            # A second end (a platform's wrap-up, a resend under a new id) is stored in the log
            # but keeps the first end's time and fields; it fills only what the first left out.
            interaction.outcome = {**outcome, **(interaction.outcome or {})}
            return
        interaction.state = "ended"
        interaction.ended_at = event.occurred_at
        interaction.outcome = {**(interaction.outcome or {}), **outcome}
    elif isinstance(event, CustomerIdentified):
        identify(session, interaction, event)
    elif isinstance(event, SurveyResponse):
        survey = event.model_dump(mode="json", exclude=BODY_EXCLUDE, exclude_none=True)
        interaction.outcome = {**(interaction.outcome or {}), "survey": survey}


def adds_nothing(session: Session, interaction: Interaction, event: CustomerIdentified) -> bool:
    """Whether ``event`` names only identities the interaction's customer already has (or that
    name nobody): ingest acknowledges it as a repeat and stores nothing."""
    return customer_service.holds(
        session=session, identities=list(event.identities), customer_id=interaction.customer_id
    )


def identify(session: Session, interaction: Interaction, event: CustomerIdentified) -> None:
    """Resolve a later identity as a start's: the customer it names is attached to a contact
    that had none (with the facts it gathered); on a contact with a customer, new identities are
    added to them and one owned by another customer is recorded as a conflict, never moved."""
    customer = customer_service.resolve(
        session=session,
        identities=list(event.identities),
        interaction_id=interaction.external_id,
        customer_id=interaction.customer_id,
    )
    if customer is not None and interaction.customer_id is None:
        interaction.customer_id = customer.id
        fact_store.adopt(session=session, interaction_id=interaction.id, customer_id=customer.id)


def publish_applied(
    messages: list[Message], bus: EventBus, metrics: Registry, started: float
) -> None:
    """Publish what the request applied (after its commit), and time it."""
    assessed = 0
    for message in messages:
        assessed += isinstance(message, AssessmentUpdated)
        bus.send(message)
    took = time.perf_counter() - started
    if assessed:
        metrics.assessments.inc(assessed)
        for _ in range(assessed):  # accepted with the request, assessed and published in it
            metrics.assessment_latency.observe(took)
    metrics.ingest_latency.observe(took)
