"""Server-side page sessions: a sign-in is a row, a sign-out revokes it.

The signed cookie holds the user's id and a random session id; the ``api_tokens`` table holds the
session id's SHA-256 as a token of kind ``session`` (never usable as a bearer token). Every
request with a cookie is checked against that row (cached for ``token_cache_s``, and dropped
from the cache at once by a sign-out in the same process), so a copied cookie stops working when
its user signs out, is deactivated, or the session outlives ``session_max_age_s``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from kairos.db import Database, utcnow
from kairos.security.models import ApiToken
from kairos.security.tokens import hash_token

#: Where the session id sits in the signed cookie.
SESSION_ID = "sid"
KIND = "session"


def start(*, db: Database, user_id: int) -> str:
    """A new session for the user: its id (for the cookie); only its hash is stored."""
    session_id = secrets.token_urlsafe(32)
    with db.write_lock(), db.session() as session:
        session.add(
            ApiToken(
                name=f"session:{user_id}:{secrets.token_hex(8)}",
                kind=KIND,
                user_id=user_id,
                token_hash=hash_token(session_id),
                created_at=utcnow(),
            )
        )
        session.commit()
    return session_id


def end(*, db: Database, session_id: str) -> None:
    """Revoke a session (a sign-out); an unknown id changes nothing."""
    with db.write_lock(), db.session() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(session_id)))
        if row is not None and row.kind == KIND and row.revoked_at is None:
            row.revoked_at = utcnow()
            session.commit()


def live(*, db: Database, session_id: str, user_id: int, max_age_s: float) -> bool:
    """Whether the session exists for this user, is not revoked and is not too old."""
    with db.session() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(session_id)))
        return (
            row is not None
            and row.kind == KIND
            and row.user_id == user_id
            and row.revoked_at is None
            and row.created_at >= utcnow() - timedelta(seconds=max_age_s)
        )
