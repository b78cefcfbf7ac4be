"""The app factory: routers, error handling, offline API docs, health and metrics."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import TypeAdapter
from sqlalchemy import text
from sqlalchemy.exc import DataError, DBAPIError, InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

import kairos
from kairos import migrations
from kairos.assist.views import router as assist_router
from kairos.bus_views import router as bus_router
from kairos.channels.audiohook_views import router as audiohook_router
from kairos.channels.ivr import load_menu
from kairos.channels.media_views import router as media_router
from kairos.channels.views import router as channels_router
from kairos.config import Settings, get_settings
from kairos.customers.views import router as customers_router
from kairos.db_probe import locked_now
from kairos.deps import BusDep, DatabaseDep, DetectorsDep
from kairos.detection.live import warmed
from kairos.errors import (
    ClientError,
    UnsupportedMediaType,
    document_errors,
    field_message,
    log_failure,
    why_unavailable,
)
from kairos.events import Event
from kairos.interactions.parked_views import router as parked_router
from kairos.interactions.views import customers_router as journey_router
from kairos.interactions.views import events_route
from kairos.interactions.views import router as interactions_router
from kairos.limits import BodySizeLimit
from kairos.messages.views import router as messages_router
from kairos.outcomes.verdict_views import router as verdicts_router
from kairos.outcomes.views import router as outcomes_router
from kairos.parent_watch import watch_parent
from kairos.privacy.views import router as erasure_router
from kairos.routing.views import escalation_router, next_route
from kairos.routing.views import router as routing_router
from kairos.runtime import Runtime
from kairos.security.middleware import Security, SecurityMiddleware
from kairos.security.views import router as security_router
from kairos.web.app import install_pages, page_error, wants_page

log = logging.getLogger(__name__)


def _docs_assets() -> Path | None:
    """Swagger UI 5 as the fastapi-offline package ships it (no CDN)."""
    try:
        import fastapi_offline
    except ImportError:
        return None
    return Path(fastapi_offline.__file__).parent / "static"


def _field_of(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _body_not_an_object(error: Any) -> bool:
    """Whether a validation error says the whole JSON body was not an object (FastAPI's answer
    to a body it did not parse, sent with another content type)."""
    return tuple(error["loc"]) == ("body",) and error["type"] in (
        "model_attributes_type",
        "dict_type",
    )


#: The error codes of the refusals routing makes itself.
#: The ``Retry-After`` of a refusal for a full or read-only database: freeing space or
#: pointing at the primary takes a person minutes, so sources need not ask every 2 s.
STORAGE_FAULT_RETRY_S = 10

_ROUTING_ERRORS = {
    404: ("not_found", "no such route (the API is listed at /docs)"),
    405: ("method_not_allowed", "this method is not allowed here"),
}


def create_app(
    settings: Settings | None = None, *, migrate: bool = False, runtime: Runtime | None = None
) -> FastAPI:
    """A Kairos API app; ``migrate`` applies database migrations on start."""
    settings = settings or get_settings()
    if settings.ivr_menu_path is not None:
        load_menu(settings.ivr_menu_path)  # a bad menu file stops the start with a clear error

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            migrations.upgrade(settings.database_url)
        app.state.runtime = runtime or Runtime.build(settings)
        # What start-up built (models, the routing board) lives as long as the process: out of
        # the collector's sight while serving, so a full collection has little to walk.
        gc.freeze()
        try:
            yield
        finally:
            app.state.runtime.close()
            gc.unfreeze()

    app = FastAPI(
        title="Kairos",
        version=kairos.__version__,
        summary="Recognise contact-center moments of truth while they happen, and win them.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    if runtime is not None:
        app.state.runtime = runtime
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    # Added after the body limit and before the pages' sessions: it runs inside the session
    # middleware (it reads the signed session) and refuses before any body is read.
    app.state.security = Security(settings)
    app.add_middleware(SecurityMiddleware, security=app.state.security)
    app.include_router(interactions_router)
    app.router.routes.insert(0, events_route)  # the ingest path without FastAPI's handler
    app.include_router(parked_router)
    app.include_router(bus_router)
    app.include_router(escalation_router)
    app.include_router(customers_router)
    app.include_router(erasure_router)
    app.include_router(journey_router)
    app.include_router(routing_router)
    app.router.routes.insert(0, next_route)  # a free agent's next contact, likewise
    app.include_router(channels_router)
    app.include_router(media_router)
    app.include_router(audiohook_router)
    install_pages(app, settings)
    app.include_router(outcomes_router)
    app.include_router(verdicts_router)
    app.include_router(assist_router)
    app.include_router(messages_router)
    app.include_router(security_router)

    _install_error_handlers(app)
    _install_api_docs(app)
    app.include_router(operations_router)
    _install_openapi(app)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    """Errors as JSON bodies that name the problem: 4xx for the caller's, 503 and 500 for ours."""

    @app.exception_handler(ClientError)
    async def client_error(request: Request, exc: ClientError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers())

    @app.exception_handler(StarletteHTTPException)
    async def no_such_route(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Raised by routing only (no view raises it): an unknown path or method, in the shape of
        # every other refusal.
        code, message = _ROUTING_ERRORS.get(exc.status_code, ("http_error", str(exc.detail)))
        where = f"{request.method} {request.url.path[:200]}"
        allow = (exc.headers or {}).get("Allow")
        said = f"{message}: {where}" + (f" (this path takes {allow})" if allow else "")
        return JSONResponse(
            {"error": code, "message": said}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        media = request.headers.get("content-type", "").split(";")[0].strip()
        if media and "json" not in media and any(_body_not_an_object(e) for e in exc.errors()):
            refused = UnsupportedMediaType(
                "send the body as JSON with Content-Type: application/json "
                f"(this request said {media[:100]!r})"
            )
            return JSONResponse(refused.body(), status_code=refused.status_code)
        errors = [
            {
                "field": _field_of(e["loc"]),
                "message": field_message(e, in_query=bool(e["loc"]) and e["loc"][0] == "query"),
            }
            for e in exc.errors()
        ]
        if wants_page(request):  # a mistyped page address (?days=abc) in the browser: not JSON
            said = "; ".join(f"{e['field'].split('.')[-1]}: {e['message']}" for e in errors)
            return page_error(request, f"This page cannot take that address ({said}).",
                              "Not a page address", 422)  # fmt: skip
        return JSONResponse(
            {"error": "invalid_request", "message": "the request is invalid", "errors": errors},
            status_code=422,
        )

    _install_database_error_handlers(app)


def _install_database_error_handlers(app: FastAPI) -> None:
    """The database's refusals: 503 while it is away, full or read-only, 422 for a value it
    cannot store, and 500 (logged without the driver's message) for anything else."""

    @app.exception_handler(OperationalError)
    @app.exception_handler(InternalError)  # PostgreSQL's read-only transaction is one
    @app.exception_handler(PoolTimeout)  # every pooled connection busy (slow requests)
    async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        db = request.app.state.runtime.db
        db.note_lock_wait(exc)  # "locked" on /healthz; counted on /metrics
        fault = db.faults.record(exc)
        if fault is not None:  # it answers but stores nothing: say why (logged once, db_faults)
            return JSONResponse(
                {
                    "error": f"database_{fault.kind}",
                    "message": f"{fault.describe()}; nothing of this request was applied, "
                    "send it again later",
                },
                status_code=503,
                headers={"Retry-After": str(STORAGE_FAULT_RETRY_S)},
            )
        if isinstance(exc, InternalError):
            return await internal_error(request, exc)
        log.error("database unavailable: %s", why_unavailable(exc))
        return JSONResponse(
            {"error": "unavailable", "message": "the database is unavailable; retry shortly"},
            status_code=503,
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(DataError)
    async def unstorable_value(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the request carried (a NUL in text on PostgreSQL, a
        # number out of a column's range); the transaction was rolled back, nothing applied.
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        # The reason goes back to the client who sent the value; the log gets its kind only.
        log.warning("refused a value the database cannot store (%s)", type(exc.orig).__name__)
        return JSONResponse(
            {
                "error": "unstorable_value",
                "message": f"a value in the request cannot be stored: {reason}",
            },
            status_code=422,
        )

    # A database error is answered here, not by the server's last resort (which logs the whole
    # error text, values a driver quotes included, through uvicorn's logger): see log_failure.
    @app.exception_handler(DBAPIError)
    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log_failure(log, "unhandled error on %s %s", request.method, request.url.path, error=exc)
        return JSONResponse({"error": "internal", "message": "internal error"}, status_code=500)


def _install_api_docs(app: FastAPI) -> None:
    """The API page: Swagger UI 5 at ``/docs``, which reads OpenAPI 3.1, from the fastapi-offline
    package's own files: it renders with no internet."""
    assets = _docs_assets()
    if assets is not None:
        app.mount("/static/api-docs", StaticFiles(directory=assets), name="api-docs")
    missing = HTMLResponse(
        "<p>Install the <code>fastapi-offline</code> package for the API page; "
        "the schema is at <a href='/openapi.json'>/openapi.json</a>.</p>"
    )

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        if assets is None:
            return missing
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Kairos API",
            swagger_js_url="/static/api-docs/swagger-ui-bundle.js",
            swagger_css_url="/static/api-docs/swagger-ui.css",
            swagger_favicon_url="/static/api-docs/favicon.png",
        )


def _install_openapi(app: FastAPI) -> None:
    """The OpenAPI schema, with the event union spelled out under ``Event``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        event_schema = TypeAdapter(Event).json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(event_schema.pop("$defs", {}))
        components["Event"] = event_schema
        document_errors(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


operations_router = APIRouter(tags=["operations"])


@operations_router.get("/healthz")
def healthz(db: DatabaseDep, bus: BusDep, detectors: DetectorsDep) -> JSONResponse:
    """Whether the service, its database and (with ``KAIROS_REDIS_URL``) Redis answer."""
    try:
        with db.session() as session:
            session.execute(text("SELECT 1"))
        database = "ok"
    except (OperationalError, PoolTimeout):
        database = "unavailable"
    # A full or read-only database recorded may have been fixed since: one write tells. Else,
    # on SQLite, whether another process holds the lock (a backup): reads answer, writes wait
    # 10 s and answer 503. Each waits 1 s at most (db_probe): a load balancer's check gives up
    # in 2 to 5 s. Behind a held lock a recorded fault cannot be told: "locked" is said.
    fault = db.check_writes() if database == "ok" else None
    if database == "ok" and fault is None:
        locked_now(db)
    locked = db.locked_elsewhere() if database == "ok" else None
    fault = None if locked is not None else fault
    reachable = bus.reachable()
    redis = {} if reachable is None else {"redis": "ok" if reachable else "unavailable"}
    calm = database == "ok" and locked is None and reachable is not False
    body = {
        "status": "ok" if calm else "degraded",
        "version": kairos.__version__,
        "database": database if fault is None else fault.kind,
        # A full disk, a read-only file or server: it answers reads and stores nothing.
        **({} if fault is None else {"database_error": fault.describe()}),
        **({} if locked is None else {"database": "locked", "database_error": locked}),
        "bus": type(bus).__name__,
        "detector": detectors.enabled,
        "detection": "inline" if detectors.inline else "workers",
        # A process that assesses loads its models in the background at start (about a second);
        # until then its first customer turns wait for them. Readiness probes can wait for "loaded".
        "models": ("loaded" if warmed() else "loading") if detectors.inline else "workers",
        # Redis away: still 200 (events are stored; the sweep assesses them once it is back),
        # "degraded" and "redis": "unavailable" (no live updates, no hand-over of `next`).
        **redis,
    }
    if database == "ok" and fault is None:
        return JSONResponse(body)
    return JSONResponse(body, status_code=503, headers={"Retry-After": "2"})


@operations_router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request) -> Response:
    """Prometheus metrics: events ingested and rejected, ingest latency, bus lag."""
    runtime: Runtime = request.app.state.runtime  # the root refreshes its own figures
    try:
        runtime.metrics.database_storing.set(0 if runtime.db.check_writes() else 1)
        runtime.refresh_metrics()
    except OperationalError as error:  # the figures that need the database stay as they were
        log.warning("metrics: database unavailable (%s)", why_unavailable(error))
    return Response(runtime.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


def app_from_env() -> FastAPI:
    """The app for settings from the environment (``uvicorn --factory``, several processes).

    Started by ``kairos serve --processes M``, it stops once that process is gone
    (``KAIROS_STOP_WITH_PARENT``): uvicorn's API processes would otherwise outlive a
    ``kill -9`` of it and go on answering on its port."""
    watch_parent()
    return create_app(get_settings())
