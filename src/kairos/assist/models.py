"""Tables: playbooks, one per kind of moment of truth, editable by supervisors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kairos.db import AwareDateTime, Base, utcnow


class Playbook(Base):
    """What an agent may do, without asking, for one kind of moment of truth."""

    __tablename__ = "playbooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True, doc="a stable name, e.g. travel")
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    stakes: Mapped[list[Any]] = mapped_column(JSON, default=list, doc="situations it applies to")
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list, doc="contact-reason phrases")
    cube: Mapped[str | None] = mapped_column(String(64), doc="e.g. 'urgency:high', or any cell")
    actions: Mapped[list[Any]] = mapped_column(JSON, default=list, doc="[{action, limit}, ...]")
    steps: Mapped[list[Any]] = mapped_column(JSON, default=list)
    wording: Mapped[list[Any]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)
    updated_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class PlaybookRevision(Base):
    """One saved version of a playbook: what it said, who saved it and when (the audit trail)."""

    __tablename__ = "playbook_revisions"
    __table_args__ = (UniqueConstraint("playbook_id", "version", name="uq_playbook_revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    playbook_id: Mapped[int] = mapped_column(ForeignKey("playbooks.id", ondelete="CASCADE"))
    version: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(JSON, doc="the editable fields as saved")
    updated_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
