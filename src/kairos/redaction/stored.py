"""The event as it may be stored: every free-text field and keyed secret redacted again at
ingestion (the inbound models redacted them once already; this is the second lock)."""

from __future__ import annotations

from typing import Any

from kairos.events import (
    Event,
    InteractionEnded,
    InteractionStarted,
    IvrInput,
    IvrSelection,
    SurveyResponse,
    Transfer,
    Utterance,
)
from kairos.redaction.text import mask_value, redact_secrets


def _clean(value: str | None, limit: int) -> str | None:
    """Redacted, and cut to the field's length (a redaction mark can be longer than a number)."""
    if not value:
        return value
    redacted = redact_secrets(value)
    return redacted if len(redacted) <= limit else redacted[: limit - 1] + "…"


def sanitise_event(event: Event) -> Event:
    """The event as it may be stored: every free-text field and keyed secret redacted."""
    update: dict[str, Any] = {}
    if isinstance(event, Utterance):
        update["text"] = _clean(event.text, 20_000)
    elif isinstance(event, IvrInput):
        update["value"] = mask_value(event.name, event.value)[0]
    elif isinstance(event, IvrSelection):
        update["label"] = _clean(event.label, 200)
    elif isinstance(event, InteractionStarted):
        update["subject"] = _clean(event.subject, 500)
        update["reason"] = _clean(event.reason, 200)
        if event.escalation is not None and event.escalation.note:
            note = _clean(event.escalation.note, 2000)
            update["escalation"] = event.escalation.model_copy(update={"note": note})
    elif isinstance(event, Transfer):
        update["reason"] = _clean(event.reason, 500)
    elif isinstance(event, InteractionEnded):
        note, disposition = event.outcome.note, event.outcome.disposition
        update["outcome"] = event.outcome.model_copy(
            update={"note": _clean(note, 2000), "disposition": _clean(disposition, 100)}
        )
    elif isinstance(event, SurveyResponse):
        update["text"] = _clean(event.text, 5000)
    changed = {k: v for k, v in update.items() if v != getattr(event, k)}
    return event.model_copy(update=changed) if changed else event
