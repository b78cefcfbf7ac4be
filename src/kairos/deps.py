"""FastAPI dependencies as ``Annotated`` aliases: a view asks for the services it uses.

The composition root (:mod:`kairos.runtime`, through :func:`kairos.main.create_app`) leaves the
process's :class:`~kairos.services.Services` on ``app.state.runtime``; these dependencies hand
each view the part it needs (``db: DatabaseDep, bus: BusDep``), so no view unpacks the whole.

The ones that only read an attribute are coroutines: FastAPI sends a plain ``def`` dependency to
the thread pool, a thread hand-off (two context switches) per dependency per request, which on
``POST /v1/events`` cost more than the attribute reads themselves. ``get_session`` stays a plain
generator: closing a session may wait on the database.

A route on the per-event path reads the services with :func:`runtime_of` instead: FastAPI solves
each dependency (and each one it depends on) again on every request, and for
``POST /v1/events`` that bookkeeping cost more than the rest of the route's own work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kairos.bus import EventBus
from kairos.config import Settings
from kairos.db import Database
from kairos.detection.live import DetectorCache
from kairos.limits import Int64
from kairos.metrics import Registry
from kairos.services import Services


def runtime_of(request: Request) -> Services:
    """The process's services, read straight off the app (no dependency to solve)."""
    runtime: Services = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Services:
    """The process's services (for code that hands all of them on, such as a WebSocket)."""
    return runtime_of(request)


RuntimeDep = Annotated[Services, Depends(get_runtime)]


async def get_db(runtime: RuntimeDep) -> Database:
    """The database."""
    return runtime.db


async def get_bus(runtime: RuntimeDep) -> EventBus:
    """The event bus."""
    return runtime.bus


async def get_detectors(runtime: RuntimeDep) -> DetectorCache:
    """The live detectors of this process."""
    return runtime.detectors


async def get_metrics(runtime: RuntimeDep) -> Registry:
    """This process's metrics."""
    return runtime.metrics


async def get_settings_of(runtime: RuntimeDep) -> Settings:
    """The settings this process runs with (not the environment's: a test passes its own)."""
    return runtime.settings


def check_period(since: datetime | None, until: datetime | None) -> None:
    """Refuse a ``since`` later than ``until`` (a 422 naming ``query.until``): an empty list would
    read as "nothing happened" rather than "you swapped the two"."""
    if since is not None and until is not None and since > until:
        message = f"until ({until.isoformat()}) is earlier than since ({since.isoformat()})"
        raise RequestValidationError(
            [{"loc": ("query", "until"), "msg": message, "type": "value_error"}]
        )


@dataclass(frozen=True, slots=True)
class Page:
    """Which rows of a long list a request asks for: ``limit`` of them from ``offset`` on."""

    limit: int
    offset: int


async def get_page(
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> Page:
    """The ``limit`` and ``offset`` every paged list takes (a 422 outside their bounds)."""
    return Page(limit=limit, offset=offset)


Row = TypeVar("Row")


async def read_page(
    get_all: Callable[..., tuple[int, Sequence[Row]]], page: Page, **filters: Any
) -> tuple[int, Sequence[Row]]:
    """``get_all(**filters, limit=, offset=)`` (a service's paged read) off the event loop: how
    many match, and the page's rows."""
    return await run_in_threadpool(get_all, limit=page.limit, offset=page.offset, **filters)


def get_session(db: Annotated[Database, Depends(get_db)]) -> Iterator[Session]:
    """A database session for one request."""
    with db.session() as session:
        yield session


DatabaseDep = Annotated[Database, Depends(get_db)]
BusDep = Annotated[EventBus, Depends(get_bus)]
DetectorsDep = Annotated[DetectorCache, Depends(get_detectors)]
MetricsDep = Annotated[Registry, Depends(get_metrics)]
SettingsDep = Annotated[Settings, Depends(get_settings_of)]
DbSession = Annotated[Session, Depends(get_session, scope="function")]
PageDep = Annotated[Page, Depends(get_page)]
