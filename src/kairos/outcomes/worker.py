"""Follows the bus: reviews each interaction as it ends (and again when words said in it arrive
after its end), stores survey events, re-reviews on a recontact, runs the outreach rules on each
review and on each key message posted.

Registered on the in-process bus by the runtime; it runs after the publishing transaction has
committed, and a failure here is logged by the bus without undoing what was ingested.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import select

from kairos.bus import BusMessage
from kairos.bus.messages import (
    ContactPreferenceChanged,
    CustomerMerged,
    EventApplied,
    InteractionReviewed,
    KeyMessagePosted,
    parse,
)
from kairos.config import get_settings
from kairos.errors import ClientError
from kairos.events import Event, InteractionEnded, InteractionStarted, SurveyResponse, Utterance
from kairos.interactions.detecting import catch_up_retrying
from kairos.interactions.models import EventRecord, Interaction
from kairos.messages.schemas import KeyMessageOut
from kairos.outcomes import (
    feedback,
    merges,
    outreach,
    outreach_consent,
    outreach_triggers,
    service,
)
from kairos.outcomes.models import InteractionReview
from kairos.services import Services

log = logging.getLogger(__name__)


class OutcomesWorker:
    """A bus listener on ``events``, ``outcomes`` and ``messages``."""

    def __init__(self, runtime: Services) -> None:
        self.runtime = runtime
        self.stop = threading.Event()
        self._unreviewed: set[str] = set()

    def __call__(self, topic: str, body: BusMessage) -> None:
        message = parse(body)
        try:
            if isinstance(message, EventApplied):
                self._event(message.event, late=message.late)
            elif isinstance(message, InteractionReviewed):
                self._reviewed(message)
            elif isinstance(message, CustomerMerged):
                merges.move_customer(
                    db=self.runtime.db,
                    customer_id=message.customer_id,
                    from_customer_id=message.from_customer_id,
                )
            elif isinstance(message, ContactPreferenceChanged):
                outreach_consent.hold_back_queued(
                    runtime=self.runtime, customer_id=message.customer_id
                )
            elif isinstance(message, KeyMessagePosted):
                outreach_triggers.on_key_message(
                    runtime=self.runtime,
                    message=KeyMessageOut.model_validate(message.message),
                    interaction_ids=message.interaction_ids,
                    days=get_settings().recontact_days,
                )
        except ClientError as exc:  # e.g. the interaction vanished meanwhile
            log.info("outcomes: %s on %s %s", exc.message, topic, body.get("type"))

    def _event(self, event: Event, *, late: bool = False) -> None:
        interaction_id = event.interaction_id
        rt = self.runtime
        if isinstance(event, InteractionEnded):
            self._review_ended(interaction_id)
        elif late and isinstance(event, Utterance) and not self._reviewed_with(event):
            # Words the platform sent after the end (a late transcript segment) are the
            # review's too: it is made again with them, in the place they were said.
            self._review_ended(interaction_id)
        elif isinstance(event, SurveyResponse):
            feedback.store_answer(db=rt.db, bus=rt.bus, event=event, source="event")
        elif isinstance(event, InteractionStarted) and not interaction_id.startswith(
            outreach.TASK_PREFIX
        ):
            for earlier in self._recontacted(interaction_id):
                service.review_interaction(db=rt.db, bus=rt.bus, interaction_id=earlier)

    def sweep(self) -> int:
        """Review ended interactions left without a review for a whole sweep interval (their
        ``interaction.ended`` message was lost with Redis), and hold back queued calls an opt-out
        forbids whose ``customer.preference_changed`` was lost; returns how many it reviewed."""
        rt = self.runtime
        outreach_consent.sweep_queued(rt)
        with rt.db.session() as session:
            ids = set(
                session.scalars(
                    select(Interaction.external_id)
                    .outerjoin(
                        InteractionReview, InteractionReview.interaction_id == Interaction.id
                    )
                    .where(Interaction.state == "ended", InteractionReview.id.is_(None))
                    .order_by(Interaction.id)
                    .limit(2_000)
                )
            )
        due, self._unreviewed = sorted(ids & self._unreviewed), ids
        for interaction_id in due:
            self._review_ended(interaction_id)
        return len(due)

    def _reviewed_with(self, event: Utterance) -> bool:
        """Whether the interaction was reviewed after ``event`` was stored: a body of late
        segments (a whole transcript sent after the call) is reviewed once, not once each."""
        with self.runtime.db.session() as session:
            row = session.execute(
                select(EventRecord.received_at, InteractionReview.reviewed_at)
                .join(Interaction, Interaction.id == EventRecord.interaction_id)
                .join(InteractionReview, InteractionReview.interaction_id == Interaction.id)
                .where(
                    Interaction.external_id == event.interaction_id,
                    EventRecord.event_id == event.event_id,
                )
            ).first()
        return row is not None and row.reviewed_at >= row.received_at

    def _review_ended(self, interaction_id: str) -> None:
        rt = self.runtime
        if not rt.detectors.inline:
            # The review reads the final assessment: make sure it is there, whichever
            # listener group gets to the end first (a no-op when it is).
            catch_up_retrying(rt, interaction_id, stop=self.stop)
        service.review_interaction(db=rt.db, bus=rt.bus, interaction_id=interaction_id)

    def _recontacted(self, interaction_id: str) -> list[str]:
        """Ended, reviewed interactions this new contact is a recontact of."""
        days = get_settings().recontact_days
        with self.runtime.db.session() as session:
            # The five columns it compares, not the row as an object (this runs on every start).
            new = session.execute(
                select(
                    Interaction.id,
                    Interaction.customer_id,
                    Interaction.started_at,
                    Interaction.reason,
                    Interaction.queue,
                ).where(Interaction.external_id == interaction_id)
            ).first()
            if new is None or new.customer_id is None:
                return []
            rows = session.execute(
                select(Interaction.external_id, Interaction.reason, Interaction.queue)
                .join(InteractionReview, InteractionReview.interaction_id == Interaction.id)
                .where(
                    Interaction.customer_id == new.customer_id,
                    Interaction.id != new.id,
                    Interaction.started_at >= new.started_at - timedelta(days=days),
                    Interaction.started_at < new.started_at,
                    InteractionReview.recontact.is_(False),
                )
            ).all()
        out = []
        for external_id, reason, queue in rows:
            if reason and new.reason:
                same = reason.strip().lower() == new.reason.strip().lower()
            elif queue and new.queue:
                same = queue == new.queue
            else:
                same = True
            if same:
                out.append(str(external_id))
        return out

    def _reviewed(self, message: InteractionReviewed) -> None:
        rt = self.runtime
        interaction_id = message.interaction_id
        review = service.sent_review(message)
        if review is None:
            with rt.db.session() as session:
                review = service.get_review(session=session, interaction_id=interaction_id)
        if interaction_id.startswith(outreach.TASK_PREFIX):
            outreach.complete_task(db=rt.db, bus=rt.bus, review=review)
            return
        outreach_triggers.on_review(
            runtime=rt,
            review=review,
            churn_risk=message.churn_risk,
        )
