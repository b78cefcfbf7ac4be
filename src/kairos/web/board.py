"""What the supervisor wallboard shows: queues, moments of truth in progress, alerts, agents."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.auth.schemas import Principal
from kairos.config import get_settings
from kairos.db import utcnow
from kairos.interactions import reads as interaction_reads
from kairos.interactions import same_customer
from kairos.interactions.models import Interaction
from kairos.outcomes import verdicts
from kairos.routing import decisions as routing_decisions
from kairos.routing import service as routing_service
from kairos.routing import supervision
from kairos.routing.models import Agent
from kairos.routing.policies import MOT_THRESHOLD
from kairos.web.alert_words import DeadlinePart, alert_parts, since_deadline
from kairos.web.desktop import plain_reason
from kairos.web.templating import DEADLINE_ALERT_MINUTES

_WAITING_LIMIT = 5_000
#: The wallboard lists this many moments of truth and alerts, the most urgent first, and says
#: of how many (a busy floor has hundreds; the list must fit its card, the count stay true).
SHOWN = 50
#: Moments of truth read for the count and the alerts; past it the count says "at least".
MOMENTS_READ = 500


@dataclass
class QueueLine:
    """One queue's waiting contacts."""

    name: str
    waiting: int = 0
    moments: int = 0
    longest_wait_s: float = 0.0
    #: Agents signed in (not away) with the queue's channel and skills: 0 is a queue nobody
    #: will take; None, a queue the centre does not have.
    staffed: int | None = None


@dataclass
class AgentLine:
    """One agent: state, since when, and how many interactions it holds."""

    agent_id: str
    name: str
    state: str
    since: datetime
    load: int
    max_concurrency: int
    mot_certified: bool


@dataclass
class Unqueued:
    """A contact in progress that no queue holds and no agent has, and why, as far as known."""

    interaction_id: str
    channel: str
    moment: bool
    since: datetime
    reason: str


#: Where a contact is while the platform has named no queue for it, by channel.
_WHERE = {
    "call": "in the IVR",
    "chat": "with the bot or self-service",
    "sms": "in self-service",
    "social": "in the social inbox",
    "email": "in the mailbox",
}


def unqueued_reason(interaction: Interaction) -> str:
    """Why a contact in progress has no queue, from what the data holds.

    The reason the queue mapping stored (``queue_note``) wins; otherwise it is where the
    channel keeps a contact before the platform names its queue (a transfer, or the start's
    ``queue``).
    """
    if interaction.queue_note:
        return interaction.queue_note
    if interaction.queue is not None:
        return (
            f"waits in queue {interaction.queue!r}, which is not one of this centre's queues: "
            "routing offers it to no agent until the queue is created or it is transferred"
        )
    where = _WHERE.get(interaction.channel, "with the platform")
    return (
        f"{where}: the platform has named no queue yet (none at the start, no transfer), "
        "so routing cannot offer it"
    )


def _unqueued(session: Session, principal: Principal) -> list[Unqueued]:
    queues = [q.name for q in routing_service.get_all_queues(session=session)]
    rows = interaction_reads.get_unqueued(session=session, limit=200, queues=queues)
    return [
        Unqueued(
            interaction_id=i.external_id,
            channel=i.channel,
            moment=(i.mot_score or 0.0) >= MOT_THRESHOLD,
            since=i.started_at,
            reason=unqueued_reason(i),
        )
        for i in rows
        if principal.supervises
    ]


@dataclass
class Wallboard:
    """The wallboard's figures at one moment."""

    now: datetime
    queues: list[QueueLine]
    by_cube: dict[str, int]
    by_channel: dict[str, int]
    moments: list[Interaction]
    alerts: list[dict[str, Any]]
    agents: list[AgentLine]
    states: dict[str, int]
    extras: dict[str, Any] = field(default_factory=dict)
    moments_total: int = 0
    alerts_total: int = 0
    why: dict[str, str] = field(default_factory=dict)
    unqueued: list[Unqueued] = field(default_factory=list)
    #: For a listed contact, its customer's other contacts in words (the same person elsewhere).
    same_customer: dict[str, list[str]] = field(default_factory=dict)

    @property
    def waiting(self) -> int:
        """Contacts waiting in every queue."""
        return sum(q.waiting for q in self.queues)

    @property
    def unqueued_why(self) -> dict[str, str]:
        """Why each contact in progress without a queue has none, by interaction id."""
        return {u.interaction_id: u.reason for u in self.unqueued}

    @property
    def longest_wait_s(self) -> float:
        """The longest wait now, in seconds."""
        return max((q.longest_wait_s for q in self.queues), default=0.0)


