"""The security layer in front of every route: who is calling, may they, how fast, and the record.

One ASGI middleware, inside the pages' session middleware (so it can read the signed session) and
outside the body-size limit (so a refused request's body is never read). Per request under
``/v1`` it: finds the caller (a bearer token, the page session, or no one), takes one request from
the caller's rate-limit bucket, checks ``policy.authorize``, checks that an agent owns the
interaction or customer the path names, leaves the caller and what they may see on
``request.state``, and queues an audit row when the request is one worth recording. Health,
metrics, docs and static files pass straight through.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs

from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kairos.access import STATE_SCOPE, UNRESTRICTED
from kairos.access import Scope as DataScope
from kairos.auth.deps import SESSION_USER, load_principal
from kairos.auth.schemas import Principal
from kairos.config import Settings
from kairos.db import Database, utcnow
from kairos.security import audit, policy, scoping, tokens
from kairos.security.ratelimit import RateLimiter, retry_after
from kairos.security.schemas import ANONYMOUS, Caller
from kairos.security.tokens import TokenCache
from kairos.services import Services

log = logging.getLogger(__name__)

#: Where the caller and their data scope are left for the views (``request.state``).
STATE_CALLER = "kairos_caller"

# WebSocket close codes for a refused handshake (the client sees HTTP 403 before them).
_WS_CODES = {401: 4401, 403: 4403, 404: 4404, 429: 4429}


@dataclass
class Security:
    """One app's token cache, rate limiter and audit writer."""

    settings: Settings
    cache: TokenCache = field(init=False)
    limiter: RateLimiter = field(init=False)
    writer: audit.AuditWriter = field(default_factory=audit.AuditWriter)

    def __post_init__(self) -> None:
        self.cache = TokenCache(self.settings.token_cache_s)
        self.limiter = RateLimiter(
            per_s=self.settings.rate_limit_per_s, burst=self.settings.rate_limit_burst
        )

    @property
    def required(self) -> bool:
        """Whether the JSON API refuses callers without a token or session."""
        return self.settings.tokens_required

    def flush(self) -> None:
        """Write the queued audit rows now."""
        self.writer.flush()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None


def _bearer(scope: Scope, *, allow_query: bool) -> str | None:
    header = _header(scope, b"authorization")
    if header is not None:
        kind, _, credentials = header.partition(" ")
        if kind.lower() == "bearer":
            return str(credentials).strip()
        return header.strip()  # "Authorization: Basic ..." is no token of ours: refused below
    if allow_query and scope.get("query_string"):
        values = parse_qs(scope["query_string"].decode("latin-1")).get("token")
        if values:
            return str(values[0])
    return None


