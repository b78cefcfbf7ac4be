"""What a live media stream's ``start`` must pass before its audio is taken.

The interaction must exist, a source's token reaches only what its source started, and a
``stream_id`` names one stream of one interaction: the segments' event ids are made from it
(``audio:<stream_id>:<n>``), so the same id under another interaction would name events already
stored there. That is the client's mistake, refused at ``start`` with a policy close before any
audio is taken; the other interaction's stream is left as it was.
"""

from __future__ import annotations

from sqlalchemy import select

from kairos.access import Actor
from kairos.channels.media import (
    CLOSE_OTHER_SOURCE,
    CLOSE_POLICY,
    CLOSE_UNKNOWN_INTERACTION,
    MediaProtocolError,
)
from kairos.detection.voice.leg import CallLeg
from kairos.interactions import service as interaction_service
from kairos.interactions.models import EventRecord
from kairos.services import Services

STREAM_REUSED = "names another interaction's stream: give each stream its own stream_id"


def check_start(runtime: Services, actor: Actor | None, leg: CallLeg) -> None:
    """Raise the protocol error that refuses ``leg``'s stream; nothing when it may go on."""
    with runtime.db.session() as session:
        found = interaction_service.get_by_external_id(
            session=session, interaction_id=leg.interaction_id
        )
        if found is None:
            raise MediaProtocolError(
                CLOSE_UNKNOWN_INTERACTION,
                f"unknown interaction {leg.interaction_id[:60]!r}: send interaction.started first",
            )
        source = None if actor is None else actor.source
        if source is not None and found.source not in (None, source):
            raise MediaProtocolError(
                CLOSE_OTHER_SOURCE, "this interaction was started by another event source"
            )
        # The stream's first segment is enough: a stream that stored anything stored it first.
        owner = session.scalar(
            select(EventRecord.interaction_id).where(
                EventRecord.event_id == f"audio:{leg.stream_id}:1"
            )
        )
    if owner is not None and owner != found.id:
        raise stream_reused(leg.stream_id)


def stream_reused(stream_id: str) -> MediaProtocolError:
    """The policy close for a ``stream_id`` that names another interaction's stream."""
    return MediaProtocolError(CLOSE_POLICY, f"stream_id {stream_id[:24]!r} {STREAM_REUSED}")
