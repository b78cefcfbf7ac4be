"""Feedback: surveys by API, link or event; themes; actions; "you said, we did".

The only place that writes ``survey_answers``, ``feedback_themes`` and ``feedback_actions``. A
survey answer enters the interaction's event log as a ``survey.response`` event (through
ingestion) and is stored here with the detector's reading of its free text; when an action ships,
every known customer who raised its theme gets a "you said, we did" outreach item.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kairos.bus import EventBus
from kairos.bus.messages import (
    ActionCreated,
    ActionUpdated,
    OutreachYouSaidWeDid,
    SurveyRecorded,
    ThemesUpdated,
)
from kairos.db import Database, utcnow
from kairos.detection.batch import score_texts
from kairos.errors import ClientError, Conflict, NotFound
from kairos.events import SurveyResponse
from kairos.interactions import ingesting
from kairos.metrics import Registry
from kairos.outcomes import escalated, themes, you_said
from kairos.outcomes.models import FeedbackAction, FeedbackTheme, OutreachTask, SurveyAnswer
from kairos.outcomes.review import turn_sentiment
from kairos.outcomes.schemas import (
    ActionIn,
    ActionOut,
    ActionUpdate,
    SurveyIn,
    SurveyOut,
    ThemeOut,
)
from kairos.outcomes.service import get_interaction_or_raise
from kairos.services import Services

#: A free-text answer joins an existing theme when its terms overlap the theme's this much.
JOIN_OVERLAP = 0.2


class InvalidSurvey(ClientError):
    """A survey answer with nothing in it, or a link that is not one of ours."""

    status_code = 422
    code = "invalid_survey"


# -- surveys ------------------------------------------------------------------------------------


def score_text(text: str) -> dict[str, object]:
    """The detector's reading of a free-text answer: MoT score, axes, stakes, top cues."""
    assessment = score_texts([text])[0]
    return {
        "mot_score": assessment.mot_score,
        "emotion": assessment.emotion,
        "churn_risk": assessment.churn_risk,
        "stakes": list(assessment.stakes),
        "sentiment": turn_sentiment(text),
        "reasons": [
            c.model_dump(exclude_none=True, include={"kind", "label", "weight", "text"})
            for c in assessment.reasons[:5]
        ],
        "model_version": assessment.model_version,
    }


def _survey_out(answer: SurveyAnswer, interaction_id: str) -> SurveyOut:
    return SurveyOut(
        id=answer.id,
        interaction_id=interaction_id,
        source=answer.source,
        csat=answer.csat,
        nps=answer.nps,
        text=answer.text,
        score=answer.score,
        theme_id=answer.theme_id,
        received_at=answer.received_at,
    )


def _nearest_theme(session: Session, text: str, stakes: list[str]) -> int | None:
    words = themes.terms(text, stakes)
    best: tuple[float, int] | None = None
    for theme in session.scalars(select(FeedbackTheme)):
        score = themes.overlap(words, [str(k) for k in theme.keywords])
        if score >= JOIN_OVERLAP and (best is None or score > best[0]):
            best = (score, theme.id)
    return best[1] if best else None


def store_answer(
    *,
    db: Database,
    bus: EventBus,
    event: SurveyResponse,
    source: str,
) -> SurveyOut:
    """Store one survey answer (from its event), scoring its text; a repeat returns the first."""
    text = (event.text or "").strip() or None
    score = score_text(text) if text else None
    with db.write_lock(), db.session() as session:
        interaction = get_interaction_or_raise(session=session, interaction_id=event.interaction_id)
        existing = session.scalar(
            select(SurveyAnswer).where(SurveyAnswer.event_id == event.event_id)
        )
        if existing is not None:
            return _survey_out(existing, event.interaction_id)
        stakes = [str(s) for s in (score or {}).get("stakes", [])]  # type: ignore[attr-defined]
        answer = SurveyAnswer(
            interaction_id=interaction.id,
            customer_id=interaction.customer_id,
            event_id=event.event_id,
            source=source,
            csat=event.csat,
            nps=event.nps,
            text=text,
            score=score,
            theme_id=_nearest_theme(session, text, stakes) if text else None,
            received_at=utcnow(),
        )
        session.add(answer)
        if answer.theme_id is not None:
            theme = session.get(FeedbackTheme, answer.theme_id)
            if theme is not None:
                theme.size += 1
        try:
            session.commit()
        except IntegrityError:  # the same event stored by another path meanwhile
            session.rollback()
            again = session.scalar(
                select(SurveyAnswer).where(SurveyAnswer.event_id == event.event_id)
            )
            if again is None:
                raise
            return _survey_out(again, event.interaction_id)
        out = _survey_out(answer, event.interaction_id)
        ended = escalated.has_ended(session, interaction)
    bus.send(SurveyRecorded(**out.model_dump(mode="json")))
    if ended:
        from kairos.outcomes.service import review_interaction

        review_interaction(db=db, bus=bus, interaction_id=event.interaction_id)
    return out


