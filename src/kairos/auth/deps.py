"""Page dependencies: who is signed in (from the signed session cookie), and role checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from kairos.auth import service
from kairos.auth.schemas import Principal
from kairos.deps import RuntimeDep
from kairos.services import Services

SESSION_USER = "user_id"


class LoginRequired(Exception):
    """No one is signed in: the page redirects to the login form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageForbidden(Exception):
    """The signed-in user may not see this page or interaction (a 403 page)."""

    status_code = 403
    title = "Not allowed"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PageNotFound(PageForbidden):
    """No such interaction or page (a 404 page)."""

    status_code = 404
    title = "Not found"


class PageInvalid(PageForbidden):
    """A form whose value cannot be taken (a 422 page); nothing was changed."""

    status_code = 422
    title = "Not accepted"


def load_principal(runtime: Services, user_id: object) -> Principal | None:
    """The principal for a session's user id, or None when it is gone or inactive."""
    if not isinstance(user_id, int):
        return None
    with runtime.db.session() as session:
        user = service.get(session=session, user_id=user_id)
        if user is None or not user.active:
            return None
        return service.principal(session=session, user=user)


async def current_principal(request: Request, runtime: RuntimeDep) -> Principal:
    """The signed-in user, or a redirect to the login page."""
    principal = await run_in_threadpool(load_principal, runtime, request.session.get(SESSION_USER))
    if principal is None:
        request.session.pop(SESSION_USER, None)
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    return principal


async def current_agent(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    """The signed-in agent; other roles get a 403 page."""
    if principal.role != "agent" or principal.agent_id is None:
        raise PageForbidden("the agent desktop is for agents linked to a routing agent")
    return principal


async def current_supervisor(
    principal: Annotated[Principal, Depends(current_principal)],
) -> Principal:
    """A signed-in supervisor or admin; agents get a 403 page."""
    if not principal.supervises:
        raise PageForbidden("the wallboard is for supervisors and admins")
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]
CurrentAgent = Annotated[Principal, Depends(current_agent)]
CurrentSupervisor = Annotated[Principal, Depends(current_supervisor)]
