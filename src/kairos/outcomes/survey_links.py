"""Survey links: a token naming the interaction, signed so that a customer cannot answer for
another."""

from __future__ import annotations

import base64
import hashlib
import hmac

from kairos.errors import NotFound


def survey_token(interaction_id: str, *, secret: str) -> str:
    """A token naming the interaction, signed so that a customer cannot answer for another."""
    body = base64.urlsafe_b64encode(interaction_id.encode()).decode().rstrip("=")
    mac = hmac.new(secret.encode(), interaction_id.encode(), hashlib.sha256).hexdigest()[:20]
    return f"{body}.{mac}"


def interaction_of_token(token: str, *, secret: str) -> str:
    """The interaction a token names, or a 404 when it is not one of ours."""
    body, _, mac = token.partition(".")
    try:
        interaction_id = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise NotFound("this survey link is not valid") from None
    expected = survey_token(interaction_id, secret=secret).partition(".")[2]
    if not mac or not hmac.compare_digest(mac, expected):
        raise NotFound("this survey link is not valid")
    return interaction_id
