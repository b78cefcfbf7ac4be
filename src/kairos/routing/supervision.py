"""Supervisor alerts: a suggestion to assist or take over an interaction in progress.

An alert is raised when strain (emotion, or stress in the voice) and stakes cross the thresholds of
:meth:`MomentsPolicy.supervisor_alert` on an interaction that an agent is handling. Two ways in:

- live: :class:`Supervisor` listens to ``assessment.updated`` on the bus and publishes
  ``supervisor.alert`` on the ``supervision`` topic when an interaction first crosses the line,
  and again when its suggested action changes (assist, then take over), or ``supervisor.cleared``
  when it falls back below;
- on demand: :func:`current_alerts` reads the latest assessment of every interaction in progress,
  so a wallboard opened late, or another process, sees the same alerts; the minutes to a
  customer's deadline count from the moment it reads, not from the last event.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.bus import BusMessage, EventBus
from kairos.bus.messages import (
    AlertReason,
    AssessmentUpdated,
    EventApplied,
    SupervisorAlerted,
    SupervisorCleared,
    parse,
)
from kairos.db import Database, utcnow
from kairos.detection.assessment import Assessment
from kairos.events import InteractionEnded
from kairos.interactions.models import Interaction, read_assessment
from kairos.routing import service
from kairos.routing.policies import MomentsPolicy
from kairos.routing.snapshots import LiveInteraction, SupervisorAlert

_POLICY = MomentsPolicy()


def live_interaction(
    interaction_id: str, agent_id: str | None, assessment: Assessment, now: datetime | None = None
) -> LiveInteraction:
    """The alert's view of an interaction from its stored or published assessment.

    ``now`` (an assessment read later than it was made): the minutes to the customer's deadline
    count from then, not from the last event, so a deadline draws near while nothing happens.
    """
    minutes = assessment.minutes_to_deadline
    if now is not None and assessment.deadline is not None:
        minutes = (assessment.deadline - now).total_seconds() / 60
    return LiveInteraction(
        id=interaction_id,
        agent_id=agent_id,
        emotion=assessment.emotion,
        stress=assessment.stress or 0.0,
        mot_score=assessment.mot_score,
        stakes=tuple(assessment.stakes),
        minutes_to_deadline=minutes,
    )


def alert_for(
    interaction_id: str, agent_id: str | None, assessment: Assessment, now: datetime | None = None
) -> SupervisorAlert | None:
    """The alert for one interaction in progress, or None (``now``: see ``live_interaction``)."""
    return _POLICY.supervisor_alert(live_interaction(interaction_id, agent_id, assessment, now))


def alert_message(alert: SupervisorAlert) -> SupervisorAlerted:
    """An alert as published on the bus and returned by the API."""
    return SupervisorAlerted(
        interaction_id=alert.interaction_id,
        agent_id=alert.agent_id,
        action=alert.action,
        severity=alert.severity,
        reasons=[AlertReason(factor=r.factor, value=r.value) for r in alert.reasons],
    )


class Supervisor:
    """Turns ``assessment.updated`` messages into ``supervisor.alert`` messages, without repeats.

    With ``db`` each alert is stored as it is raised (:func:`service.record_alert`), and only an
    alert that store finds new is published: once, whichever process (worker) raised it and
    however often. After a bus gap (:meth:`catch_up`) the alerts the stored assessments call for
    are raised from the database, and those no longer called for cleared: an assessment whose
    message was lost (Redis away) still reaches the wallboard once Redis is back. With ``db``
    what was raised before is read from the store, not this process's memory, so whichever
    worker handles an assessment compares it with the alert any worker raised.
    """

    def __init__(self, bus: EventBus, db: Database | None = None, *, capacity: int = 50_000):
        self.bus, self.db = bus, db
        self.capacity = capacity
        #: The action raised on each interaction, with the agent it named.
        self._raised: OrderedDict[str, tuple[str, str | None]] = OrderedDict()
        #: Alerts stored but whose publish was dropped, by interaction and action.
        self._unsent: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, topic: str, message: BusMessage) -> None:
        self.handle_batch(topic, [message])

    def handle_batch(self, topic: str, messages: list[BusMessage]) -> None:
        """The assessments read together (the Redis bus hands a listener with this method what
        it read at once): raise, escalate or clear each interaction's alert.

        With ``db`` what was raised before is the open alert stored, read for the whole batch in
        one query: the ``supervisor`` group hands each message to one worker, so the worker that
        sees a contact calm down is often not the one that raised its alert, and its own memory
        would say nothing was raised (nothing cleared; the alert stayed on the wallboard until
        the next bus gap). Raising and clearing are idempotent, so a batch handled again message
        by message after a failure raises and clears each alert once."""
        updates = [u for u in map(parse, messages) if isinstance(u, AssessmentUpdated)]
        if not updates:
            return
        stored = None
        if self.db is not None:
            with self.db.session() as session:
                ids = sorted({u.interaction_id for u in updates})
                stored = service.get_open_actions(session=session, interaction_ids=ids)
        for updated in updates:
            interaction_id, agent_id = updated.interaction_id, updated.agent_id
            in_progress = agent_id is not None and updated.state != "ended"
            alert = alert_for(interaction_id, agent_id, updated.assessment)
            # The agent counts with the action: a contact transferred to another agent raises
            # its alert again, naming them.
            action = (alert.action, agent_id) if (alert is not None and in_progress) else None
            if stored is None:
                before = self._remember(interaction_id, action)
            else:
                before = stored.pop(interaction_id, None)
                if action is not None:
                    stored[interaction_id] = action
            if action is not None and alert is not None and action != before:
                self._raise(alert_message(alert))
            elif action is None and before is not None:
                self._clear(interaction_id)

    def _remember(
        self, interaction_id: str, action: tuple[str, str | None] | None
    ) -> tuple[str, str | None] | None:
        with self._lock:
            before = self._raised.pop(interaction_id, None)
            if action is not None:
                self._raised[interaction_id] = action
                while len(self._raised) > self.capacity:
                    self._raised.popitem(last=False)
        return before

    def _raise(self, alert: SupervisorAlerted) -> None:
        """Publish ``alert`` if the store finds it new, or if an earlier publish of it was
        dropped (Redis away): stored but never sent, it would otherwise never reach the pages,
        since every later catch-up finds it stored already."""
        key = (alert.interaction_id, alert.action)
        new = self.db is None or service.record_alert(db=self.db, alert=alert)
        with self._lock:
            unsent = key in self._unsent
        if not (new or unsent):
            return
        sent = self.bus.send(alert)
        with self._lock:
            if sent:
                self._unsent.pop(key, None)
            else:  # the bus signals the gap once Redis answers; the catch-up sends it then
                self._unsent[key] = None
                while len(self._unsent) > self.capacity:
                    self._unsent.popitem(last=False)

    def _clear(self, interaction_id: str) -> None:
        if self.db is None or service.clear_alerts(db=self.db, interaction_id=interaction_id):
            self.bus.send(SupervisorCleared(interaction_id=interaction_id))

    def catch_up(self) -> None:
        """Raise what the stored assessments call for and clear the rest (after a bus gap)."""
        if self.db is None:
            return
        with self.db.session() as session:
            alerts = current_alerts(session=session, limit=5_000)
            opened = service.open_alerts(session=session)
        for alert in alerts:
            self._raise(alert)
        for interaction_id in opened - {a.interaction_id for a in alerts}:
            self._clear(interaction_id)


class AlertLog:
    """Stores each raised alert and closes it when it clears or its interaction ends: a bus
    listener on ``supervision`` and ``events`` (an alert :class:`Supervisor` stored already is
    not stored twice)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def __call__(self, topic: str, message: BusMessage) -> None:
        parsed = parse(message)
        if isinstance(parsed, SupervisorAlerted):
            service.record_alert(db=self.db, alert=parsed)
        elif isinstance(parsed, SupervisorCleared):
            service.clear_alerts(db=self.db, interaction_id=parsed.interaction_id)
        elif isinstance(parsed, EventApplied) and isinstance(parsed.event, InteractionEnded):
            service.clear_alerts(db=self.db, interaction_id=parsed.event.interaction_id)


def current_alerts(
    *, session: Session, limit: int = 200, now: datetime | None = None
) -> list[SupervisorAlerted]:
    """Alerts on every interaction in progress with an agent, most severe first, with the
    minutes to each customer's deadline counted from ``now`` (the clock's, by default)."""
    now = now or utcnow()
    query = (
        select(Interaction.external_id, Interaction.agent_id, Interaction.assessment)
        .where(
            Interaction.state != "ended",
            Interaction.agent_id.is_not(None),
            Interaction.assessment.is_not(None),
        )
        .order_by(Interaction.mot_score.desc())
        .limit(5_000)
    )
    alerts = []
    for external_id, agent_id, assessment in session.execute(query):
        current = read_assessment(assessment)
        alert = alert_for(external_id, agent_id, current, now) if current is not None else None
        if alert is not None:
            alerts.append(alert)
    alerts.sort(key=lambda a: (-a.severity, a.interaction_id))
    return [alert_message(a) for a in alerts[:limit]]
