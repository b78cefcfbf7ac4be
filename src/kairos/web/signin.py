"""Sign in and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from kairos.auth import service
from kairos.auth.csrf import SESSION_KEY, check_csrf
from kairos.auth.deps import SESSION_USER
from kairos.deps import DatabaseDep
from kairos.security import sessions
from kairos.security.guards import session_key
from kairos.security.middleware import Security
from kairos.security.ratelimit import retry_after
from kairos.web.templating import templates

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect to another host is refused."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return templates.TemplateResponse(
        request, "login.html", {"next": safe_next(next), "error": None, "username": ""}
    )


def _refused(request: Request, next: str, username: str, error: str, status: int,
             headers: dict[str, str] | None = None) -> Response:  # fmt: skip
    return templates.TemplateResponse(
        request,
        "login.html",
        {"next": safe_next(next), "error": error, "username": username},
        status_code=status,
        headers=headers,
    )


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    db: DatabaseDep,
    username: str = Form("", max_length=200),
    password: str = Form("", max_length=1000),
    csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    """Check the password (throttled: ``security.throttle``); on success start a fresh session,
    kept server-side so that signing out ends it."""
    check_csrf(request, csrf_token)
    security: Security = request.app.state.security
    throttle, name = security.throttle, username.strip()
    address = request.client.host if request.client else None
    wait = throttle.wait_s(name, address)
    if wait > 0:
        return _refused(request, next, username,
                        f"Too many wrong passwords: try again in {retry_after(wait)} s.", 429,
                        {"Retry-After": retry_after(wait)})  # fmt: skip
    checked = await run_in_threadpool(
        throttle.hashing,
        lambda: (service.authenticate(db=db, username=name, password=password),),
    )
    if checked is None:
        return _refused(request, next, username, "Signing in is busy: try again shortly.", 503,
                        {"Retry-After": "5"})  # fmt: skip
    user = checked[0]
    if user is None:
        throttle.failed(name, address)
        return _refused(request, next, username, "Wrong username or password.", 401)
    throttle.succeeded(name)
    session_id = await run_in_threadpool(lambda: sessions.start(db=db, user_id=user.id))
    request.session.clear()  # a new session on sign-in: nothing carries over from before
    request.session[SESSION_USER] = user.id
    request.session[sessions.SESSION_ID] = session_id
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
async def logout(request: Request, db: DatabaseDep, csrf_token: str = Form("")) -> Response:
    """End the session: its server-side row is revoked, so a copy of the cookie stops too."""
    check_csrf(request, csrf_token)
    session_id, user_id = (
        request.session.get(sessions.SESSION_ID),
        request.session.get(SESSION_USER),
    )
    if isinstance(session_id, str) and session_id:
        await run_in_threadpool(lambda: sessions.end(db=db, session_id=session_id))
        if isinstance(user_id, int):
            security: Security = request.app.state.security
            security.cache.forget_session(session_key(session_id, user_id))
    request.session.pop(SESSION_USER, None)
    request.session.pop(SESSION_KEY, None)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
