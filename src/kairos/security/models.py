"""Tables: API tokens (only their SHA-256 is stored) and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kairos.db import AwareDateTime, Base, utcnow


class ApiToken(Base):
    """A bearer token for the JSON API: an event source's, or one acting as a user."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(10), doc="source or user")
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, doc="the user a user token acts as"
    )
    source: Mapped[str | None] = mapped_column(
        String(100), doc="a source token's event source (None: its name); rotations share it"
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, doc="SHA-256, hex")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(
        AwareDateTime(), doc="updated lazily, within a minute of use"
    )
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class AuditEntry(Base):
    """Who read or changed what, and how it was answered."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_actor_at", "actor", "at"),
        Index("ix_audit_log_resource", "resource_kind", "resource_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(100), doc="user name, token name or anonymous")
    actor_kind: Mapped[str] = mapped_column(
        String(20), doc="user_token, source_token, session or anonymous"
    )
    action: Mapped[str] = mapped_column(String(10), doc="read or change")
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    resource_kind: Mapped[str | None] = mapped_column(String(30))
    resource_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[int]
    client: Mapped[str | None] = mapped_column(String(100), doc="the client's address")
