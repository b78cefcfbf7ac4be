"""The ``audiohook_beginnings`` table's reader and writer: how each AudioHook session id's first
``PT0S`` connection began, kept in the database so every process, and the server after a
restart, tells a client that restarted its audio clock apart from one that sends the same audio
again (``kairos.channels.audiohook_continued``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kairos.channels.models import AudioHookBeginning
from kairos.db import Database
from kairos.interactions import service as interaction_service


def get_by_session_id(*, db: Database, session_id: str) -> str | None:
    """The digest of how ``session_id``'s first ``PT0S`` connection began (None: none stored)."""
    with db.session() as session:
        return _stored(session, session_id)


def _stored(session: Session, session_id: str) -> str | None:
    return session.scalar(
        select(AudioHookBeginning.digest).where(AudioHookBeginning.session_id == session_id)
    )


def claim(*, db: Database, session_id: str, interaction_id: str, digest: str) -> str:
    """Store ``digest`` as how ``session_id``'s first ``PT0S`` connection began, unless another
    connection's is stored already: the one stored (``digest`` when the interaction is gone)."""
    try:
        with db.write_lock(), db.session() as session:
            found = _stored(session, session_id)
            if found is not None:
                return found
            interaction = interaction_service.get_by_external_id(
                session=session, interaction_id=interaction_id
            )
            if interaction is None:  # nothing of the call is stored: nothing to tell apart
                return digest
            session.add(
                AudioHookBeginning(
                    session_id=session_id, interaction_id=interaction.id, digest=digest
                )
            )
            session.commit()
            return digest
    except IntegrityError:  # another process stored its connection's first, meanwhile
        stored = get_by_session_id(db=db, session_id=session_id)
        if stored is None:
            raise
        return stored
