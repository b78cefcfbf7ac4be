"""CSRF protection for the pages' forms: a random token kept in the signed session cookie.

Every form carries the token in a hidden ``csrf_token`` field; a POST whose field does not match
the session's token is refused. The session cookie is signed (another site cannot forge it) and
SameSite=Lax; the token stops a form on another site from posting with the visitor's cookie.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

from kairos.errors import ClientError

SESSION_KEY = "csrf"
FIELD = "csrf_token"


class CsrfFailed(ClientError):
    """A form posted without the session's CSRF token."""

    status_code = 403
    code = "csrf_failed"


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def check_csrf(request: Request, submitted: object) -> None:
    """Refuse the request unless ``submitted`` equals the session's token."""
    expected = request.session.get(SESSION_KEY)
    if not (
        isinstance(expected, str)
        and expected
        and isinstance(submitted, str)
        and hmac.compare_digest(expected.encode(), submitted.encode())
    ):
        raise CsrfFailed("the form's security token is missing or stale; reload the page")
