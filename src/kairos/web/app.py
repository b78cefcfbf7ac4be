"""Installs the pages on the app: signed-cookie sessions, static files, routes, error pages."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response

from kairos.auth.csrf import CsrfFailed
from kairos.auth.deps import LoginRequired, PageForbidden
from kairos.config import Settings
from kairos.web.actions import router as actions_router
from kairos.web.calibration import router as calibration_router
from kairos.web.offers import router as offers_router
from kairos.web.signin import router as auth_router
from kairos.web.templating import STATIC_DIR, templates
from kairos.web.verdicts import router as verdicts_router
from kairos.web.views import router as pages_router
from kairos.web.wallboard import router as wallboard_router

SESSION_COOKIE = "kairos_session"


def install_pages(app: FastAPI, settings: Settings) -> None:
    """Add the agent desktop, the wallboard, sign-in and the live stream to ``app``."""
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=settings.environment == "production",
    )
    app.mount("/static/kairos", StaticFiles(directory=STATIC_DIR), name="kairos-static")
    app.add_api_route("/favicon.ico", _favicon, methods=["GET"], include_in_schema=False)
    app.include_router(auth_router)
    app.include_router(pages_router)
    app.include_router(actions_router)
    app.include_router(offers_router)
    app.include_router(wallboard_router)
    app.include_router(verdicts_router)
    app.include_router(calibration_router)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if request.url.path.endswith("/panels") or request.url.path.startswith("/live/"):
            return templates.TemplateResponse(
                request, "error.html", _error("Please sign in again.", None), status_code=401
            )
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(PageForbidden)
    async def forbidden(request: Request, exc: PageForbidden) -> Response:
        return templates.TemplateResponse(
            request, "error.html", _error(exc.message, exc.title), status_code=exc.status_code
        )

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        return templates.TemplateResponse(
            request, "error.html", _error(exc.message, "Form expired"), status_code=403
        )


async def _favicon() -> FileResponse:
    """The pages' icon where a browser asks for it unbidden (the API's pages, a JSON answer)."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip


def wants_page(request: Request) -> bool:
    """Whether ``request`` is a browser's GET of a page (not the JSON API): its refusal reads as
    a page, not as JSON."""
    return (
        request.method == "GET"
        and not request.url.path.startswith("/v1/")
        and "text/html" in request.headers.get("accept", "")
    )


def page_error(request: Request, message: str, title: str, status_code: int) -> Response:
    """The error page, for a refusal a person reads in the browser."""
    return templates.TemplateResponse(
        request, "error.html", _error(message, title), status_code=status_code
    )


def _error(message: str, title: str | None) -> dict[str, object]:
    return {"message": message, "title": title or "Sign in", "user": None, "notices": []}
