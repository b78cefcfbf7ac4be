"""The security middleware's smaller checks and helpers: live page sessions, CSRF on API writes
made with a page session, the headers every page answer carries, who is calling from where."""

from __future__ import annotations

import hmac
import re
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.types import Message, Scope, Send

from kairos.access import Actor
from kairos.auth.csrf import SESSION_KEY
from kairos.auth.deps import SESSION_USER
from kairos.auth.schemas import Principal
from kairos.config import Settings
from kairos.db import Database
from kairos.security import policy, scoping, sessions, tokens
from kairos.security.schemas import Caller
from kairos.security.tokens import TokenCache, hash_token
from kairos.services import Services

#: What pages may load: only this site's scripts, no frames around them, nothing cached.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", PAGE_CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
#: The survey page carries its own small script: no frames, nothing cached.
SURVEY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def with_headers(message: Message, extra: list[tuple[bytes, bytes]]) -> Message:
    """A response start with ``extra`` headers, replacing any of the same name."""
    names = {name for name, _ in extra}
    kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
    return {**message, "headers": kept + extra}


def session_key(session_id: str, user_id: int) -> str:
    """The cache key of a page session."""
    return f"{user_id}:{hash_token(session_id)}"


async def check_session(scope: Scope, runtime: Services, cache: TokenCache) -> None:
    """Empty the request's session when its server-side row is gone, revoked or too old.

    Runs inside the session middleware: the emptied session is what the pages and the API see
    (no one signed in), and what goes back to the browser.
    """
    session = scope.get("session")
    if not isinstance(session, dict) or SESSION_USER not in session:
        return
    user_id, session_id = session.get(SESSION_USER), session.get(sessions.SESSION_ID)
    if not isinstance(user_id, int) or not isinstance(session_id, str) or not session_id:
        session.clear()  # a cookie from before server-side sessions, or a forged shape
        return
    key = session_key(session_id, user_id)
    live = cache.session(key)
    if live is None:
        max_age = runtime.settings.session_max_age_s
        live = await run_in_threadpool(
            lambda: sessions.live(
                db=runtime.db, session_id=session_id, user_id=user_id, max_age_s=max_age
            )
        )
        cache.put_session(key, live)
    if not live:
        session.clear()


def csrf_refusal(scope: Scope, method: str) -> str | None:
    """Why an API write made with a page session is refused, or None when it may go on.

    A browser's session cookie goes with any request a page on another site makes; only a
    request that carries the session's CSRF token in ``X-CSRF-Token`` and a JSON body (which a
    plain form or ``text/plain`` cannot send cross-site without a preflight) is the page's own.
    """
    if method not in _WRITES:
        return None
    headers = dict(scope.get("headers") or ())
    content_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip()
    has_body = headers.get(b"content-length", b"0") not in (b"0", b"") or (
        b"transfer-encoding" in headers
    )
    if has_body and content_type.lower() != "application/json":
        return "an API write with a page session must send JSON (content-type application/json)"
    session = scope.get("session")
    expected = session.get(SESSION_KEY) if isinstance(session, dict) else None
    sent = headers.get(b"x-csrf-token", b"").decode("latin-1")
    if not (isinstance(expected, str) and expected and sent) or not hmac.compare_digest(
        expected.encode(), sent.encode()
    ):
        return "an API write with a page session needs the session's CSRF token in X-CSRF-Token"
    return None


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None


#: Amazon Data Firehose's HTTP endpoint delivery of Contact Lens records.
FIREHOSE_PATH = "/v1/channels/contact-lens/firehose"


def bearer(scope: Scope, *, allow_query: bool) -> str | None:
    """The bearer token a request carries (a WebSocket may carry it in ``?token=``, a Firehose
    delivery in ``X-Amz-Firehose-Access-Key``)."""
    authorization = header(scope, b"authorization")
    if authorization is not None:
        kind, _, credentials = authorization.partition(" ")
        if kind.lower() == "bearer":
            return str(credentials).strip()
        return (
            authorization.strip()
        )  # "Authorization: Basic ..." is no token of ours: refused below
    if scope.get("path") == FIREHOSE_PATH:
        # Firehose sends the access key configured on its stream, in a header of its own.
        key = header(scope, b"x-amz-firehose-access-key")
        if key:
            return key.strip()
    if allow_query and scope.get("query_string"):
        values = parse_qs(scope["query_string"].decode("latin-1")).get("token")
        if values:
            return str(values[0])
    return None


def adding(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    """``send``, with ``headers`` on the response start (CSP, frame refusal, no-store)."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = with_headers(message, headers)
        await send(message)

    return sending


def client(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


def lookup_token(db: Database, token_hash: str) -> Caller | None:
    with db.session() as session:
        return tokens.lookup(session=session, token_hash=token_hash)


def owns(db: Database, principal: Principal, verdict: policy.Verdict) -> bool:
    with db.session() as session:
        if verdict.interaction_id is not None:
            return scoping.may_open_interaction(
                session=session, principal=principal, interaction_id=verdict.interaction_id
            )
        if verdict.customer_id is not None:
            if verdict.customer_id >= 2**63:  # no such id: the database's integers end there
                return False
            return principal.agent_id is not None and scoping.may_open_customer(
                session=session, agent_id=principal.agent_id, customer_id=verdict.customer_id
            )
    return True


def actor(caller: Caller) -> Actor:
    """Who the views are told made the request (a source token's source included)."""
    return Actor(
        name=caller.name,
        supervises=caller.supervises,
        user=caller.user is not None,
        source=caller.source,
        admin=caller.is_admin,
    )


_INTERACTION_PATH = re.compile(r"^/v1/interactions/(?P<interaction>[^/]+)/")
#: The refusal names neither the other source nor anything of its interaction.
OTHER_SOURCE = (
    "this interaction was started by another event source; an event source's token may only "
    "send to and read the interactions its own source started"
)


async def source_refusal(db: Database, caller: Caller, path: str) -> str | None:
    """Why a source token may not reach the interaction the path names, or None when it may."""
    if not caller.is_source:
        return None
    match = _INTERACTION_PATH.match(path)
    if match is None:
        return None
    owner = await run_in_threadpool(scoping.interaction_source, db, match.group("interaction"))
    return OTHER_SOURCE if owner is not None and owner != caller.source else None


def signed_webhook(scope: Scope, path: str, settings: Settings) -> bool:
    """A Twilio SMS webhook or a Genesys AudioHook session carrying a signature its view checks
    (neither sends a token)."""
    if path == "/v1/channels/sms":
        return bool(settings.twilio_auth_token) and header(scope, b"x-twilio-signature") is not None
    if path == "/v1/media/audiohook":
        return bool(settings.audiohook_client_secret) and header(scope, b"signature") is not None
    return False