def _waiting(session: Session) -> list[Interaction]:
    return interaction_reads.get_waiting(
        session=session, states=routing_decisions.WAITING_STATES, limit=_WAITING_LIMIT
    )


def _moments(session: Session, principal: Principal) -> list[Interaction]:
    return [
        i
        for i in interaction_reads.get_moments_in_progress(
            session=session, threshold=MOT_THRESHOLD, limit=MOMENTS_READ
        )
        if principal.sees_agent(i.agent_id)
    ]


def _staff(session: Session, lines: dict[str, QueueLine], agents: Sequence[Agent]) -> None:
    """How many signed-in agents could take each queue's contacts (every team's agents)."""
    queues = {q.name: q for q in routing_service.get_all_queues(session=session)}
    present = [a for a in agents if a.state != "away"]
    for line in lines.values():
        queue = queues.get(line.name)
        if queue is None:
            continue
        line.staffed = sum(
            1
            for a in present
            if (not a.channels or queue.channel is None or queue.channel in a.channels)
            and all(skill in (a.skills or {}) for skill in queue.required_skills or [])
        )


def _agents(session: Session, principal: Principal, agents: Sequence[Agent]) -> list[AgentLine]:
    visible: list[Agent] = [a for a in agents if principal.sees_agent(a.external_id)]
    loads = routing_service.loads(session=session, agent_ids=[a.id for a in visible])
    return [
        AgentLine(
            agent_id=a.external_id,
            name=a.name,
            state=a.state,
            since=a.state_since,
            load=loads.get(a.id, 0),
            max_concurrency=a.max_concurrency,
            mot_certified=a.mot_certified,
        )
        for a in visible
    ]


def strongest_cue(interaction: Interaction) -> str | None:
    """The customer's strongest cue in plain words, for a moment of truth with no stakes.

    A score of 96% with no stakes and no deadline says nothing on its own; the words that raised
    it (``Risk of leaving — mistreated: “hung up on me”``) do. The models' whole-sentence cues and
    the agent's words come last.
    """
    assessment = interaction.current_assessment
    cues = [c for c in (assessment.reasons if assessment else []) if c.weight > 0]
    cues.sort(key=lambda c: (c.kind in ("model", "agent"), -c.weight))
    return plain_reason(cues[0]) if cues else None


def _why(moments: list[Interaction]) -> dict[str, str]:
    found = {}
    for interaction in moments:
        assessment = interaction.current_assessment
        line = None if assessment is None or assessment.stakes else strongest_cue(interaction)
        if line is not None:
            found[interaction.external_id] = line
    return found


def _derived_alerts(
    moments: list[Interaction], now: datetime, listed: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Alerts the wallboard adds: a moment of truth waiting, a deadline about to pass.

    One alert per contact: a near deadline joins the contact's alert already ``listed`` (or its
    ROUTE alert) rather than standing beside it as another, and a contact with no agent is
    routed, not assisted.
    """
    by_id = {str(a["interaction_id"]): a for a in listed}
    alerts: list[dict[str, Any]] = []
    for interaction in moments:
        iid, assessment = interaction.external_id, interaction.current_assessment
        if interaction.agent_id is None and interaction.queue is not None and iid not in by_id:
            by_id[iid] = {
                "type": "moment.waiting", "interaction_id": iid, "agent_id": None,
                "action": "route", "severity": float(interaction.mot_score or 0.0),
                "parts": ["a moment of truth is waiting for an agent"],
            }  # fmt: skip
            alerts.append(by_id[iid])
        deadline = assessment.deadline if assessment is not None else None
        minutes = (deadline - now).total_seconds() / 60 if deadline is not None else -1.0
        if deadline is None or not 0 <= minutes <= DEADLINE_ALERT_MINUTES:
            continue
        severity = 1.0 - minutes / (2 * DEADLINE_ALERT_MINUTES)
        part = DeadlinePart("the customer's deadline:", deadline, since_deadline(deadline, now))
        alert = by_id.get(iid)
        if alert is None:
            by_id[iid] = {
                "type": "deadline.near", "interaction_id": iid, "agent_id": interaction.agent_id,
                "action": "assist" if interaction.agent_id else "route", "severity": severity,
                "parts": [part],
            }  # fmt: skip
            alerts.append(by_id[iid])
            continue
        if not any(isinstance(p, DeadlinePart) for p in alert["parts"]):
            alert["parts"] = [*alert["parts"], part]
        alert["severity"] = max(float(alert.get("severity") or 0.0), severity)
    return alerts


def _deadlines(session: Session, interaction_ids: list[str]) -> dict[str, datetime]:
    """The customer's deadline of each of these interactions, as last assessed."""
    found: dict[str, datetime] = {}
    if not interaction_ids:
        return found
    rows = session.scalars(select(Interaction).where(Interaction.external_id.in_(interaction_ids)))
    for row in rows:
        assessment = row.current_assessment
        if assessment is not None and assessment.deadline is not None:
            found[row.external_id] = assessment.deadline
    return found


