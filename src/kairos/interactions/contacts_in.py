"""Ingest's check of who and what language a contact is: identities that cannot be a phone number
or an email address, and languages that cannot be a BCP 47 tag, are refused with a 422 naming
each field. It reads ``POST /v1/events`` only: the events' models take what voice platforms send
(``anonymous`` callers) and what older rows hold, so both still load."""

from __future__ import annotations

from typing import Any

from kairos.customers.identity import email_address, identity_problem
from kairos.errors import InvalidEvents
from kairos.events import CustomerIdentified, Event, Identity, InteractionStarted
from kairos.limits import as_language_tag


def _identities(
    event: InteractionStarted | CustomerIdentified, region: str
) -> tuple[list[Identity], list[tuple[str, str]]]:
    """The event's identities as stored (an email without its display name) and the problems."""
    kept: list[Identity] = []
    problems: list[tuple[str, str]] = []
    for n, identity in enumerate(event.identities):
        problem = identity_problem(identity, region=region)
        if problem is not None:
            problems.append((f"identities.{n}.value", problem))
        elif identity.kind == "email" and email_address(identity.value) != identity.value:
            identity = Identity(kind="email", value=email_address(identity.value))
        kept.append(identity)
    return kept, problems


def _start_fields(
    event: InteractionStarted, region: str
) -> tuple[str | None, list[tuple[str, str]]]:
    """A start's language as stored, and the problems of its language and callback number."""
    problems: list[tuple[str, str]] = []
    callback = event.escalation.phone if event.escalation is not None else None
    if callback is not None:
        problem = identity_problem(Identity(kind="phone", value=callback), region=region)
        if problem is not None:
            problems.append(("escalation.phone", problem))
    language = event.language
    if language is not None:
        try:
            language = as_language_tag(language)
        except ValueError as exc:
            problems.append(("language", str(exc)))
    return language, problems


def check_contacts(events: list[Event], *, region: str) -> list[Event]:
    """``events`` with each identity and language as stored, or :class:`InvalidEvents` naming
    every value that cannot be one (``region`` reads national phone numbers)."""
    checked: list[Event] = []
    errors: list[dict[str, Any]] = []
    for index, event in enumerate(events):
        if not isinstance(event, InteractionStarted | CustomerIdentified):
            checked.append(event)
            continue
        # A later identity (customer.identified) is checked and stored as the start's are.
        identities, problems = _identities(event, region)
        update: dict[str, Any] = (
            {"identities": identities} if identities != event.identities else {}
        )
        if isinstance(event, InteractionStarted):
            language, start_problems = _start_fields(event, region)
            problems += start_problems
            if language != event.language:
                update["language"] = language
        errors.extend(
            {"index": index, "field": field, "message": message, "event_id": event.event_id}
            for field, message in problems
        )
        checked.append(event.model_copy(update=update) if update else event)
    if errors:
        bad = len({e["index"] for e in errors})
        raise InvalidEvents(
            f"{bad} of {len(events)} events are invalid; nothing was applied", errors=errors
        )
    return checked
