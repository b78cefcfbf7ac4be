"""Errors a client can cause, each with an HTTP status and a JSON body that names the problem."""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Mapping, Sequence
from typing import Any


class ClientError(Exception):
    """A request Kairos refuses; nothing it carried was applied."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []

    def headers(self) -> dict[str, str] | None:
        """Response headers the answer carries (``Retry-After``, ``WWW-Authenticate``)."""
        return None

    def body(self) -> dict[str, Any]:
        """The JSON answer."""
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class InvalidEvents(ClientError):
    """One or more events failed validation."""

    status_code = 422
    code = "invalid_events"


class AgentVoiceRefused(ClientError):
    """Audio analysis of the agent's (a worker's) voice was asked for: refused, nothing stored."""

    status_code = 422
    code = "agent_voice_not_analysed"


class MalformedBody(ClientError):
    """The body is not JSON, or not an event, a list of events or ``{"events": [...]}``."""

    status_code = 400
    code = "malformed_body"


class UnknownInteraction(ClientError):
    """An event names an interaction that was never started."""

    status_code = 404
    code = "unknown_interaction"


class Conflict(ClientError):
    """The request contradicts what is already stored."""

    status_code = 409
    code = "conflict"


class NotFound(ClientError):
    """No such thing."""

    status_code = 404
    code = "not_found"


class Forbidden(ClientError):
    """The caller may not do this (an event source writing to another source's interaction)."""

    status_code = 403
    code = "forbidden"


class TooLarge(ClientError):
    """The request carries more than the configured limit."""

    status_code = 413
    code = "too_large"


class Unavailable(ClientError):
    """A part Kairos needs does not answer at this moment; retry the same request shortly."""

    status_code = 503
    code = "unavailable"
    #: Seconds the answer's ``Retry-After`` asks the client to wait.
    retry_after_s = 2

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after_s)}


class UnsupportedMediaType(ClientError):
    """The body's content type is not one this route reads."""

    status_code = 415
    code = "unsupported_media_type"


class Overloaded(ClientError):
    """The detector workers are too far behind; retry the same request after a pause.

    Answered before anything of the request is stored, so a retry loses nothing.
    """

    status_code = 429
    code = "overloaded"

    def __init__(self, message: str, *, retry_after_s: int = 2) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after_s)}


#: pydantic's error types for a date and time it could not read, or one without a time zone.
_TIME_ERRORS = frozenset(
    {"timezone_aware", "datetime_parsing", "datetime_from_date_parsing", "datetime_type"}
)
#: What to send instead, said after pydantic's own message for a time it could not take.
TIME_HINT = (
    "send ISO 8601 with a time zone, such as 2026-11-22T16:02:00Z or 2026-11-22T16:02:00-05:00"
)
#: An offset whose ``+`` a URL's query turned into a space: ``...T16:02:00 05:00``.
_PLUS_AS_SPACE = re.compile(r"\d \d{2}(:?\d{2})?$")


def field_message(error: Mapping[str, Any], *, in_query: bool = False) -> str:
    """A validation error's message for a client: pydantic's, and for a date and time it could
    not take, what to send instead (its own says only what is wrong). ``in_query``: the value
    came in a URL's query, where an unencoded ``+`` of an offset arrives as a space."""
    message = str(error["msg"])
    if error.get("type") not in _TIME_ERRORS:
        return message
    value = error.get("input")
    if in_query and isinstance(value, str) and _PLUS_AS_SPACE.search(value):
        return (
            f"{message}: the '+' of the offset arrived as a space, as an unencoded '+' in a "
            "URL's query does; send it as %2B (2026-11-22T16:02:00%2B05:00), use Z, or let "
            "the client encode the query (curl -G --data-urlencode, httpx params=)"
        )
    return f"{message}: {TIME_HINT}"


def field_path(loc: Sequence[int | str], raw: Any) -> str:
    """A validation error's location as the dotted path of the field the client sent: without
    the tag pydantic puts in the location of a tagged union's member (``events.0.call.started.at``
    is ``events.0.at`` to whoever wrote the body ``raw``)."""
    parts: list[str] = []
    node = raw
    for part in loc:
        if isinstance(node, dict) and part not in node and node.get("type") == part:
            continue  # the member's tag, not a field
        parts.append(str(part))
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return ".".join(parts)


def _database_error(error: BaseException | None) -> bool:
    """Whether ``error`` is SQLAlchemy's ``DBAPIError`` (a driver's error with its statement),
    told by its classes' names so that this module imports no SQLAlchemy: the detection library,
    which must not, raises :class:`ClientError` subclasses from here."""
    return error is not None and any(
        kind.__name__ == "DBAPIError" and kind.__module__ == "sqlalchemy.exc"
        for kind in type(error).__mro__
    )


def described(error: BaseException) -> str:
    """An error as a log line may name it: a database error by its classes, never its message
    (the driver's message may quote a stored value: PostgreSQL's ``DETAIL`` names a duplicate
    key, a trigger's text what it refused; that is a customer's number or words, which no erasure
    reaches once in a log file); any other error as it reads. Statement parameters the engine
    hides already (:func:`kairos.db.make_engine`)."""
    if _database_error(error):
        return f"{type(error).__name__} ({type(getattr(error, 'orig', None)).__name__})"
    return str(error)