def _client(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


def _lookup_token(db: Database, token_hash: str) -> Caller | None:
    with db.session() as session:
        return tokens.lookup(session=session, token_hash=token_hash)


def _owns(db: Database, principal: Principal, verdict: policy.Verdict) -> bool:
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


@dataclass
class _Request:
    """One request being checked: what every step of the check needs."""

    scope: Scope
    receive: Receive
    send: Send
    path: str
    method: str
    path_class: policy.PathClass
    runtime: Services
    started_at: datetime


class SecurityMiddleware:
    """ASGI middleware: tokens, sessions, rate limits, agent scoping, audit (see the module)."""

    def __init__(self, app: ASGIApp, *, security: Security) -> None:
        self.app = app
        self.security = security

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self.app(scope, self._on_shutdown(receive), send)
            return
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        root = scope.get("root_path") or ""
        if root and path.startswith(root):  # mounted under a prefix: judge the app's own path
            path = path[len(root) :]
        method = "WS" if kind == "websocket" else str(scope["method"])
        path_class = policy.classify(method, path)
        if path_class == "open":
            await self.app(scope, receive, send)
            return
        await self._guard(scope, receive, send, path, method, path_class)

    def _on_shutdown(self, receive: Receive) -> Receive:
        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                # Before the app closes its database: what is queued gets written.
                await run_in_threadpool(self.security.writer.close)
            return message

        return wrapped

    def _twilio_signed(self, scope: Scope, path: str, runtime: Services) -> bool:
        """A Twilio SMS webhook carrying a signature the view will check (Twilio sends no token)."""
        return (
            path == "/v1/channels/sms"
            and bool(runtime.settings.twilio_auth_token)
            and _header(scope, b"x-twilio-signature") is not None
        )

    def _audiohook_signed(self, scope: Scope, path: str, runtime: Services) -> bool:
        """A Genesys AudioHook session carrying a signature the view will check (no token)."""
        return (
            path == "/v1/media/audiohook"
            and bool(runtime.settings.audiohook_client_secret)
            and _header(scope, b"signature") is not None
        )

    async def _caller_for_token(self, db: Database, token: str) -> Caller | None:
        if not tokens.well_formed(token):
            return None
        token_hash = tokens.hash_token(token)
        found, caller = self.security.cache.token(token_hash)
        if not found:
            caller = await run_in_threadpool(_lookup_token, db, token_hash)
            self.security.cache.put_token(token_hash, caller)
        if caller is not None and caller.token_id is not None:
            self.security.writer.used(caller.token_id)
        return caller

    async def _session_caller(self, scope: Scope, runtime: Services) -> Caller:
        session = scope.get("session")
        user_id = session.get(SESSION_USER) if isinstance(session, dict) else None
        if not isinstance(user_id, int):
            return ANONYMOUS
        found, principal = self.security.cache.user(user_id)
        if not found:
            principal = await run_in_threadpool(load_principal, runtime, user_id)
            self.security.cache.put_user(user_id, principal)
        if principal is None:
            return ANONYMOUS
        return Caller(name=principal.username, kind="session", user=principal)

    async def _guard(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        path: str,
        method: str,
        path_class: policy.PathClass,
    ) -> None:
        runtime: Services = scope["app"].state.runtime
        self.security.writer.bind(runtime.db)
        request = _Request(scope, receive, send, path, method, path_class, runtime, utcnow())
        try:
            caller = await self._admit(request)
        except OperationalError as exc:  # a token or owner lookup found no database
            log.error("database unavailable while checking a request: %s", exc)
            await self._refuse(
                request, ANONYMOUS, 503, "the database is unavailable; retry shortly",
                {"Retry-After": "2"}, code="unavailable",
            )  # fmt: skip
            return
        if caller is None:  # refused, and answered
            return
        await self._call(request, caller)

    async def _admit(self, request: _Request) -> Caller | None:
        """The caller, with what they may see left on the scope; None when refused (answered)."""
        security = self.security
        scope, path, method, runtime = request.scope, request.path, request.method, request.runtime
        caller = ANONYMOUS
        if request.path_class != "page":
            token = _bearer(scope, allow_query=method == "WS")
            if token is not None:
                found = await self._caller_for_token(runtime.db, token)
                if found is None:
                    await self._refuse(
                        request, caller, 401, "the token is unknown, malformed or revoked",
                        {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                    )  # fmt: skip
                    return None
                caller = found
            else:
                caller = await self._session_caller(scope, runtime)
            if security.limiter.enabled:
                key = f"token:{caller.token_id}" if caller.token_id else f"addr:{_client(scope)}"
                wait = security.limiter.check(key)
                if wait > 0:
                    await self._refuse(
                        request, caller, 429,
                        f"over the rate limit of {security.limiter.per_s:g} requests/s; retry "
                        "after the pause in Retry-After",
                        {"Retry-After": retry_after(wait)},
                        code="rate_limited",
                    )  # fmt: skip
                    return None
            # Tokens are always checked; sessions and anonymous callers only when required.
            enforce = security.required or caller.token_id is not None
            if (
                enforce
                and caller.kind == "anonymous"
                and (
                    self._twilio_signed(scope, path, runtime)
                    or self._audiohook_signed(scope, path, runtime)
                )
            ):
                enforce = False  # the view checks Twilio's or Genesys' signature itself
            data_scope = UNRESTRICTED
            if enforce:
                verdict = policy.authorize(request.path_class, method, path, caller)
                if not verdict.allowed:
                    headers = {"WWW-Authenticate": "Bearer"} if verdict.status == 401 else {}
                    await self._refuse(request, caller, verdict.status, verdict.message, headers)
                    return None
                if caller.user is not None and caller.role == "agent":
                    data_scope = DataScope(agent_id=caller.user.agent_id or "")
                    if (
                        verdict.interaction_id is not None or verdict.customer_id is not None
                    ) and not await run_in_threadpool(_owns, runtime.db, caller.user, verdict):
                        what = (
                            f"interaction {verdict.interaction_id!r}"
                            if verdict.interaction_id is not None
                            else f"customer {verdict.customer_id}"
                        )
                        await self._refuse(request, caller, 404, f"no {what}", {}, code="not_found")
                        return None
            state = scope.setdefault("state", {})
            state[STATE_CALLER] = caller
            state[STATE_SCOPE] = data_scope
        return caller

    async def _call(self, request: _Request, caller: Caller) -> None:
        """Hand the request on; record it when it is one the audit log keeps."""
        status = 500
        accepted = False

        async def send_status(message: Message) -> None:
            nonlocal status, accepted
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "websocket.accept":
                accepted = True
            await request.send(message)

        try:
            await self.app(request.scope, request.receive, send_status)
        finally:
            if request.method == "WS":
                status = 101 if accepted else 403
            action = audit.action_of(request.method, request.path, status)
            if action is not None:
                if request.path_class == "page":  # who is signed in now (after a sign-in)
                    try:
                        caller = await self._session_caller(request.scope, request.runtime)
                    except OperationalError:
                        caller = ANONYMOUS
                self._write(request, action, status, caller)

    def _record(self, request: _Request, status: int, caller: Caller) -> None:
        action = audit.action_of(request.method, request.path, status)
        if action is not None:
            self._write(request, action, status, caller)

    def _write(self, request: _Request, action: audit.Action, status: int, caller: Caller) -> None:
        row = audit.entry(
            actor=caller.name,
            actor_kind=caller.kind,
            action=action,
            method=request.method,
            path=request.path,
            status=status,
            client=_client(request.scope),
            at=request.started_at,
        )
        self.security.writer.record(row)

    async def _refuse(
        self,
        request: _Request,
        caller: Caller,
        status: int,
        message: str,
        headers: dict[str, str],
        *,
        code: str | None = None,
    ) -> None:
        code = code or ("unauthorized" if status == 401 else "forbidden")
        if request.method == "WS":
            await request.receive()  # the handshake's websocket.connect
            reason = f"{code}: {message}"[:120]
            await request.send(
                {"type": "websocket.close", "code": _WS_CODES.get(status, 1008), "reason": reason}
            )
            self._record(request, 403, caller)
            return
        body = json.dumps({"error": code, "message": message}).encode()
        raw_headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ] + [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        await request.send(
            {"type": "http.response.start", "status": status, "headers": raw_headers}
        )
        await request.send({"type": "http.response.body", "body": body})
        if status != 429:
            self._record(request, status, caller)
