"""What the agent desktop shows for one interaction, gathered from the stores in one session."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from kairos.config import get_settings
from kairos.customers import consent, fact_store
from kairos.customers import service as customer_service
from kairos.customers.consent import Preference
from kairos.customers.facts import IDENTITY_LABELS, LABELS, canonical_name
from kairos.customers.models import Customer, Fact
from kairos.detection.assessment import Assessment, Cue
from kairos.interactions import journey as journey_service
from kairos.interactions import reads as interaction_reads
from kairos.interactions import service as interaction_service
from kairos.interactions.models import Interaction
from kairos.routing import decision_log
from kairos.routing.explain import explain
from kairos.routing.models import RoutingDecision
from kairos.routing.policies import MOT_THRESHOLD
from kairos.web.templating import words

_KIND_WORDS = {
    "emotion": "Emotion",
    "urgency": "Urgency",
    "stakes": "At stake",
    "churn": "Risk of leaving",
    "complexity": "Complexity",
    "agent": "Agent's words",
    "journey": "Journey",
    "voice": "Voice",
    "model": "Model",
}


@dataclass
class TranscriptLine:
    """One line of the transcript or thread."""

    seq: int
    at: datetime
    who: str
    text: str
    kind: str
    #: When the message was last edited (its text is the edit's); None: never edited.
    edited_at: datetime | None = None


@dataclass
class FactLine:
    """One fact the customer already gave, with where it came from."""

    label: str
    value: str
    source: str
    channel: str
    verified: bool
    at: datetime


@dataclass
class EscalationSource:
    """For an escalated callback: the thread it continues and the escalating agent's note."""

    source: Interaction
    note: str | None
    by: str | None
    thread: list[TranscriptLine]


@dataclass
class InteractionView:
    """Everything the desktop (or a supervisor drilling in) shows of one interaction."""

    interaction: Interaction
    customer: Customer | None
    assessment: Assessment | None
    reasons: list[str]
    transcript: list[TranscriptLine]
    facts: list[FactLine]
    journey: list[Interaction]
    prior_moments: list[Interaction]
    stress: list[float]
    decision: RoutingDecision | None
    extras: dict[str, Any] = field(default_factory=dict)
    customer_zone: str = "UTC"
    customer_zone_from: str = "centre default UTC"
    centre_zone: str = "UTC"
    escalation: EscalationSource | None = None
    #: For an escalated thread: the call that carries it on.
    escalated_to: Interaction | None = None
    #: What proactive contact the customer agrees to (None: an anonymous contact).
    contact: Preference | None = None

    @property
    def decision_summary(self) -> str | None:
        """Why routing gave this interaction to its agent, in plain words."""
        if self.decision is None:
            return None
        return explain(
            moment_of_truth=self.decision.moment_of_truth,
            reasons=self.decision.reasons,
            inputs=self.decision.inputs,
        )

    @property
    def stress_trend(self) -> str:
        """Voice stress in words: rising, falling, steady, or no audio."""
        if not self.stress:
            return "no audio"
        if len(self.stress) < 2:
            return "steady"
        delta = self.stress[-1] - self.stress[max(0, len(self.stress) - 4)]
        return "rising" if delta > 0.05 else "falling" if delta < -0.05 else "steady"

    @property
    def stress_points(self) -> str:
        """The voice stress over the call as SVG polyline points in a 160x24 box (0 at the
        bottom), one point per assessment that carried a stress."""
        values = self.stress[-40:]
        if len(values) < 2:
            return ""
        step = 160 / (len(values) - 1)
        return " ".join(f"{i * step:.1f},{22 - 20 * v:.1f}" for i, v in enumerate(values))

    @property
    def is_moment(self) -> bool:
        """Whether the detector reads this as a moment of truth."""
        return (self.interaction.mot_score or 0.0) >= MOT_THRESHOLD


