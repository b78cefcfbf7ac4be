"""Tables: queues and agents (routing policies and decisions build on these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from kairos.db import AwareDateTime, Base, utcnow


class Queue(Base):
    """A queue of waiting interactions with the skills it needs and its routing policy."""

    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    channel: Mapped[str | None] = mapped_column(String(20))
    required_skills: Mapped[list[Any]] = mapped_column(JSON, default=list)
    policy: Mapped[str] = mapped_column(String(20), default="fifo")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class Agent(Base):
    """A person who handles interactions."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    skills: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, doc="skill -> 1..5")
    languages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    channels: Mapped[list[Any]] = mapped_column(JSON, default=list)
    max_concurrency: Mapped[int] = mapped_column(default=1)
    empathy: Mapped[float] = mapped_column(default=0.5)
    mot_certified: Mapped[bool] = mapped_column(default=False)
    tenure_months: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(20), default="away")
    state_since: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
