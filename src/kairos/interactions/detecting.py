"""Detection by workers: bring an interaction's assessment up to date with its stored events.

With ``KAIROS_DETECTION=workers`` the API processes only store events and publish them; the
``kairos worker`` processes read the ``events`` stream through one consumer group and, for each
message, call :func:`catch_up` on the interaction it names.

:func:`catch_up` is the one way an assessment is made in this mode, and it is idempotent: under
the interaction's row lock it compares ``assessed_seq`` (the last event the detector has seen)
with ``event_count`` and assesses only the events in between. So a re-delivered message, a
message that arrives after a later one, or two workers handling the same interaction at once all
end with each event assessed exactly once. Any worker can take over any interaction: when its
cached detector is not at ``assessed_seq`` it rebuilds one from the stored events.

The stream only makes this fast. :class:`Sweeper` finds interactions whose events stayed
unassessed for a whole sweep interval (their message was dropped while Redis was down, trimmed,
or left with a dead worker) and catches them up from the database alone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from kairos.bus import BusMessage, Retry
from kairos.bus.messages import AssessmentUpdated, EventApplied, parse
from kairos.db import utcnow
from kairos.db_faults import lock_wait_expired
from kairos.errors import described
from kairos.interactions.assessments import (
    DETECTOR_INPUTS,
    assessed,
    detector_for,
    edits,
    record_assessment,
    record_to_event,
    reread,
)
from kairos.interactions.models import UNASSESSED, EventRecord, Interaction
from kairos.periodic import Periodic
from kairos.services import Services

log = logging.getLogger(__name__)


def catch_up(runtime: Services, interaction_id: str) -> int:
    """Assess the stored events of ``interaction_id`` the detector has not seen yet.

    Returns how many assessments it stored (0 when there was nothing to do). Publishes them on
    ``assessments`` after the commit.
    """
    db, detectors = runtime.db, runtime.detectors
    messages: list[AssessmentUpdated] = []
    accepted: list[datetime] = []  # each assessed event's acceptance (its row's received_at)
    with db.session() as session:  # most re-deliveries end here, without a lock
        progress = session.execute(
            select(Interaction.assessed_seq, Interaction.event_count).where(
                Interaction.external_id == interaction_id
            )
        ).first()
    if progress is None or progress[0] >= progress[1]:
        return 0
    with db.write_lock(), db.session() as session:
        interaction = session.scalar(
            select(Interaction).where(Interaction.external_id == interaction_id).with_for_update()
        )
        if interaction is None or interaction.assessed_seq >= interaction.event_count:
            return 0
        start, target = interaction.assessed_seq, interaction.event_count
        try:
            if detectors.enabled:
                if detectors.position(interaction_id) != start:  # None: not cached here
                    runtime.metrics.detector_rebuilds.inc()
                tz = runtime.settings.default_timezone
                detector = detector_for(session, interaction, detectors, tz, upto_seq=start)
                assert detector is not None
                rows = session.scalars(
                    select(EventRecord)
                    .where(
                        EventRecord.interaction_id == interaction.id,
                        EventRecord.seq > start,
                        EventRecord.seq <= target,
                    )
                    .order_by(EventRecord.seq)
                ).all()
                for row in rows:
                    event = record_to_event(row, interaction_id)
                    if not isinstance(event, DETECTOR_INPUTS):
                        continue
                    if edits(event):  # read again, the edit in its original's place
                        detector = reread(session, interaction, detectors, tz, upto_seq=row.seq)
                        assert detector is not None
                        assessment = detector.assessment
                    else:
                        assessment = detector.update(event)
                    if assessed(event):
                        messages.append(record_assessment(session, interaction, event, assessment))
                        accepted.append(row.received_at)
            interaction.assessed_seq = target
            session.commit()
        except BaseException:
            detectors.forget(interaction_id)  # its state may be ahead of what was committed
            raise
    detectors.advance(interaction_id, target)
    runtime.metrics.events_assessed.inc(target - start)
    if messages:
        runtime.metrics.assessments.inc(len(messages))
    for message in messages:
        runtime.bus.send(message)
    now = utcnow()
    for at in accepted:  # across machines this includes their clocks' difference
        runtime.metrics.assessment_latency.observe(max(0.0, (now - at).total_seconds()))
    return len(messages)


def catch_up_retrying(
    runtime: Services, interaction_id: str, *, patience_s: float = 10.0, stop: threading.Event
) -> int:
    """:func:`catch_up`, waiting out a database that is briefly unavailable.

    Raises :class:`kairos.bus.Retry` after ``patience_s`` (the message stays pending and comes
    back; the sweep would catch the interaction up in any case).
    """
    deadline = time.monotonic() + patience_s
    pause = 0.1
    while True:
        try:
            return catch_up(runtime, interaction_id)
        except IntegrityError as exc:  # a write raced ours: the retry sees it
            error: Exception = exc
        except OperationalError as exc:
            error = exc
            runtime.metrics.detection_retries.inc()
        if time.monotonic() >= deadline or stop.is_set():
            raise Retry(f"{interaction_id}: {type(error).__name__}") from error
        log.warning("detection of %s waits for the database (%s)", interaction_id, described(error))
        stop.wait(pause)
        pause = min(pause * 2, 2.0)


class DetectionWorker:
    """A bus listener (group ``detectors``) on ``events``: one catch-up per applied event."""

    def __init__(self, runtime: Services) -> None:
        self.runtime = runtime
        self.stop = threading.Event()

    def __call__(self, topic: str, message: BusMessage) -> None:
        self.handle_batch(topic, [message])

    def handle_batch(self, topic: str, messages: list[BusMessage]) -> None:
        """Catch up each interaction the messages name, once, in the order they first appear.

        An interaction this worker has already assessed up to a message's ``seq`` is skipped
        without asking the database (its cached detector's position only moves on commit).
        """
        if topic != "events":
            return
        wanted: dict[str, int] = {}
        for body in messages:
            message = parse(body)
            if not isinstance(message, EventApplied):
                if body.get("type") == "event.applied":
                    log.warning("detection: an event.applied it cannot read, skipped")
                continue
            interaction_id, seq = message.event.interaction_id, message.seq
            wanted[interaction_id] = max(wanted.get(interaction_id, 0), seq or 1 << 62)
        detectors = self.runtime.detectors
        for interaction_id, seq in wanted.items():
            position = detectors.position(interaction_id)
            if position is not None and position >= seq:
                continue  # this worker assessed it already
            catch_up_retrying(self.runtime, interaction_id, stop=self.stop)


class Sweeper:
    """Catches up interactions left unassessed for a whole interval, from the database alone.

    Each pass lists the interactions whose ``assessed_seq`` is behind ``event_count`` (a partial
    index keeps that cheap). One that is still behind the ``event_count`` it had on the previous
    pass has waited at least an interval with no worker getting to it: this worker catches it
    up. Several workers may sweep at once; :func:`catch_up` makes that harmless.
    """

    def __init__(
        self,
        runtime: Services,
        *,
        interval_s: float,
        batch: int = 2_000,
        also: list[Callable[[], int]] | None = None,
    ) -> None:
        self.runtime = runtime
        self.also = also or []  # more passes of the same kind (e.g. reviews left undone)
        self.interval_s = interval_s
        self.batch = batch
        self._previous: dict[str, int] = {}
        self.swept = 0
        self._every = Periodic(self.sweep_once, interval_s=interval_s, name="sweep")

    def start(self) -> None:
        """Sweep every ``interval_s`` on a background thread until :meth:`close`."""
        self._every.start()

    def close(self) -> None:
        """Stop after the current pass."""
        self._every.close()

    def behind(self) -> dict[str, tuple[int, int]]:
        """Interactions the detector has not caught up with: id -> (assessed_seq, event_count)."""
        with self.runtime.db.session() as session:
            rows = session.execute(
                select(Interaction.external_id, Interaction.assessed_seq, Interaction.event_count)
                .where(UNASSESSED)
                .order_by(Interaction.id)
                .limit(self.batch)
            ).all()
        return {str(i): (int(a), int(c)) for i, a, c in rows}

    def sweep_once(self) -> int:
        """One pass; returns how many interactions it caught up."""
        behind = self.behind()
        due = [
            interaction_id
            for interaction_id, (assessed, _) in behind.items()
            if interaction_id in self._previous and assessed < self._previous[interaction_id]
        ]
        self._previous = {i: count for i, (_, count) in behind.items()}
        done = 0
        for interaction_id in due:
            if self._every.stop.is_set():
                break
            try:
                catch_up(self.runtime, interaction_id)
            except (IntegrityError, OperationalError) as error:
                if lock_wait_expired(error):  # held elsewhere: the pass ends, the next goes on
                    raise
                log.warning("sweep: %s not caught up yet (%s)", interaction_id, described(error))
                continue
            done += 1
        if done:
            log.info("sweep caught up %d interactions the stream had left behind", done)
            self.runtime.metrics.interactions_swept.inc(done)
            self.swept += done
        for sweep in self.also:
            sweep()
        return done