def record_survey(
    *,
    runtime: Services,
    interaction_id: str,
    survey_in: SurveyIn,
    source: str = "api",
) -> SurveyOut:
    """A survey answer by API or link: stored, and into the event log as ``survey.response``."""
    if survey_in.csat is None and survey_in.nps is None and not survey_in.text:
        raise InvalidSurvey("a survey answer needs csat (1-5), nps (0-10) or text")
    db, bus = runtime.db, runtime.bus
    with db.session() as session:
        get_interaction_or_raise(session=session, interaction_id=interaction_id)
    body = json.dumps(survey_in.model_dump(mode="json"), sort_keys=True)
    digest = hashlib.sha256(f"{interaction_id}\x1f{body}".encode()).hexdigest()[:16]
    event_id = f"survey-{digest}"
    if source == "link":  # one answer per link: every answer by link has the same event id
        event_id = "survey-link-" + hashlib.sha256(interaction_id.encode()).hexdigest()[:24]
        with db.session() as session:
            if session.scalar(select(SurveyAnswer.id).where(SurveyAnswer.event_id == event_id)):
                raise Conflict("this survey link has been answered already; thank you")
    event = SurveyResponse(
        event_id=event_id,
        interaction_id=interaction_id,
        occurred_at=utcnow(),
        csat=survey_in.csat,
        nps=survey_in.nps,
        text=survey_in.text or None,
    )
    # Stored first, so the answer keeps its source when the event comes back on the bus.
    out = store_answer(db=db, bus=bus, event=event, source=source)
    ingesting.ingest(runtime, [event])
    return out


def get_surveys(*, session: Session, interaction_id: str) -> list[SurveyOut]:
    """An interaction's survey answers, oldest first."""
    interaction = get_interaction_or_raise(session=session, interaction_id=interaction_id)
    rows = session.scalars(
        select(SurveyAnswer)
        .where(SurveyAnswer.interaction_id == interaction.id)
        .order_by(SurveyAnswer.id)
    ).all()
    return [_survey_out(r, interaction_id) for r in rows]


# -- themes -------------------------------------------------------------------------------------


def _theme_out(session: Session, theme: FeedbackTheme) -> ThemeOut:
    sentiments = [
        float(s["sentiment"])
        for s in session.scalars(
            select(SurveyAnswer.score).where(SurveyAnswer.theme_id == theme.id)
        )
        if s and s.get("sentiment") is not None
    ]
    actions = session.scalars(
        select(FeedbackAction)
        .where(FeedbackAction.theme_id == theme.id)
        .order_by(FeedbackAction.id)
    ).all()
    return ThemeOut(
        id=theme.id,
        label=theme.label,
        keywords=[str(k) for k in theme.keywords],
        size=theme.size,
        negative_share=(
            round(sum(s < -0.2 for s in sentiments) / len(sentiments), 4) if sentiments else None
        ),
        actions=[_action_out(session, a) for a in actions],
    )


def get_all_themes(*, session: Session) -> list[ThemeOut]:
    """Every theme, largest first."""
    rows = session.scalars(
        select(FeedbackTheme).order_by(FeedbackTheme.size.desc(), FeedbackTheme.id)
    )
    return [_theme_out(session, t) for t in rows]