def fill_wording(line: str, view: InteractionView) -> str:
    """A playbook line with what this interaction already tells us filled in.

    ``{deadline}`` becomes the customer's deadline, ``{cause}`` and ``{expected_fix}`` come from
    the most severe matching key message; other blanks stay for the agent to fill.
    """
    known: dict[str, str] = {}
    deadline = view.assessment.deadline if view.assessment is not None else None
    if deadline is not None:
        when = deadline
        # The deadline was resolved in the customer's zone (the interaction's, else the
        # customer's known one, else the centre's) and carries its offset: say it as it stands,
        # converting only when the interaction names a zone.
        if view.interaction.timezone:
            with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
                when = when.astimezone(ZoneInfo(view.interaction.timezone))
        known["deadline"] = f"{when:%H:%M}"
    messages = view.extras.get("key_messages") or []
    if messages:
        first = messages[0]
        for name in ("cause", "expected_fix"):
            value = getattr(first, name, None)
            if value:
                known[name] = str(value)
    for name, value in known.items():
        line = line.replace("{" + name + "}", value)
    return line


def plain_reason(cue: Cue) -> str:
    """A cue of the assessment in plain words: ``At stake — family event: “recital”``."""
    kind = _KIND_WORDS.get(cue.kind, words(cue.kind).capitalize())
    line = f"{kind} — {words(cue.label)}"
    if cue.text:
        line += f": “{cue.text}”"
    elif cue.feature == cue.label and cue.value is not None:  # a count named like its cue
        line += f": {cue.value:g}"
    elif cue.feature and cue.value is not None:
        line += f" ({words(cue.feature)} {cue.value:.2f})"
    return line


def survey_line(body: dict[str, Any]) -> str:
    """A survey answer in words, scores first.

    >>> survey_line({"csat": 4, "nps": 9, "text": "Quick and kind"})
    'CSAT 4 / 5, NPS 9 / 10: “Quick and kind”'
    >>> survey_line({"text": "no scores"})
    'answered without scores: “no scores”'
    """
    scores = [f"{name} {body[key]} / {top}"
              for key, name, top in (("csat", "CSAT", 5), ("nps", "NPS", 10))
              if body.get(key) is not None]  # fmt: skip
    line = ", ".join(scores) or "answered without scores"
    return f"{line}: “{body['text']}”" if body.get("text") else line


def transcript(session: Session, interaction: Interaction) -> list[TranscriptLine]:
    """The interaction's events as lines a person reads; an edited message shows its last
    text in its own place, marked edited (the words it replaced are not shown)."""
    lines: list[TranscriptLine] = []
    said: dict[str, TranscriptLine] = {}  # utterances by event id, for their edits
    for row in interaction_service.timeline(session=session, interaction=interaction):
        body = row.payload
        edited = said.get(str(body.get("edit_of"))) if row.type == "utterance" else None
        if edited is not None:
            edited.text, edited.edited_at = str(body.get("text", "")), row.occurred_at
            continue
        if row.type == "utterance":
            who = str(body.get("speaker", ""))
            if who == "agent" and body.get("agent_id"):
                who = f"agent {body['agent_id']}"
            text = str(body.get("text", ""))
        elif row.type == "ivr.selection":
            who, text = (
                "IVR",
                f"chose {body.get('label') or body.get('option')} in {body.get('menu')}",
            )
        elif row.type == "ivr.input":
            who, text = "IVR", f"keyed {words(str(body.get('name')))}: {body.get('value')}"
        elif row.type == "transfer":
            target = body.get("to_agent") or body.get("to_queue") or "a queue"
            note = f" — {body['reason']}" if body.get("reason") else ""
            who, text = "system", f"transferred to {target}{note}"
        elif row.type == "interaction.started":
            who, text = "system", f"started on {interaction.channel}"
        elif row.type == "interaction.ended":
            who, text = "system", "ended"
        elif row.type == "survey.response":
            who, text = "survey", survey_line(body)
        elif row.type == "customer.identified":
            kinds = ", ".join(dict.fromkeys(str(i.get("kind")) for i in body.get("identities", [])))
            who, text = "system", f"customer identified by {kinds}"
        elif row.type == "audio.segment":
            continue  # its stress is the line over the call in the banner, not a transcript row
        else:
            who, text = "system", words(row.type)
        lines.append(TranscriptLine(row.seq, row.occurred_at, who, text, row.type))
        said[row.event_id] = lines[-1]
    return lines