#: Why a database does not answer, as drivers word it (lower-case patterns), and as a log line
#: may say it: the driver's message names users, databases and host names, and may quote values.
_UNAVAILABLE_BECAUSE: tuple[tuple[str, str], ...] = (
    ("connection refused", "connection refused"),
    ("timeout expired", "connection timed out"),
    ("timed out", "connection timed out"),
    ("could not translate host name", "host name not found"),
    ("password authentication failed", "password authentication failed"),
    ("no pg_hba.conf entry", "connection not allowed by the server (pg_hba.conf)"),
    ('role ".*" does not exist', "no such role"),
    ('database ".*" does not exist', "no such database"),
    ("the database system is starting up", "the server is starting up"),
    ("the database system is shutting down", "the server is shutting down"),
    ("the database system is in recovery mode", "the server is in recovery"),
    ("terminating connection due to administrator command", "connection ended by the server"),
    ("server closed the connection unexpectedly", "connection closed by the server"),
    ("consuming input failed", "connection closed by the server"),
    ("too many clients", "too many connections"),
    ("connection slots are reserved", "too many connections"),
    ("database is locked", "database is locked (another writer holds it)"),
    ("unable to open database file", "unable to open the database file"),
    ("disk i/o error", "disk I/O error"),
)
#: Where a PostgreSQL driver could not connect: the host and port, which a log may name.
_SERVER_AT = re.compile(r'connection to server at "([^"]+)"(?: \([^)]*\))?, port (\d+)')


def why_unavailable(error: BaseException) -> str:
    """A database that does not answer, as a log line may say it: the error's classes, its
    SQLSTATE, which server (host and port) did not answer, and why in words of a fixed list;
    never the driver's message (user and database names, values)."""
    original = getattr(error, "orig", None) or error
    said = " ".join(str(original).split())
    parts = [described(error) if _database_error(error) else type(error).__name__]
    state = getattr(original, "sqlstate", None)
    if isinstance(state, str) and state.isalnum():
        parts.append(f"SQLSTATE {state}")
    server = _SERVER_AT.search(said)
    if server is not None:
        parts.append(f"server {server.group(1)} port {server.group(2)}")
    lowered = said.lower()
    because = next((w for found, w in _UNAVAILABLE_BECAUSE if re.search(found, lowered)), None)
    return ", ".join(parts) + (f": {because}" if because else "")


def log_failure(
    logger: logging.Logger, message: str, *args: object, error: BaseException | None = None
) -> None:
    """``logger.exception(message, *args)`` for ``error`` (default: the one being handled),
    except that a database error is logged as :func:`described` says, with its statement (no
    values) and its frames."""
    error = error if error is not None else sys.exc_info()[1]
    if error is None or not _database_error(error):
        logger.error(message, *args, exc_info=error)
        return
    frames = "".join(traceback.format_tb(error.__traceback__))
    logger.error(f"{message}: %s in %s\n%s", *args, described(error), statement(error), frames)


def statement(error: BaseException) -> str:
    """The statement a database error failed on, in one line (its first 300 characters); its
    values are not in it (they are bound parameters), "" for any other error."""
    return " ".join(str(getattr(error, "statement", None) or "").split())[:300]


def by_class(error: BaseException) -> str:
    """An error in one line that names no value it may carry, for text that is kept (a dead
    letter) or logged without its traceback: a database error by its classes and statement, any
    other by its class and where it was raised; never its message (the log line written when it
    happened has that, as :func:`log_failure` allows)."""
    if _database_error(error):
        return f"{described(error)} in {statement(error)}"
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return type(error).__name__
    last = frames[-1]
    return (
        f"{type(error).__name__} at {last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name}"
    )


#: The JSON of every refusal (:meth:`ClientError.body`, and the 422 of a bad query or body).
ERROR_BODY_SCHEMA: dict[str, Any] = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "what kind of refusal: invalid_request, ..."},
        "message": {"type": "string", "description": "what is wrong, and what to send instead"},
        "errors": {
            "type": "array",
            "description": "each bad field (POST /v1/events adds index and event_id)",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string", "description": "query.since, events.0.at, ..."},
                    "message": {"type": "string"},
                    "index": {"type": ["integer", "null"]},
                    "event_id": {"type": "string"},
                },
            },
        },
    },
}
_FASTAPI_ERROR = "#/components/schemas/HTTPValidationError"


def document_errors(schema: dict[str, Any]) -> None:
    """Say in an OpenAPI ``schema`` what refusals look like: FastAPI documents every 422 as its
    own ``{"detail": [{"loc", "msg", "type"}]}``, which Kairos never answers; a client generated
    from the schema would read none of its fields. Each 4xx and 5xx answer is ``ErrorBody``."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorBody"] = ERROR_BODY_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content")
                if content and _FASTAPI_ERROR in str(content):
                    answer["content"] = body
                    answer["description"] = "invalid request: each bad field named in errors"
                elif not content and status[:1] in "45":
                    answer["content"] = body
    if _FASTAPI_ERROR not in str(schema.get("paths")):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
