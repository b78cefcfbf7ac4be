"""The security layer in front of every route: who is calling, may they, how fast, and the record.

One ASGI middleware, inside the pages' session middleware (so it can read the signed session) and
outside the body-size limit (so a refused request's body is never read). Per request under
``/v1`` it: finds the caller (a bearer token, the page session, or no one), takes one request from
the caller's rate-limit bucket, checks ``policy.authorize``, checks that an agent owns the
interaction or customer the path names, leaves the caller and what they may see on
``request.state``, and records an audit row when the request is one worth recording (durably,
before the answer, when the app answers it; queued when refused here). Health,
metrics, docs and static files pass straight through.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kairos.access import STATE_ACTOR, STATE_SCOPE, UNRESTRICTED
from kairos.access import Scope as DataScope
from kairos.auth.deps import SESSION_USER, load_principal
from kairos.config import Settings
from kairos.db import RIDERS, Database, Rider, utcnow
from kairos.errors import why_unavailable
from kairos.security import audit, guards, policy, tokens
from kairos.security.ratelimit import RateLimiter, retry_after
from kairos.security.schemas import ANONYMOUS, Caller
from kairos.security.throttle import SignInThrottle
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
    auth_failures: RateLimiter = field(init=False)
    throttle: SignInThrottle = field(init=False)
    writer: audit.AuditWriter = field(default_factory=audit.AuditWriter)

    def __post_init__(self) -> None:
        settings = self.settings
        self.cache = TokenCache(settings.token_cache_s)
        self.limiter = RateLimiter(per_s=settings.rate_limit_per_s, burst=settings.rate_limit_burst)
        # Unknown tokens take from their own, small bucket per address, checked before anything
        # is looked up or recorded: a flood of bad tokens is refused with 429, unrecorded.
        self.auth_failures = RateLimiter(per_s=settings.auth_failures_per_s, burst=20)
        self.throttle = SignInThrottle(
            per_account=settings.sign_in_failures,
            per_address=settings.sign_in_address_failures,
            max_concurrent=settings.max_concurrent_sign_ins,
        )

    @property
    def required(self) -> bool:
        """Whether the JSON API refuses callers without a token or session."""
        return self.settings.tokens_required

    def flush(self) -> None:
        """Write the queued audit rows now."""
        self.writer.flush()


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
        if kind == "http" and path_class in ("page", "survey"):
            send = guards.adding(
                send, guards.PAGE_HEADERS if path_class == "page" else guards.SURVEY_HEADERS
            )
        await self._guard(scope, receive, send, path, method, path_class)

    def _on_shutdown(self, receive: Receive) -> Receive:
        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                # Before the app closes its database: what is queued gets written.
                await run_in_threadpool(self.security.writer.close)
            return message

        return wrapped

    async def _caller_for_token(self, db: Database, token: str) -> Caller | None:
        if not tokens.well_formed(token):
            return None
        token_hash = tokens.hash_token(token)
        found, caller = self.security.cache.token(token_hash)
        if not found:
            caller = await run_in_threadpool(guards.lookup_token, db, token_hash)
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
            await guards.check_session(scope, runtime, self.security.cache)
            caller = await self._admit(request)
        except OperationalError as exc:  # a token or owner lookup found no database
            log.error("database unavailable while checking a request: %s", why_unavailable(exc))
            await self._refuse(
                request, ANONYMOUS, 503, "the database is unavailable; retry shortly",
                {"Retry-After": "2"}, code="unavailable",
            )  # fmt: skip
            return
        if caller is None:  # refused, and answered
            return
        await self._call(request, caller)

    async def _identify(self, request: _Request) -> Caller | None:
        """The caller by bearer token or page session; None when refused (answered).

        An unknown token takes from the address's small bucket of failures first: past it, a
        flood of bad tokens is refused with 429 before any lookup, and is not recorded.
        """
        security, scope = self.security, request.scope
        token = guards.bearer(scope, allow_query=request.method == "WS")
        if token is None:
            return await self._session_caller(scope, request.runtime)
        address = f"addr:{guards.client(scope)}"
        if security.limiter.enabled:
            wait = security.auth_failures.check(address, peek=True)
            if wait > 0:
                await self._refuse(
                    request, ANONYMOUS, 429,
                    "too many requests with unknown tokens from this address; retry after the "
                    "pause in Retry-After",
                    {"Retry-After": retry_after(wait)}, code="rate_limited",
                )  # fmt: skip
                return None
        found = await self._caller_for_token(request.runtime.db, token)
        if found is None:
            security.auth_failures.check(address)
            await self._refuse(
                request, ANONYMOUS, 401, "the token is unknown, malformed or revoked",
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )  # fmt: skip
        return found

    async def _limited(self, request: _Request, caller: Caller) -> bool:
        """Whether the caller is over the rate limit (then answered with 429)."""
        limiter = self.security.limiter
        if not limiter.enabled:
            return False
        key = (
            f"token:{caller.token_id}"
            if caller.token_id
            else f"addr:{guards.client(request.scope)}"
        )
        wait = limiter.check(key)
        if wait <= 0:
            return False
        await self._refuse(
            request, caller, 429,
            f"over the rate limit of {limiter.per_s:g} requests/s; retry after the pause in "
            "Retry-After",
            {"Retry-After": retry_after(wait)}, code="rate_limited",
        )  # fmt: skip
        return True

    async def _admit(self, request: _Request) -> Caller | None:
        """The caller, with what they may see left on the scope; None when refused (answered)."""
        scope, path, method, runtime = request.scope, request.path, request.method, request.runtime
        if request.path_class == "page":
            return ANONYMOUS  # the pages check their own session
        caller = await self._identify(request)
        if caller is not None and caller.kind == "session":
            # A write made with the page session must be the page's own (CSRF token, JSON).
            refusal = guards.csrf_refusal(scope, method)
            if refusal is not None and self.security.required:
                await self._refuse(request, caller, 403, refusal, {}, code="csrf_failed")
                return None
            if refusal is not None:  # the open API (development): it goes on as no one's
                caller = ANONYMOUS
        if caller is None or await self._limited(request, caller):
            return None
        # Tokens are always checked; sessions and anonymous callers only when required.
        enforce = self.security.required or caller.token_id is not None
        if (
            enforce
            and caller.kind == "anonymous"
            and guards.signed_webhook(scope, path, runtime.settings)
        ):
            enforce = False  # the view checks Twilio's or Genesys' signature itself
        data_scope = UNRESTRICTED
        if enforce:
            verdict = policy.authorize(request.path_class, method, path, caller)
            if not verdict.allowed:
                headers = {"WWW-Authenticate": "Bearer"} if verdict.status == 401 else {}
                await self._refuse(request, caller, verdict.status, verdict.message, headers)
                return None
            refusal = await guards.source_refusal(runtime.db, caller, path)
            if refusal is not None:  # another event source's interaction
                await self._refuse(request, caller, 403, refusal, {})
                return None
            if caller.user is not None and caller.role == "agent":
                data_scope = DataScope(agent_id=caller.user.agent_id or "")
                if (
                    verdict.interaction_id is not None or verdict.customer_id is not None
                ) and not await run_in_threadpool(guards.owns, runtime.db, caller.user, verdict):
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
        if caller.kind != "anonymous":
            state[STATE_ACTOR] = guards.actor(caller)
        return caller

    async def _call(self, request: _Request, caller: Caller) -> None:
        """Hand the request on; record it when it is one the audit log keeps.

        A change or a read is recorded durably before its answer starts (a media stream before
        it is accepted), so a crash after the answer cannot lose its row (and nothing is shown
        unrecorded). What is not answered by the app (refused in ``_refuse``, or failed before
        its answer) or is answered 503 is queued and written in batches: it showed no data.
        """
        status = 500
        accepted = False
        written = False
        # A change to the API rides along with the view's own transaction when the view stores
        # it with one commit (``next``): one commit instead of two (see ``kairos.db.Rider``).
        rider = None
        api = request.path_class != "page" and request.method != "WS"
        if api and audit.action_of(request.method, request.path, 200) == "change":
            rider = Rider(audit.INSERT, self._row(request, "change", 200, caller))

        async def send_status(message: Message) -> None:
            nonlocal status, accepted, written
            if message["type"] == "http.response.start":
                status = int(message["status"])
                action = audit.action_of(request.method, request.path, status)
                if action is not None and not (rider and rider.written and status == 200):
                    who = await self._recorded(request, caller)
                    row = self._row(request, action, status, who)
                    await run_in_threadpool(self.security.writer.write_answered, row, status)
                written = action is not None
            elif message["type"] == "websocket.accept":
                accepted = True
                action = audit.action_of(request.method, request.path, 101)
                if action is not None:  # a media stream: on disk before it is open
                    row = self._row(request, action, 101, caller)
                    await run_in_threadpool(self.security.writer.write_now, row)
                written = action is not None
            await request.send(message)

        riding = RIDERS.set([rider] if rider is not None else None)
        try:
            await self.app(request.scope, request.receive, send_status)
        finally:
            RIDERS.reset(riding)
            if request.method == "WS":
                status = 101 if accepted else 403
            action = audit.action_of(request.method, request.path, status)
            if action is not None and not written:
                who = await self._recorded(request, caller)
                self.security.writer.record(self._row(request, action, status, who))

    async def _recorded(self, request: _Request, caller: Caller) -> Caller:
        """Who the audit row names: for a page, who is signed in now (after a sign-in)."""
        if request.path_class != "page":
            return caller
        try:
            return await self._session_caller(request.scope, request.runtime)
        except OperationalError:
            return ANONYMOUS

    def _record(self, request: _Request, status: int, caller: Caller) -> None:
        action = audit.action_of(request.method, request.path, status)
        if action is not None:
            self.security.writer.record(self._row(request, action, status, caller))

    def _row(
        self, request: _Request, action: audit.Action, status: int, caller: Caller
    ) -> dict[str, Any]:
        return audit.entry(
            actor=caller.name,
            actor_kind=caller.kind,
            action=action,
            method=request.method,
            path=request.path,
            status=status,
            client=guards.client(request.scope),
            at=request.started_at,
        )

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
