"""Plain functions that build events for tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

_counter = itertools.count(1)
T0 = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    """An ISO timestamp ``seconds`` after the tests' reference time."""
    return (T0 + timedelta(seconds=seconds)).isoformat()


def started(
    interaction_id: str, *, channel: str = "call", phone: str | None = "+14155550100", **extra: Any
) -> dict[str, Any]:
    """An ``interaction.started`` event."""
    identities = [{"kind": "phone", "value": phone}] if phone else []
    return {
        "type": "interaction.started",
        "event_id": f"{interaction_id}-start",
        "interaction_id": interaction_id,
        "occurred_at": at(0),
        "channel": channel,
        "identities": identities,
        **extra,
    }


def utterance(
    interaction_id: str,
    text: str,
    *,
    speaker: str = "customer",
    event_id: str | None = None,
    seconds: float | None = None,
) -> dict[str, Any]:
    """An ``utterance`` event."""
    n = next(_counter)
    return {
        "type": "utterance",
        "event_id": event_id or f"{interaction_id}-u{n}",
        "interaction_id": interaction_id,
        "occurred_at": at(seconds if seconds is not None else n),
        "speaker": speaker,
        "text": text,
    }


def ended(interaction_id: str, *, resolved: bool = True) -> dict[str, Any]:
    """An ``interaction.ended`` event."""
    return {
        "type": "interaction.ended",
        "event_id": f"{interaction_id}-end",
        "interaction_id": interaction_id,
        "occurred_at": at(600),
        "outcome": {"resolved": resolved},
    }
