"""Tables of the channel adapters: how each AudioHook session id's first connection began."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kairos.db import AwareDateTime, Base, utcnow


class AudioHookBeginning(Base):
    """How the first AudioHook connection under a session id that opened at ``PT0S`` began: a
    digest of its customer audio up to its first segment.

    A later ``PT0S`` connection under the id, in any process or after a restart, is a resend when
    its audio began the same way and a stream of its own when not
    (``kairos.channels.audiohook_continued``). It goes with its interaction's segments: an
    erasure deletes it, and so does the retention purge of the contact's events.
    """

    __tablename__ = "audiohook_beginnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(36), unique=True, doc="the AudioHook session id")
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(
        String(16), doc="16 hex digits of SHA-256 over the customer audio up to the first segment"
    )
    began_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
