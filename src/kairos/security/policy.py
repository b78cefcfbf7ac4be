"""Who may call what under ``/v1``: a pure function of the method, the path and the caller.

Paths fall in four classes: ``open`` (health, metrics, API docs, static files), ``page`` (the
signed-in pages: they check their own session), ``survey`` (a customer's signed survey link) and
the JSON API, split into ``ingest`` (events, channel webhooks, media streams, recordings, survey
answers from a platform) and ``api`` (everything else). Ingestion takes an event source's token
or an admin; the rest of the API takes a user. Supervisors and admins may call all of it; agents
only what an agent desktop needs, and only for the interactions routing gave them (the same rule
as the pages, ``auth.service.can_open``), the customers of those, and themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kairos.security.schemas import Caller

PathClass = Literal["open", "page", "survey", "ingest", "api"]

_OPEN_PATHS = frozenset({"/healthz", "/metrics", "/docs", "/openapi.json", "/favicon.ico"})
_INGEST_POST = re.compile(
    r"^/v1/(?:events/?|channels/.+|interactions/[^/]+/(?:recordings|survey)/?)$"
)


def classify(method: str, path: str) -> PathClass:
    """The class of a request (``method`` is ``WS`` for a WebSocket)."""
    if path.startswith("/v1/"):
        if path.startswith("/v1/surveys/"):
            return "survey"
        if method == "WS":
            return "ingest" if path.startswith("/v1/media/") else "api"
        if method == "POST" and _INGEST_POST.match(path):
            return "ingest"
        return "api"
    if path in _OPEN_PATHS or path.startswith("/static/"):
        return "open"
    return "page"


@dataclass(frozen=True, slots=True)
class Verdict:
    """``status`` 0: allowed, provided the caller owns ``interaction_id`` / ``customer_id``."""

    status: int = 0
    message: str = ""
    interaction_id: str | None = None
    customer_id: int | None = None

    @property
    def allowed(self) -> bool:
        """Whether the request may go on (ownership checks aside)."""
        return self.status == 0


ALLOWED = Verdict()

_READS = frozenset({"GET", "HEAD"})
_SURVEY_LINK = re.compile(r"^/v1/interactions/[^/]+/survey-link/?$")
# What an agent may call: (methods, pattern). Named groups: interaction, customer, agent.
_AGENT_RULES: list[tuple[frozenset[str], re.Pattern[str]]] = [
    (_READS, re.compile(r"^/v1/interactions/?$")),
    (_READS, re.compile(r"^/v1/interactions/(?P<interaction>[^/]+)(?:/[^/]+)*/?$")),
    (frozenset({"POST"}), re.compile(r"^/v1/interactions/(?P<interaction>[^/]+)/escalate/?$")),
    (frozenset({"POST"}), re.compile(r"^/v1/interactions/(?P<interaction>[^/]+)/verdicts/?$")),
    (_READS, re.compile(r"^/v1/customers/?$")),
    (_READS, re.compile(r"^/v1/customers/(?P<customer>\d+)/?$")),
    # The customer on the line asks the agent to stop (or allow) contacting them.
    (
        frozenset({"GET", "PUT"}),
        re.compile(r"^/v1/customers/(?P<customer>\d+)/contact-preference/?$"),
    ),
    (_READS, re.compile(r"^/v1/playbooks(?:/[^/]+(?:/revisions)?)?/?$")),
    (frozenset({"POST"}), re.compile(r"^/v1/coaching/?$")),
    (_READS, re.compile(r"^/v1/messages(?:/[^/]+)?/?$")),
    (_READS, re.compile(r"^/v1/queues/?$")),
    (_READS, re.compile(r"^/v1/channels/voice/ivr-menu/?$")),
    (_READS, re.compile(r"^/v1/agents/(?P<agent>[^/]+)(?:/handle-time)?/?$")),
    (frozenset({"POST"}), re.compile(r"^/v1/agents/(?P<agent>[^/]+)/(?:state|next)/?$")),
]


def unauthorized(message: str) -> Verdict:
    """No valid credentials (401)."""
    return Verdict(status=401, message=message)


def forbidden(message: str) -> Verdict:
    """Valid credentials, not allowed to do this (403)."""
    return Verdict(status=403, message=message)


def authorize(path_class: PathClass, method: str, path: str, caller: Caller) -> Verdict:
    """Whether ``caller`` may make this request; anonymous callers only where nothing is needed."""
    if path_class in ("open", "page", "survey"):
        return ALLOWED
    if caller.kind == "anonymous":
        what = "an event source's token" if path_class == "ingest" else "a user's token"
        return unauthorized(f"this needs {what}: send it as 'Authorization: Bearer krs_...'")
    if path_class == "ingest":
        if caller.is_source or caller.is_admin:
            return ALLOWED
        return forbidden("sending events needs an event source's token (or an admin's)")
    if caller.is_source:
        if method in _READS and (path.startswith("/v1/channels/") or _SURVEY_LINK.match(path)):
            return ALLOWED  # the platform that sends the customer's survey reads its link
        return forbidden("an event source's token may only send events; reading needs a user")
    if caller.supervises:
        return ALLOWED
    method = "GET" if method == "HEAD" else method
    if _SURVEY_LINK.match(path):  # an agent who read it could answer their own survey
        return forbidden("a survey link is for the customer; agents may not read it")
    for methods, pattern in _AGENT_RULES:
        match = pattern.match(path)
        if match is None or method not in methods:
            continue
        groups = match.groupdict()
        if groups.get("agent") is not None:
            own = caller.user.agent_id if caller.user is not None else None
            if groups["agent"] != own:
                return forbidden("an agent may only see and change their own agent record")
            return ALLOWED
        customer = groups.get("customer")
        return Verdict(
            interaction_id=groups.get("interaction"),
            customer_id=int(customer) if customer is not None else None,
        )
    return forbidden(f"{method} {path} is for supervisors and admins")
