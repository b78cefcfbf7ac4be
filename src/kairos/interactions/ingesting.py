"""Ingest with a running Kairos's services: the one call every part of Kairos that applies events
makes (the public route, channel webhooks, media streams, the idle sweep, escalation, outreach,
surveys, the pages' actions), so each passes the same database, bus, detectors, metrics and
default time zone, and none can leave one out."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from kairos.events import Event
from kairos.interactions import service as interaction_service
from kairos.interactions.parking import Parking
from kairos.interactions.schemas import IngestResponse
from kairos.services import Services


def ingest(
    runtime: Services,
    events: list[Event],
    *,
    backpressure: bool = False,
    source: str | None = None,
    riders: bool = False,
    park: bool = False,
    keep: Callable[[Session, list[Event]], list[Event]] | None = None,
) -> IngestResponse:
    """Apply ``events`` with ``runtime``'s services (see ``interactions.service.ingest``).

    ``park``: an event naming an interaction not started yet waits for its start, as the
    settings say (``KAIROS_EARLY_EVENT_HOLD_S``, ``KAIROS_EARLY_EVENTS_MAX``); without it, it is
    refused. Either way a start releases the events waiting for it.
    """
    settings = runtime.settings
    return interaction_service.ingest(
        db=runtime.db,
        events=events,
        bus=runtime.bus,
        detectors=runtime.detectors,
        metrics=runtime.metrics,
        default_timezone=settings.default_timezone,
        backpressure=backpressure,
        source=source,
        riders=riders,
        parking=Parking.of(settings.early_event_hold_s, settings.early_events_max)
        if park
        else None,
        keep=keep,
    )
