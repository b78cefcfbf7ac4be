"""Tables: key messages and their targets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kairos.db import AwareDateTime, Base, utcnow


class KeyMessage(Base):
    """A supervisor's notice about a service failure or incident, with whom it is for.

    Each target list (queues, reasons, regions) left empty means everyone on that dimension. A
    message is active from ``created_at`` until ``expires_at`` or until expired by hand
    (``expired_at``), whichever comes first.
    """

    __tablename__ = "key_messages"
    __table_args__ = (Index("ix_key_messages_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    cause: Mapped[str | None] = mapped_column(Text)
    expected_fix: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(20))
    queues: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    regions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime())
    expired_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), doc="expired by hand")
    expired_by: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
