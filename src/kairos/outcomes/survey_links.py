"""Survey links: a token naming the interaction and the time it was made, signed so that a
customer cannot answer for another and a link stops working after ``survey_link_days``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from kairos.errors import NotFound


def _mac(interaction_id: str, issued: int, secret: str) -> str:
    message = f"survey\x1f{interaction_id}\x1f{issued}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:24]


def survey_token(interaction_id: str, *, secret: str, issued: int | None = None) -> str:
    """A token naming the interaction and when it was made (now, unless ``issued``), signed."""
    issued = int(time.time()) if issued is None else issued
    body = base64.urlsafe_b64encode(interaction_id.encode()).decode().rstrip("=")
    return f"{body}.{issued:x}.{_mac(interaction_id, issued, secret)}"


def interaction_of_token(
    token: str, *, secret: str, max_age_s: float, now: float | None = None
) -> str:
    """The interaction a token names, or a 404 when it is not one of ours or has expired."""
    body, _, rest = token.partition(".")
    issued_hex, _, mac = rest.partition(".")
    try:
        interaction_id = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        issued = int(issued_hex, 16) if len(issued_hex) <= 12 else -1
    except (ValueError, UnicodeDecodeError):
        raise NotFound("this survey link is not valid") from None
    if issued < 0 or not mac or not hmac.compare_digest(mac, _mac(interaction_id, issued, secret)):
        raise NotFound("this survey link is not valid")
    now = time.time() if now is None else now
    if now - issued > max_age_s:
        raise NotFound("this survey link has expired")
    return interaction_id
