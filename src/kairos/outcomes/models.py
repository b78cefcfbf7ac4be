"""Tables: wrap-ups, the review of each ended interaction, surveys, themes, actions, outreach."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kairos.db import AwareDateTime, Base, utcnow


class WrapUp(Base):
    """What the agent recorded when the contact was over: resolved, confirmed, a note."""

    __tablename__ = "wrap_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), unique=True
    )
    resolved: Mapped[bool]
    confirmed_by_customer: Mapped[bool]
    note: Mapped[str | None] = mapped_column(String(2000))
    agent_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class InteractionReview(Base):
    """The automatic quality review of one ended interaction, with its evidence.

    Re-run on new information (a wrap-up, a survey, a recontact); one row per interaction.
    """

    __tablename__ = "interaction_reviews"
    __table_args__ = (Index("ix_interaction_reviews_status_started", "status", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), unique=True
    )
    customer_id: Mapped[int | None] = mapped_column(index=True)
    agent_id: Mapped[str | None] = mapped_column(String(200), index=True)
    started_at: Mapped[datetime] = mapped_column(AwareDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    handle_seconds: Mapped[float | None]
    resolved: Mapped[bool | None]
    confirmed_by_customer: Mapped[bool | None]
    sentiment_start: Mapped[float | None]
    sentiment_end: Mapped[float | None]
    recovery: Mapped[float | None]
    recontact: Mapped[bool] = mapped_column(default=False)
    recontact_interaction_id: Mapped[str | None] = mapped_column(String(200))
    csat: Mapped[int | None]
    nps: Mapped[int | None]
    live_score: Mapped[float | None]
    hindsight_score: Mapped[float]
    mot_live: Mapped[bool] = mapped_column(default=False)
    mot_hindsight: Mapped[bool] = mapped_column(default=False)
    handled_as_routine: Mapped[bool] = mapped_column(default=True)
    ended_well: Mapped[bool | None]
    status: Mapped[str] = mapped_column(String(20), doc="won, lost, missed or routine")
    missed: Mapped[bool] = mapped_column(default=False, index=True)
    cube: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(200))
    stakes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    customer_value: Mapped[float | None]
    reask_count: Mapped[int] = mapped_column(default=0)
    behaviours: Mapped[list[Any]] = mapped_column(JSON, default=list)
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    model_version: Mapped[str] = mapped_column(String(100))
    reviewed_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class FeedbackTheme(Base):
    """A group of feedback items about the same thing, found from their words and stakes."""

    __tablename__ = "feedback_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[list[Any]] = mapped_column(JSON, default=list)
    size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class SurveyAnswer(Base):
    """A post-contact survey answer tied to its interaction, its free text scored."""

    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(index=True)
    event_id: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(20), doc="api, link or event")
    csat: Mapped[int | None]
    nps: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(String(5000))
    score: Mapped[dict[str, Any] | None] = mapped_column(JSON, doc="the detector on the text")
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_themes.id", ondelete="SET NULL"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class FeedbackAction(Base):
    """A change promised in answer to a theme, with an owner and a status."""

    __tablename__ = "feedback_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("feedback_themes.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    shipped_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class OutreachRule(Base):
    """When to reach out, to whom, through which queue and how soon: data a supervisor edits."""

    __tablename__ = "outreach_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    trigger: Mapped[str] = mapped_column(String(40), doc="moment_lost, churn_risk, key_message")
    kind: Mapped[str] = mapped_column(String(20), doc="follow_up, check_in, notice")
    threshold: Mapped[float | None]
    queue: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20), default="call")
    due_within_minutes: Mapped[int] = mapped_column(default=240)
    certified_only: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class OutreachTask(Base):
    """One contact Kairos starts toward a customer, and the rule (or action) that made it."""

    __tablename__ = "outreach_tasks"
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_outreach_tasks_dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), doc="follow_up, check_in, notice, you_said")
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("outreach_rules.id", ondelete="SET NULL"), index=True
    )
    rule_name: Mapped[str | None] = mapped_column(String(100))
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_actions.id", ondelete="SET NULL"), index=True
    )
    key_message_id: Mapped[int | None]
    customer_id: Mapped[int | None] = mapped_column(index=True)
    source_interaction_id: Mapped[str | None] = mapped_column(String(200))
    task_interaction_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    queue: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(
        String(20), default="queued", doc="queued, sending, done or suppressed (opted out)"
    )
    result: Mapped[str | None] = mapped_column(
        String(20), doc="won, resolved, not_resolved, withdrawn, sent_email, opted_out, ..."
    )
    due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class MomentVerdict(Base):
    """A person's verdict on the flag: was this contact a moment of truth or not.

    Never updated: a second verdict on the same contact is a new row and the latest counts, so
    every verdict stays on record (who, when, and the score the contact had at the time).
    """

    __tablename__ = "moment_verdicts"
    __table_args__ = (Index("ix_moment_verdicts_interaction", "interaction_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"))
    verdict: Mapped[str] = mapped_column(String(20), doc="moment or not_moment")
    flagged: Mapped[bool] = mapped_column(doc="the contact's MoT score was at the flag then")
    mot_score: Mapped[float | None] = mapped_column(doc="the contact's MoT score then")
    mot_logit: Mapped[float | None] = mapped_column(doc="its log odds before the centre's prior")
    alert_id: Mapped[int | None] = mapped_column(doc="the supervisor alert it answers, if any")
    given_by: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), doc="supervisor, agent or api")
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, index=True)
