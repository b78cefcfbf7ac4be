"""API tokens: made at random, shown once, stored as their SHA-256, looked up by that hash.

A token is ``krs_`` and 32 random bytes (URL-safe base64): too much entropy to guess, so a plain
SHA-256 (no salt, no slow hash) is enough and lets a request find its token with one indexed
lookup. ``TokenCache`` keeps what a hash (or a page session's user id) resolved to for a few
seconds, so thousands of requests a second cost a dictionary lookup each; a revoked token, or a
deactivated user, stops working once its entry expires (``KAIROS_TOKEN_CACHE_S``).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kairos.auth import service as auth_service
from kairos.auth.models import User
from kairos.auth.schemas import Principal
from kairos.db import Database, utcnow
from kairos.errors import ClientError, Conflict, NotFound
from kairos.security.models import ApiToken
from kairos.security.schemas import Caller, TokenCreated, TokenKind, TokenOut

PREFIX = "krs_"
#: Longer than any token this module makes; a longer header is refused without a lookup.
MAX_TOKEN_LENGTH = 200


class InvalidTokenRequest(ClientError):
    """A token that cannot be created as asked."""

    status_code = 422
    code = "invalid_token"


def new_token() -> str:
    """A fresh token: ``krs_`` and 32 random bytes."""
    return PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The token's SHA-256, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    """Whether ``token`` could be one of ours (checked before any lookup)."""
    return token.startswith(PREFIX) and 20 <= len(token) <= MAX_TOKEN_LENGTH


def _out(session: Session, row: ApiToken, cls: type[TokenOut] = TokenOut, **extra: Any) -> Any:
    user = session.get(User, row.user_id) if row.user_id is not None else None
    return cls(
        name=row.name,
        kind=row.kind,
        user=user.username if user else None,
        source=(row.source or row.name) if row.kind == "source" else None,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        **extra,
    )


def get_by_name(*, session: Session, name: str) -> ApiToken | None:
    """A token by name."""
    return session.scalar(select(ApiToken).where(ApiToken.name == name))


def get_all(*, session: Session) -> list[TokenOut]:
    """Every token, by name, revoked ones too."""
    rows = session.scalars(
        select(ApiToken).where(ApiToken.kind != "session").order_by(ApiToken.name)
    )  # page sessions live in the same table (security.sessions) and are not API tokens
    return [_out(session, t) for t in rows]


def create(
    *,
    db: Database,
    name: str,
    kind: TokenKind,
    username: str | None = None,
    source: str | None = None,
) -> TokenCreated:
    """Store a new token's hash; the token itself is in the answer and nowhere else.

    A source token's ``source`` (default: its name) is what the interactions it starts are
    tagged with; a new token with the same source (a rotation) reaches the same interactions.
    """
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidTokenRequest(
            "a token needs a name of 1 to 100 characters",
            errors=[{"field": "name", "message": "1 to 100 characters"}],
        )
    if (kind == "user") != (username is not None):
        raise InvalidTokenRequest("a user token names its user; a source token names none")
    if source is not None:
        source = source.strip()
        if kind != "source" or not source or len(source) > 100:
            raise InvalidTokenRequest(
                "only a source token names a source, of 1 to 100 characters",
                errors=[{"field": "source", "message": "1 to 100 characters, source tokens"}],
            )
    token = new_token()
    with db.write_lock(), db.session() as session:
        if get_by_name(session=session, name=name) is not None:
            raise Conflict(
                f"a token named {name!r} exists already (names stay taken after revocation)",
                errors=[{"field": "name", "message": "already used"}],
            )
        user_id = None
        if username is not None:
            user = auth_service.get_by_username(session=session, username=username)
            if user is None or not user.active:
                raise NotFound(
                    f"no active user {username!r}: create it with `kairos users create`",
                    errors=[{"field": "user", "message": "unknown user"}],
                )
            user_id = user.id
        row = ApiToken(
            name=name,
            kind=kind,
            user_id=user_id,
            source=source if source != name else None,
            token_hash=hash_token(token),
            created_at=utcnow(),
        )
        session.add(row)
        session.commit()
        created: TokenCreated = _out(session, row, TokenCreated, token=token)
        return created


def revoke(*, db: Database, name: str) -> TokenOut:
    """Revoke a token by name (again: no change); it stops working within the cache's TTL."""
    with db.write_lock(), db.session() as session:
        row = get_by_name(session=session, name=name)
        if row is None:
            raise NotFound(f"no token named {name!r}")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            session.commit()
        out: TokenOut = _out(session, row)
        return out


def lookup(*, session: Session, token_hash: str) -> Caller | None:
    """Who a token acts as, or None when it is unknown, revoked, or its user inactive."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))
    if row is None or row.revoked_at is not None or row.kind == "session":
        return None
    if row.kind == "source":
        return Caller(
            name=row.name, kind="source_token", token_id=row.id, source=row.source or row.name
        )
    user = session.get(User, row.user_id) if row.user_id is not None else None
    if user is None or not user.active:
        return None
    principal = auth_service.principal(session=session, user=user)
    # The actor is the user (the audit log answers "who"); the token is known by its id.
    return Caller(name=user.username, kind="user_token", user=principal, token_id=row.id)


def touch(*, db: Database, used: Mapping[int, datetime]) -> None:
    """Record when tokens were last used (called in batches, not per request)."""
    if not used:
        return
    with db.write_lock(), db.session() as session:
        for token_id, at in used.items():
            session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at))
        session.commit()


class TokenCache:
    """What token hashes and session user ids resolved to, for ``ttl_s`` seconds.

    Unknown tokens are remembered too (as None), so a flood of bad tokens does not reach the
    database more than once per TTL each; past ``max_entries`` the cache starts over.
    """

    def __init__(self, ttl_s: float, *, max_entries: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._tokens: dict[str, tuple[float, Caller | None]] = {}
        self._users: dict[int, tuple[float, Principal | None]] = {}
        self._sessions: dict[str, tuple[float, bool]] = {}

    def token(self, token_hash: str) -> tuple[bool, Caller | None]:
        """(found, caller) for a hash."""
        entry = self._tokens.get(token_hash)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put_token(self, token_hash: str, caller: Caller | None) -> None:
        """Remember what a hash resolved to."""
        if self.ttl_s <= 0:
            return
        if len(self._tokens) >= self.max_entries:
            self._tokens.clear()
        self._tokens[token_hash] = (time.monotonic() + self.ttl_s, caller)

    def user(self, user_id: int) -> tuple[bool, Principal | None]:
        """(found, principal) for a page session's user id."""
        entry = self._users.get(user_id)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put_user(self, user_id: int, principal: Principal | None) -> None:
        """Remember what a session's user id resolved to."""
        if self.ttl_s <= 0:
            return
        if len(self._users) >= self.max_entries:
            self._users.clear()
        self._users[user_id] = (time.monotonic() + self.ttl_s, principal)

    def session(self, key: str) -> bool | None:
        """Whether a page session (by its id's hash and user) was live, None when not cached."""
        entry = self._sessions.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put_session(self, key: str, live: bool) -> None:
        """Remember whether a page session is live."""
        if self.ttl_s <= 0:
            return
        if len(self._sessions) >= self.max_entries:
            self._sessions.clear()
        self._sessions[key] = (time.monotonic() + self.ttl_s, live)

    def forget_session(self, key: str) -> None:
        """Drop a session from the cache (it was just revoked)."""
        self._sessions.pop(key, None)

    def clear(self) -> None:
        """Forget everything (tests, and after revoking in this process)."""
        self._tokens.clear()
        self._users.clear()
        self._sessions.clear()