def rebuild_themes(*, db: Database, bus: EventBus) -> list[ThemeOut]:
    """Group the free-text answers not yet in a theme; a group like a theme joins it.

    Themes are never re-cut, so the actions attached to them stay attached.
    """
    with db.write_lock(), db.session() as session:
        loose = session.scalars(
            select(SurveyAnswer)
            .where(SurveyAnswer.theme_id.is_(None), SurveyAnswer.text.is_not(None))
            .order_by(SurveyAnswer.id)
        ).all()
        existing = list(session.scalars(select(FeedbackTheme)))
        groups = themes.group(
            [a.text or "" for a in loose],
            [[str(s) for s in (a.score or {}).get("stakes", [])] for a in loose],
        )
        for g in groups:
            match = max(
                existing,
                key=lambda t: themes.overlap(g.keywords, [str(k) for k in t.keywords]),
                default=None,
            )
            if match is None or themes.overlap(g.keywords, [str(k) for k in match.keywords]) < 0.34:
                match = FeedbackTheme(label=g.label, keywords=list(g.keywords), size=0)
                session.add(match)
                session.flush()
                existing.append(match)
            for index in g.members:
                loose[index].theme_id = match.id
            match.size += len(g.members)
        session.commit()
        out = get_all_themes(session=session)
    bus.send(ThemesUpdated(themes=len(out)))
    return out


# -- actions ------------------------------------------------------------------------------------


def _action_out(session: Session, action: FeedbackAction) -> ActionOut:
    told = session.scalar(
        select(func.count())
        .select_from(OutreachTask)
        .where(OutreachTask.action_id == action.id, OutreachTask.status != "suppressed")
    )
    return ActionOut(
        id=action.id,
        theme_id=action.theme_id,
        title=action.title,
        owner=action.owner,
        status=action.status,
        note=action.note,
        created_at=action.created_at,
        updated_at=action.updated_at,
        shipped_at=action.shipped_at,
        customers_told=told or 0,
    )


def get_all_actions(*, session: Session) -> list[ActionOut]:
    """Every action, newest first."""
    rows = session.scalars(select(FeedbackAction).order_by(FeedbackAction.id.desc()))
    return [_action_out(session, a) for a in rows]


def create_action(*, db: Database, bus: EventBus, action_in: ActionIn) -> ActionOut:
    """A new action answering a theme, open."""
    with db.write_lock(), db.session() as session:
        if session.get(FeedbackTheme, action_in.theme_id) is None:
            raise NotFound(f"no theme {action_in.theme_id}")
        now = utcnow()
        action = FeedbackAction(
            theme_id=action_in.theme_id,
            title=action_in.title,
            owner=action_in.owner,
            note=action_in.note,
            status="open",
            created_at=now,
            updated_at=now,
        )
        session.add(action)
        session.commit()
        out = _action_out(session, action)
    bus.send(ActionCreated(**out.model_dump(mode="json")))
    return out


def update_action(
    *,
    db: Database,
    bus: EventBus,
    action_id: int,
    action_update: ActionUpdate,
    metrics: Registry | None = None,
) -> ActionOut:
    """Change an action; when it ships, tell every known customer who raised its theme (but
    those who opted out of proactive contact: theirs is kept ``suppressed``)."""
    told: list[int] = []
    with db.write_lock(), db.session() as session:
        action = session.get(FeedbackAction, action_id)
        if action is None:
            raise NotFound(f"no action {action_id}")
        now = utcnow()
        shipping = action_update.status == "shipped" and action.status != "shipped"
        for field in ("status", "owner", "note"):
            value = getattr(action_update, field)
            if value is not None:
                setattr(action, field, value)
        action.updated_at = now
        if shipping:
            action.shipped_at = now
            theme = session.get(FeedbackTheme, action.theme_id)
            told, held = you_said.tell_customers(session, action, theme.label if theme else "", now)
            for reason in held:
                if metrics is not None:
                    metrics.outreach_suppressed.inc(kind="you_said", reason=reason)
        session.commit()
        out = _action_out(session, action)
    bus.send(ActionUpdated(**out.model_dump(mode="json")))
    if told:
        bus.send(OutreachYouSaidWeDid(action_id=action_id, customer_ids=told))
    return out