def _same_customer(
    session: Session, principal: Principal, listed: list[str], now: datetime
) -> dict[str, list[str]]:
    """Each listed contact's customer's other contacts that ``principal`` may see, in words."""
    found = same_customer.others(session=session, interaction_ids=set(listed), now=now)
    words = {
        i: [o.words(now) for o in others if principal.sees_agent(o.agent_id)]
        for i, others in found.items()
    }
    return {i: w for i, w in words.items() if w}


def wallboard(*, session: Session, principal: Principal, now: datetime | None = None) -> Wallboard:
    """The wallboard as ``principal`` may see it (a supervisor: their teams, and the queues)."""
    now = now or utcnow()
    queues: dict[str, QueueLine] = {}
    by_cube: Counter[str] = Counter()
    by_channel: Counter[str] = Counter()
    for interaction in _waiting(session):
        line = queues.setdefault(interaction.queue or "", QueueLine(interaction.queue or ""))
        line.waiting += 1
        line.moments += (interaction.mot_score or 0.0) >= MOT_THRESHOLD
        line.longest_wait_s = max(
            line.longest_wait_s, (now - interaction.started_at).total_seconds()
        )
        by_cube[interaction.cube or "not assessed yet"] += 1
        by_channel[interaction.channel] += 1
    moments = _moments(session, principal)
    raised = [
        a for a in supervision.current_alerts(session=session) if principal.sees_agent(a.agent_id)
    ]
    deadlines = _deadlines(session, [a.interaction_id for a in raised])
    zone = get_settings().centre_or_default_timezone
    alerts = [
        {**a.wire(),
         "parts": alert_parts(a.reasons, deadlines.get(a.interaction_id), now, zone)}
        for a in raised
    ]  # fmt: skip
    ids = [str(a["interaction_id"]) for a in alerts]
    stored = routing_service.open_alert_ids(session=session, interaction_ids=ids)
    said = verdicts.latest_by_interaction(session=session, interaction_ids=ids)
    for alert in alerts:
        alert["log"] = stored.get(str(alert["interaction_id"]))
        alert["verdict"] = said.get(str(alert["interaction_id"]))
    alerts += _derived_alerts(moments, now, alerts)
    alerts.sort(key=lambda a: -float(a.get("severity") or 0.0))
    _, every_agent = routing_service.get_all_agents(session=session, limit=5_000)
    _staff(session, queues, every_agent)
    agents = _agents(session, principal, every_agent)
    unqueued = _unqueued(session, principal)
    listed = [i.external_id for i in moments[:SHOWN]] + [u.interaction_id for u in unqueued]
    listed += [str(a["interaction_id"]) for a in alerts[:SHOWN]]
    return Wallboard(
        now=now,
        queues=sorted(queues.values(), key=lambda q: (-q.waiting, q.name)),
        by_cube=dict(by_cube.most_common()),
        by_channel=dict(by_channel.most_common()),
        moments=moments[:SHOWN],
        moments_total=len(moments),
        why=_why(moments[:SHOWN]),
        alerts=alerts[:SHOWN],
        alerts_total=len(alerts),
        agents=agents,
        states=dict(Counter(a.state for a in agents)),
        unqueued=unqueued,
        same_customer=_same_customer(session, principal, listed, now),
    )
