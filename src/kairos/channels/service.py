"""Channel intake: convert a payload with its adapter, then ingest the events all-or-nothing."""

from __future__ import annotations

import threading
import zlib
from contextlib import nullcontext
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.channels.base import ChannelAdapter, Said
from kairos.events import Event
from kairos.interactions import ingesting
from kairos.interactions import service as interaction_service
from kairos.interactions.models import EventRecord, Interaction
from kairos.interactions.schemas import IngestResponse
from kairos.services import Services


class StoredInteractions:
    """The adapters' view of interactions already in the database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def exists(self, interaction_id: str) -> bool:
        """Whether this interaction was started."""
        found = interaction_service.get_by_external_id(
            session=self.session, interaction_id=interaction_id
        )
        return found is not None

    def open_thread(self, prefix: str, since: datetime) -> str | None:
        """The newest interaction not ended whose id starts with ``prefix``, active since."""
        query = (
            select(Interaction.external_id)
            .where(
                Interaction.external_id.startswith(prefix, autoescape=True),
                Interaction.state != "ended",
                Interaction.last_event_at >= since,
            )
            .order_by(Interaction.last_event_at.desc(), Interaction.id.desc())
            .limit(1)
        )
        return self.session.scalar(query)

    def started_at(self, interaction_id: str) -> datetime | None:
        """When this interaction started, None when it was not started."""
        return self.session.scalar(
            select(Interaction.started_at).where(Interaction.external_id == interaction_id)
        )

    def start_of(self, interaction_id: str) -> str | None:
        """The event id of this interaction's stored ``interaction.started``, None if none."""
        return self.session.scalar(
            select(EventRecord.event_id)
            .join(Interaction, Interaction.id == EventRecord.interaction_id)
            .where(
                Interaction.external_id == interaction_id,
                EventRecord.type == "interaction.started",
            )
            .limit(1)
        )

    def said(self, event_id: str) -> Said | None:
        """This stored utterance, None when it is not stored."""
        row = self.session.execute(
            select(Interaction.external_id, EventRecord.payload)
            .join(Interaction, Interaction.id == EventRecord.interaction_id)
            .where(EventRecord.event_id == event_id, EventRecord.type == "utterance")
        ).first()
        if row is None or not isinstance(row.payload, dict):
            return None
        body = row.payload
        return Said(row.external_id, str(body.get("speaker", "")), str(body.get("text", "")))


#: Payloads of one looked-up thread are converted and ingested one at a time, in this process
#: (striped: a thread's key picks its lock). Two processes can still split a thread in two.
_THREADS = tuple(threading.Lock() for _ in range(64))


def convert(
    *, runtime: Services, adapter: ChannelAdapter, payload: bytes, received_at: datetime
) -> list[Event]:
    """The payload's events, ``interaction.started`` only for interactions not yet stored."""
    with runtime.db.session() as session:
        return adapter.to_events(
            payload, received_at=received_at, lookup=StoredInteractions(session)
        )


def receive(
    *,
    runtime: Services,
    adapter: ChannelAdapter,
    payload: bytes,
    received_at: datetime,
    source: str | None = None,
    park: bool = True,
) -> IngestResponse:
    """Convert and ingest one channel payload; a repeat is acknowledged, not applied twice.

    ``source``: the event source whose token sent it (see ``interactions.service.ingest``).
    ``park``: an event about an interaction not started yet waits for its start (webhooks,
    whose platforms deliver out of order); False: it is refused (a file replayed in order).
    """
    thread = adapter.thread_of(payload)
    with _THREADS[zlib.crc32(thread.encode()) % len(_THREADS)] if thread else nullcontext():
        events = convert(runtime=runtime, adapter=adapter, payload=payload, received_at=received_at)
        if not events:
            return IngestResponse(applied=0, duplicates=0, events=[])
        return ingesting.ingest(runtime, events, backpressure=True, source=source, park=park)