def _identities(session: Session, customer_id: int, known: set[str]) -> list[FactLine]:
    """What the customer record already holds (the account, phone and email the platform
    named): not asked again either, unless the customer stated it (then that line stands)."""
    return [
        FactLine(
            label=LABELS.get(name) or IDENTITY_LABELS[name],
            value=identity.value,
            source=fact_store.RECORD,
            channel="",
            verified=False,
            at=identity.created_at,
        )
        for name, identity in fact_store.record_identities(session, customer_id).items()
        if name not in known
    ]


def _facts(session: Session, interaction: Interaction) -> list[FactLine]:
    if interaction.customer_id is not None:
        rows = customer_service.facts(session=session, customer_id=interaction.customer_id)
    else:
        rows = customer_service.facts_of_interaction(session=session, interaction_id=interaction.id)
    latest: dict[str, Fact] = {}
    for fact in rows:  # oldest first: the newest of each name wins
        latest[canonical_name(fact.name)] = fact
    records = (
        []
        if interaction.customer_id is None
        else _identities(session, interaction.customer_id, set(latest))
    )
    return records + [
        FactLine(
            label=LABELS.get(name, words(name)),
            value=fact.value,
            source="IVR" if fact.source == "ivr" else words(fact.source),
            channel=fact.channel,
            verified=fact.verified,
            at=fact.observed_at,
        )
        for name, fact in latest.items()
    ]


def _stress(session: Session, interaction: Interaction) -> list[float]:
    history = interaction_reads.assessment_history(session=session, interaction=interaction)
    return [a.stress for a in history if a.stress is not None]


def interaction_view(*, session: Session, interaction: Interaction) -> InteractionView:
    """Gather the desktop's view of ``interaction``."""
    assessment = interaction.current_assessment
    reasons = sorted(assessment.reasons if assessment else [], key=lambda c: -c.weight)
    journey: list[Interaction] = []
    customer = None
    if interaction.customer_id is not None:
        customer = customer_service.get(session=session, customer_id=interaction.customer_id)
        journey = [
            i
            for i in journey_service.journey(session=session, customer_id=interaction.customer_id)
            if i.id != interaction.id
        ]
    decision = decision_log.latest_for(session=session, interaction_id=interaction.id)
    settings = get_settings()
    zone = journey_service.deadline_zone(
        session=session,
        interaction=interaction,
        centre_zone=settings.centre_timezone,
        phone_region=settings.default_phone_region,
    )
    return InteractionView(
        interaction=interaction,
        customer=customer,
        assessment=assessment,
        reasons=[plain_reason(c) for c in reasons],
        transcript=transcript(session, interaction),
        facts=_facts(session, interaction),
        journey=journey,
        prior_moments=[
            i
            for i in journey
            if (i.mot_score or 0.0) >= MOT_THRESHOLD and i.started_at <= interaction.started_at
        ],
        stress=_stress(session, interaction),
        decision=decision,
        customer_zone=zone.name,
        customer_zone_from=zone.detail,
        centre_zone=settings.centre_or_default_timezone,
        escalation=_escalation(session, interaction),
        escalated_to=interaction_service.get_escalated_to(session=session, interaction=interaction),
        contact=consent.read(session, customer.id) if customer is not None else None,
    )


def _escalation(session: Session, interaction: Interaction) -> EscalationSource | None:
    source = interaction_service.get_escalated_from(session=session, interaction=interaction)
    if source is None:
        return None
    started = next(
        (r for r in interaction_service.timeline(session=session, interaction=interaction)
         if r.type == "interaction.started"),
        None,
    )  # fmt: skip
    escalation = (started.payload.get("escalation") if started is not None else None) or {}
    return EscalationSource(
        source=source,
        note=escalation.get("note"),
        by=escalation.get("by"),
        thread=[line for line in transcript(session, source) if line.kind == "utterance"],
    )


def held_interactions(*, session: Session, agent_id: str) -> list[Interaction]:
    """The interactions routing has given this agent that have not ended, newest first."""
    return interaction_reads.get_held(session=session, agent_id=agent_id)
