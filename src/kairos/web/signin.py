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


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    db: DatabaseDep,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    """Check the password; on success start a fresh signed session."""
    check_csrf(request, csrf_token)
    user = await run_in_threadpool(
        service.authenticate, db=db, username=username.strip(), password=password
    )
    if user is None:
        return templates.TemplateResponse(
            request,
            "login.html",
            {"next": safe_next(next), "error": "Wrong username or password.", "username": username},
            status_code=401,
        )
    request.session.clear()  # a new session on sign-in: nothing carries over from before
    request.session[SESSION_USER] = user.id
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("")) -> Response:
    """End the session."""
    check_csrf(request, csrf_token)
    request.session.pop(SESSION_USER, None)
    request.session.pop(SESSION_KEY, None)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
