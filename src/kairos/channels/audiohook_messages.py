"""AudioHook protocol version 2: the client's messages as Kairos reads them, and the media.

See ``kairos.channels.audiohook`` for the protocol; these are the shapes it validates.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kairos.channels.media import CLOSE_INVALID, MediaProtocolError

RATE = 8000
_DURATION = re.compile(r"^PT(\d+(?:\.\d+)?)S$")


class Message(BaseModel):
    """One text message from the client: the fields every message carries."""

    model_config = ConfigDict(extra="allow")

    version: Literal["2"]
    id: str = Field(min_length=1, max_length=100)
    type: str = Field(min_length=1, max_length=40)
    seq: int = Field(ge=1)
    serverseq: int = Field(default=0, ge=0)
    position: str = "PT0S"
    parameters: dict[str, Any] = {}


class MediaOffer(BaseModel):
    """One media format Genesys offers in ``open``."""

    model_config = ConfigDict(extra="allow")

    type: Literal["audio"] = "audio"
    format: str
    channels: list[str] = Field(min_length=1, max_length=2)
    rate: int


class _Participant(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str | None = None
    ani: str | None = Field(default=None, max_length=64)


class _Continued(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=100)
    serverseq: int = Field(default=0, ge=0)
    clientseq: int = Field(default=0, ge=0)


class Open(BaseModel):
    """The parameters of ``open``."""

    model_config = ConfigDict(extra="allow")

    organizationId: str | None = None
    conversationId: str = Field(min_length=1, max_length=150)
    participant: _Participant = _Participant()
    media: list[MediaOffer] = Field(min_length=1, max_length=20)
    language: str | None = Field(default=None, max_length=20)
    continuedSessions: list[_Continued] = Field(default=[], max_length=20)


def choose_media(offers: list[MediaOffer]) -> MediaOffer | None:
    """The offer Kairos takes: customer-only first, else the first with the customer in it."""
    usable = [
        o
        for o in offers
        if o.format in ("PCMU", "L16") and o.rate == RATE and "external" in o.channels
    ]
    alone = [o for o in usable if o.channels == ["external"]]
    best = alone or usable
    return best[0] if best else None


def seconds(duration: str) -> float:
    """An AudioHook duration (``PT1.25S``) in seconds."""
    match = _DURATION.match(duration)
    if match is None:
        raise MediaProtocolError(CLOSE_INVALID, f"duration {duration[:30]!r} is not like PT1.5S")
    return float(match.group(1))
