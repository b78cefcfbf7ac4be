"""The detector's side of interactions: which events it reads, rebuilding a live detector from
the event log, and storing what it says (interactions own the rows; ingest and the detection
workers call these)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.bus.messages import AssessmentUpdated
from kairos.db import utcnow
from kairos.detection.assessment import Assessment
from kairos.detection.live import Detector, DetectorCache
from kairos.events import (
    AudioSegment,
    Event,
    InteractionStarted,
    IvrSelection,
    Transfer,
    Utterance,
    event_adapter,
)
from kairos.interactions import journey as journey_service
from kairos.interactions import write_path
from kairos.interactions.edits import in_place
from kairos.interactions.models import EventRecord, Interaction

_ASSESSED_TYPES = (Utterance, AudioSegment)
#: Events that change what the detector knows (reason, transfers), besides what is said.
DETECTOR_INPUTS = (Utterance, InteractionStarted, IvrSelection, Transfer, AudioSegment)


def assessed(event: Event) -> bool:
    """Whether the assessment after this event is stored and published.

    Besides what is said: an IVR selection (a call waits in queue before anyone speaks, and
    routing reads its assessment), a transfer (the contact changes hands or goes back to a
    queue: its supervisor alert follows the new agent, or clears with none to assist; the
    transfer's own cue counts at once), the start of an escalated call (it starts with what the
    source thread said), of a follow-up (it starts as the moment it follows up) and of a contact
    that comes with a reason or a subject (what the detector reads of it before anyone speaks:
    routing holds a new contact until its first assessment, ``routing.first_assessment``, and
    this one is at hand at once).
    """
    if isinstance(event, InteractionStarted):
        return bool(
            event.escalation is not None
            or event.follow_up is not None
            or event.reason
            or event.subject
        )
    return isinstance(event, (*_ASSESSED_TYPES, IvrSelection, Transfer))


def history(
    session: Session, interaction: Interaction, *, upto_seq: int | None = None
) -> list[Event]:
    """What the detector replays: for an escalated call, the source thread comes first.

    ``upto_seq``: only the interaction's events up to that one (a worker catching up).
    """
    thread: list[Event] = []
    if interaction.escalated_from_id is not None:
        source = session.get(Interaction, interaction.escalated_from_id)
        if source is not None:
            # What was said before the call began; the thread may go on after it.
            thread = [
                e for e in history(session, source) if e.occurred_at <= interaction.started_at
            ]
    query = select(EventRecord).where(EventRecord.interaction_id == interaction.id)
    if upto_seq is not None:
        query = query.where(EventRecord.seq <= upto_seq)
    rows = session.scalars(query.order_by(EventRecord.seq)).all()
    return with_edits(thread + [record_to_event(row, interaction.external_id) for row in rows])


def edits(event: Event) -> bool:
    """Whether ``event`` edits an utterance said before (a chat message changed under its id)."""
    return isinstance(event, Utterance) and event.edit_of is not None


def with_edits(events: list[Event]) -> list[Event]:
    """``events`` as the detector reads them: an edit stands in its original's place, so the
    words it replaced are never read (the last edit of a message wins).

    >>> from datetime import UTC, datetime
    >>> at = datetime(2026, 12, 6, 9, tzinfo=UTC)
    >>> said = Utterance(event_id="m1", interaction_id="i", occurred_at=at, speaker="customer",
    ...                  text="I need it by 5pm")
    >>> other = said.model_copy(update={"event_id": "m2", "text": "thanks"})
    >>> edit = said.model_copy(update={"event_id": "m1-e", "text": "no rush", "edit_of": "m1"})
    >>> [(e.event_id, e.text) for e in with_edits([said, other, edit])]  # type: ignore[union-attr]
    [('m1-e', 'no rush'), ('m2', 'thanks')]
    """
    return in_place(
        events,
        event_id=lambda e: e.event_id,
        edit_of=lambda e: e.edit_of if isinstance(e, Utterance) else None,
    )


def reread(
    session: Session,
    interaction: Interaction,
    detectors: DetectorCache,
    default_tz: str,
    *,
    upto_seq: int | None = None,
) -> Detector | None:
    """The interaction's detector rebuilt from the log (edits in their originals' places): what
    an edit calls for, since a detector keeps no transcript to take the original's words out of.
    """
    detectors.forget(interaction.external_id)
    return detector_for(session, interaction, detectors, default_tz, upto_seq=upto_seq)


def record_to_event(row: EventRecord, interaction_external_id: str) -> Event:
    """Rebuild the typed event from its stored row."""
    data: dict[str, Any] = {
        **row.payload,
        "type": row.type,
        "event_id": row.event_id,
        "interaction_id": interaction_external_id,
        "occurred_at": row.occurred_at,
    }
    return event_adapter.validate_python(data)


def detector_for(
    session: Session,
    interaction: Interaction,
    detectors: DetectorCache,
    default_tz: str,
    *,
    upto_seq: int | None = None,
) -> Detector | None:
    """The interaction's live detector, rebuilt from the stored events when it is missing.

    ``upto_seq`` (a worker catching up): the detector must have seen exactly the events up to
    that one; a cached one at another position is rebuilt too.
    """
    detector = detectors.get(interaction.external_id)
    if detector is not None and (
        upto_seq is None or detectors.position(interaction.external_id) == upto_seq
    ):
        return detector
    if not detectors.enabled:
        return None
    journey = journey_service.journey_inputs(session=session, interaction=interaction)
    zone = journey_service.deadline_zone(
        session=session,
        interaction=interaction,
        # The runtime passes the configured zone; a cache built without it (tests, tools) still
        # honours a non-UTC default given by the caller.
        centre_zone=detectors.centre_timezone or (None if default_tz == "UTC" else default_tz),
        phone_region=detectors.phone_region,
    )
    return detectors.create(
        interaction.external_id,
        timezone=zone.name,
        timezone_source=zone.detail,
        journey=journey,
        history=history(session, interaction, upto_seq=upto_seq),
    )


def record_assessment(
    session: Session,
    interaction: Interaction,
    event: Event,
    assessment: Assessment,
    *,
    rows: list[dict[str, Any]] | None = None,
) -> AssessmentUpdated:
    """Store the assessment made after ``event``; the message to publish once committed.

    ``rows``: the row is added to this list, for the caller to insert with others in one
    statement (``insert_assessments``), rather than at once.
    """
    payload = assessment.model_dump(mode="json")
    interaction.assessment = payload
    interaction.mot_score = assessment.mot_score
    interaction.cube = assessment.cube
    row = {
        "interaction_id": interaction.id,
        "event_id": event.event_id,
        "mot_score": assessment.mot_score,
        "cube": assessment.cube,
        "model_version": assessment.model_version,
        "payload": payload,
        "created_at": utcnow(),
    }
    if rows is not None:
        rows.append(row)
    else:
        # On the transaction's connection (no autoflush), as ingest writes events.
        write_path.insert_assessments(session, [row])
    return AssessmentUpdated(
        interaction_id=interaction.external_id,
        event_id=event.event_id,
        agent_id=interaction.agent_id,
        state=interaction.state,
        assessment=assessment,
    )


def insert_assessments(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert the assessment rows ``record_assessment`` collected, in one statement."""
    write_path.insert_assessments(session, rows)
