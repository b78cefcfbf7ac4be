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


def check_contacts(events: list[Event], *, region: str) -> list[Event]:
    """``events`` with each identity and language as stored, or :class:`InvalidEvents` naming
    every value that cannot be one (``region`` reads national phone numbers)."""
    checked: list[Event] = []
    errors: list[dict[str, Any]] = []
    for index, event in enumerate(events):
        if isinstance(event, CustomerIdentified):
            # A later identity is checked as the start's are (and stored the same way).
            identities, problems = _identities(event, region)
            errors.extend(
                {"index": index, "field": f, "message": m, "event_id": event.event_id}
                for f, m in problems
            )
            if identities != event.identities:
                event = event.model_copy(update={"identities": identities})
            checked.append(event)
            continue
        if not isinstance(event, InteractionStarted):
            checked.append(event)
            continue
        identities, problems = _identities(event, region)
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
        for field, message in problems:
            errors.append(
                {"index": index, "field": field, "message": message, "event_id": event.event_id}
            )
        if identities != event.identities or language != event.language:
            event = event.model_copy(update={"identities": identities, "language": language})
        checked.append(event)
    if errors:
        bad = len({e["index"] for e in errors})
        raise InvalidEvents(
            f"{bad} of {len(events)} events are invalid; nothing was applied", errors=errors
        )
    return checked
