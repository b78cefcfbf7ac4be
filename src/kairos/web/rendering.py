"""Rendering helpers: pages, panel fragments for live partial updates, one-time notices."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import RedirectResponse
from starlette.requests import Request
from starlette.responses import Response

from kairos.auth.schemas import Principal
from kairos.web.templating import base_context, templates

FLASH = "flash"
#: The most a notice may take in the session cookie, JSON-encoded: five of them stay well under
#: the 4 kB browsers keep of a cookie, whatever form value a notice quotes.
NOTICE_BYTES = 300


def clipped(message: str, most: int = NOTICE_BYTES) -> str:
    """``message``, cut with an ellipsis where its JSON encoding would pass ``most`` bytes.

    >>> clipped("x" * 400, 12), clipped("fits", 12)
    ('xxxx…', 'fits')
    """
    if len(json.dumps(message)) <= most:
        return message
    used = 2 + 6  # the quotes and the ellipsis (\u2026), then each character as JSON writes it
    for end, character in enumerate(message):
        used += len(json.dumps(character)) - 2
        if used > most:
            return message[:end] + "…"
    return message


def flash(request: Request, message: str, kind: str = "info") -> None:
    """A notice shown once on the next page (kept in the session cookie until then)."""
    notices = list(request.session.get(FLASH) or [])
    notices.append({"kind": kind, "message": clipped(message)})
    request.session[FLASH] = notices[-5:]


def back(path: str) -> RedirectResponse:
    """After a form: back to a page (303 so the browser GETs it)."""
    return RedirectResponse(path, status_code=303)


def page(
    request: Request,
    name: str,
    principal: Principal | None,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> Response:
    """A full page, with the signed-in user and any pending notices."""
    notices = request.session.pop(FLASH, None) or []
    return templates.TemplateResponse(
        request,
        name,
        {"user": principal, "notices": notices, **context},
        status_code=status_code,
    )


def panels(request: Request, names: dict[str, str], context: dict[str, Any]) -> dict[str, str]:
    """Panel fragments by element id, rendered from the same templates the page includes."""
    full = {**base_context(request), "request": request, **context}
    return {
        element: templates.get_template(template).render(full)
        for element, template in names.items()
    }
