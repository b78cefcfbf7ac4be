"""FastAPI dependencies as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from kairos.services import Services


def get_runtime(request: Request) -> Services:
    """The process's runtime."""
    runtime: Services = request.app.state.runtime
    return runtime


def get_session(runtime: Annotated[Services, Depends(get_runtime)]) -> Iterator[Session]:
    """A database session for one request."""
    with runtime.db.session() as session:
        yield session


RuntimeDep = Annotated[Services, Depends(get_runtime)]
DbSession = Annotated[Session, Depends(get_session)]
