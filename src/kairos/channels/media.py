"""Call audio in: Twilio Media Streams, raw PCM streams and recorded files, as audio.segment events.

A media stream is one call leg tied to one interaction. The protocols here only decode frames; the
leg's voice analysis state lives in ``kairos.detection.voice.leg`` (VAD, NumPy features, the
caller's baseline), and every voiced segment
becomes an ``audio.segment`` event with the features and the caller's stress, ingested like any
other event (stored, deduped on its ``event_id``, published, and folded into the assessment).

Two WebSocket protocols, each handled by a small state machine here (the views only move
messages):

- **Twilio Media Streams**: JSON text messages ``connected``, ``start`` (stream and call ids,
  ``mediaFormat`` ``audio/x-mulaw`` at 8000 Hz, ``customParameters``), ``media`` (base64 μ-law in
  ``media.payload``, ``media.track`` inbound or outbound, ``media.chunk`` put in order by
  ``kairos.channels.media_order``), ``mark``/``dtmf`` (ignored), ``stop``.
  A message type not in that list is skipped and counted (``Step.ignored``), as a robust client
  of a protocol that grows does: closing on it would cut the rest of the call's audio the day
  Twilio adds one. A malformed message of a known type still closes the stream.
  The interaction is the URL's ``interaction_id``, else ``customParameters.interaction_id``, else
  the call SID. The inbound track is the customer; outbound audio (what the caller hears: the
  agent) is accepted and never analysed. A stream whose ``customParameters.speaker`` is
  ``agent`` is closed with 4451 at its start: the agent's voice is not analysed or kept.
- **Raw PCM**: a JSON ``{"event": "start", "sample_rate": 16000, "interaction_id": ...,
  "speaker": "customer", "stream_id": ...}``, then binary messages of 16-bit little-endian mono
  PCM, then ``{"event": "stop"}``. ``"speaker": "agent"`` is closed with 4451, as above.

A protocol mistake raises ``MediaProtocolError`` with the WebSocket close code and a reason in
words; what was heard before it is still analysed and kept.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kairos.channels.media_order import ChunkOrder, chunk_number
from kairos.db import utcnow
from kairos.detection.voice.codecs import pcm16_decode
from kairos.detection.voice.leg import CallLeg, LegBatch
from kairos.detection.voice.model import VoiceModel
from kairos.events import AGENT_VOICE_CLOSE, AudioSegment

log = logging.getLogger(__name__)

#: Largest WebSocket message taken (a Twilio media message is about 400 bytes).
MAX_MESSAGE_BYTES = 64 * 1024
#: Largest stretch of audio in one message.
MAX_MESSAGE_SECONDS = 2.0
MIN_RATE = 8000
MAX_RATE = 48000

# WebSocket close codes (RFC 6455; 4xxx are the application's own).
CLOSE_NORMAL = 1000
CLOSE_UNSUPPORTED = 1003
CLOSE_INVALID = 1007
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL = 1011
CLOSE_UNKNOWN_INTERACTION = 4404
#: The interaction was started by another event source than the stream's token (as HTTP 403).
CLOSE_OTHER_SOURCE = 4403
#: The stream is the agent's voice: not analysed, not kept (as HTTP 451, legal reasons).
CLOSE_AGENT_VOICE = 4451


class MediaProtocolError(Exception):
    """The peer broke the protocol: close with ``code`` and ``reason``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason

    @property
    def close_reason(self) -> str:
        """The reason clipped to the 123 bytes a close frame holds."""
        raw = self.reason.encode()
        return self.reason if len(raw) <= 123 else raw[:120].decode(errors="ignore") + "..."


def _field_errors(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(message)'}: {e['msg']}" for e in exc.errors()
    )


def _json_object(text: str) -> dict[str, Any]:
    try:
        raw = json.loads(text)
    except ValueError as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)[:80]
        raise MediaProtocolError(CLOSE_INVALID, f"message is not JSON: {reason}") from None
    except RecursionError:
        raise MediaProtocolError(CLOSE_INVALID, "message JSON is nested too deeply") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("event"), str):
        raise MediaProtocolError(CLOSE_INVALID, 'message must be a JSON object with an "event"')
    return raw


def _checked_interaction_id(value: str) -> str:
    """An interaction id as events take it: 1-200 characters, no spaces or control characters."""
    if len(value) > 200 or any(c.isspace() or not c.isprintable() for c in value):
        raise MediaProtocolError(
            CLOSE_INVALID,
            f"interaction_id {value[:40]!r}: 1-200 characters, no spaces or control characters",
        )
    return value


@dataclass
class Step:
    """What one message did: a stream that started (to check), events to ingest, the end."""

    started: CallLeg | None = None
    events: list[AudioSegment] = field(default_factory=list)
    stopped: bool = False
    #: The type of a message skipped because the protocol does not know it (Twilio only).
    ignored: str | None = None


def _clock() -> datetime:
    return utcnow()


class _Format(BaseModel):
    model_config = ConfigDict(extra="allow")

    encoding: str
    sampleRate: int
    channels: int = 1


class _TwilioStart(BaseModel):
    model_config = ConfigDict(extra="allow")

    streamSid: str = Field(min_length=1, max_length=100, pattern=r"^[^\s:]+$")
    callSid: str | None = Field(default=None, max_length=100)
    tracks: list[str] = ["inbound"]
    mediaFormat: _Format
    customParameters: dict[str, str] = {}


class _TwilioMedia(BaseModel):
    model_config = ConfigDict(extra="allow")

    track: str = "inbound"
    payload: str


class TwilioMediaStream:
    """The Twilio Media Streams protocol on one WebSocket (see the module docstring)."""

    def __init__(
        self,
        *,
        interaction_id: str | None = None,
        model: VoiceModel | None = None,
        clock: Callable[[], datetime] = _clock,
        transcribe: bool = False,
    ) -> None:
        self.interaction_id = interaction_id
        self.model = model
        self.clock = clock
        self.transcribe = transcribe
        self.leg: CallLeg | None = None
        self.heard: CallLeg | None = None  # the leg, kept after the stop for its last speech
        self.ignored_frames = 0
        self.skipped: set[str] = set()  # message types skipped (unknown to this protocol)
        self.order = ChunkOrder()  # the inbound track's chunks
        #: Where a whole block waits to be judged with other streams' (``CallLeg.feed``).
        self.batch: LegBatch | None = None

    def receive(self, *, text: str | None = None, data: bytes | None = None) -> Step:
        """Handle one WebSocket message."""
        if text is None:
            raise MediaProtocolError(
                CLOSE_UNSUPPORTED, "binary messages are not Twilio Media Streams: send JSON text"
            )
        if len(text) > MAX_MESSAGE_BYTES:
            raise MediaProtocolError(
                CLOSE_TOO_BIG, f"message of {len(text)} bytes; the limit is {MAX_MESSAGE_BYTES}"
            )
        message = _json_object(text)
        event = message["event"]
        if event == "connected":
            return Step()
        if event == "start":
            return self._start(message)
        if event == "media":
            return self._media(message)
        if event == "stop":
            return Step(events=self.finish(), stopped=True)
        if event in ("mark", "dtmf"):
            return Step()
        if event[:40] not in self.skipped and len(self.skipped) < 8:  # once a type, a few a stream
            self.skipped.add(event[:40])
            log.info("Twilio media stream: skipped a message of unknown type %r", event[:40])
        return Step(ignored=event[:40])

    def finish(self) -> list[AudioSegment]:
        """Analyse what is left (at the stop, an error or a disconnect)."""
        leg, self.leg = self.leg, None
        if leg is None:
            return []
        if self.order.repeats:
            log.info("Twilio media stream: %d chunk(s) heard again dropped", self.order.repeats)
        return [e for held in self.order.rest() for e in leg.feed_mulaw(held)] + leg.finish()

    def _start(self, message: dict[str, Any]) -> Step:
        if self.leg is not None:
            raise MediaProtocolError(CLOSE_POLICY, "a second start on the same stream")
        try:
            start = _TwilioStart.model_validate(message.get("start"))
        except ValidationError as exc:
            raise MediaProtocolError(CLOSE_INVALID, f"bad start: {_field_errors(exc)}") from None
        fmt = start.mediaFormat
        if fmt.encoding != "audio/x-mulaw" or fmt.sampleRate != 8000 or fmt.channels != 1:
            raise MediaProtocolError(
                CLOSE_UNSUPPORTED,
                f"media format {fmt.encoding} {fmt.sampleRate} Hz x{fmt.channels} is not taken: "
                "Twilio streams audio/x-mulaw at 8000 Hz mono",
            )
        params = start.customParameters
        interaction_id = self.interaction_id or params.get("interaction_id") or start.callSid
        if not interaction_id:
            raise MediaProtocolError(
                CLOSE_POLICY, "no interaction: give interaction_id in the URL or customParameters"
            )
        interaction_id = _checked_interaction_id(interaction_id)
        speaker = params.get("speaker", "customer")
        if speaker not in ("customer", "agent"):
            raise MediaProtocolError(CLOSE_INVALID, f"speaker {speaker[:20]!r}: customer or agent")
        if speaker == "agent":
            raise MediaProtocolError(CLOSE_AGENT_VOICE, AGENT_VOICE_CLOSE)
        self.leg = CallLeg(
            interaction_id=interaction_id,
            stream_id=start.streamSid,
            speaker="customer",
            sample_rate=8000,
            started_at=self.clock(),
            model=self.model,
            transcribe=self.transcribe,
            coded=True,  # μ-law on the wire
        )
        self.heard = self.leg
        return Step(started=self.leg)

    def _media(self, message: dict[str, Any]) -> Step:
        if self.leg is None:
            raise MediaProtocolError(CLOSE_POLICY, "media before start")
        raw = message.get("media")
        # Fifty of these a second per call: the usual shape is checked by hand, anything else
        # goes through the model for its error.
        if (
            type(raw) is dict
            and type(raw.get("payload")) is str
            and type(raw.get("track", "inbound")) is str
        ):
            payload, track = raw["payload"], raw.get("track", "inbound")
        else:
            try:
                media = _TwilioMedia.model_validate(raw)
            except ValidationError as exc:
                reason = f"bad media: {_field_errors(exc)}"
                raise MediaProtocolError(CLOSE_INVALID, reason) from None
            payload, track = media.payload, media.track
        try:
            audio = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise MediaProtocolError(CLOSE_INVALID, "media.payload is not base64") from None
        if len(audio) > MAX_MESSAGE_SECONDS * 8000:
            raise MediaProtocolError(
                CLOSE_TOO_BIG, f"{len(audio)} bytes of audio in one message; at most 2 s (16000)"
            )
        if track != "inbound":
            self.ignored_frames += 1  # what the caller hears: not the caller's voice
            return Step()
        heard = self.order.take(chunk_number(message["media"].get("chunk")), audio)
        return Step(events=[e for h in heard for e in self.leg.feed_mulaw(h, self.batch)])


class _PcmStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event: Literal["start"]
    sample_rate: int
    encoding: Literal["pcm_s16le"] = "pcm_s16le"
    interaction_id: str | None = Field(default=None, max_length=200, pattern=r"^[^\s]+$")
    stream_id: str | None = Field(default=None, max_length=100, pattern=r"^[^\s:]+$")
    speaker: Literal["customer", "agent"] = "customer"


class PcmMediaStream:
    """Raw 16-bit little-endian PCM on one WebSocket (see the module docstring)."""

    def __init__(
        self,
        *,
        interaction_id: str | None = None,
        model: VoiceModel | None = None,
        clock: Callable[[], datetime] = _clock,
        stream_id: str | None = None,
        transcribe: bool = False,
    ) -> None:
        self.interaction_id = interaction_id
        self.model = model
        self.clock = clock
        self.default_stream_id = stream_id
        self.transcribe = transcribe
        self.leg: CallLeg | None = None
        self.heard: CallLeg | None = None
        self.batch: LegBatch | None = None  # as ``TwilioMediaStream.batch``
        self._rate = 0

    def receive(self, *, text: str | None = None, data: bytes | None = None) -> Step:
        """Handle one WebSocket message."""
        size = len(text) if text is not None else len(data or b"")
        if size > MAX_MESSAGE_BYTES:
            raise MediaProtocolError(
                CLOSE_TOO_BIG, f"message of {size} bytes; the limit is {MAX_MESSAGE_BYTES}"
            )
        if text is not None:
            message = _json_object(text)
            if message["event"] == "start":
                return self._start(message)
            if message["event"] == "stop":
                return Step(events=self.finish(), stopped=True)
            raise MediaProtocolError(
                CLOSE_POLICY, f"unknown event {message['event'][:40]!r}: start, binary PCM, stop"
            )
        if self.leg is None:
            raise MediaProtocolError(CLOSE_POLICY, "audio before start")
        audio = data or b""
        if len(audio) % 2:
            raise MediaProtocolError(
                CLOSE_INVALID, f"{len(audio)} bytes is not whole 16-bit samples"
            )
        if len(audio) > MAX_MESSAGE_SECONDS * self._rate * 2:
            raise MediaProtocolError(CLOSE_TOO_BIG, "more than 2 s of audio in one message")
        return Step(events=self.leg.feed(pcm16_decode(audio), self.batch))

    def finish(self) -> list[AudioSegment]:
        """Analyse what is left (at the stop, an error or a disconnect)."""
        leg, self.leg = self.leg, None
        return leg.finish() if leg is not None else []

    def _start(self, message: dict[str, Any]) -> Step:
        if self.leg is not None:
            raise MediaProtocolError(CLOSE_POLICY, "a second start on the same stream")
        try:
            start = _PcmStart.model_validate(message)
        except ValidationError as exc:
            unsupported = any(e["loc"] and e["loc"][0] == "encoding" for e in exc.errors())
            raise MediaProtocolError(
                CLOSE_UNSUPPORTED if unsupported else CLOSE_INVALID,
                f"bad start: {_field_errors(exc)}",
            ) from None
        if not MIN_RATE <= start.sample_rate <= MAX_RATE:
            raise MediaProtocolError(
                CLOSE_UNSUPPORTED,
                f"sample rate {start.sample_rate} Hz: only {MIN_RATE} to {MAX_RATE} Hz is taken",
            )
        interaction_id = self.interaction_id or start.interaction_id
        if not interaction_id:
            raise MediaProtocolError(
                CLOSE_POLICY, "no interaction: give interaction_id in the URL or the start message"
            )
        interaction_id = _checked_interaction_id(interaction_id)
        if start.speaker != "customer":
            raise MediaProtocolError(CLOSE_AGENT_VOICE, AGENT_VOICE_CLOSE)
        started_at = self.clock()
        stream_id = (
            start.stream_id
            or self.default_stream_id
            or f"pcm-{interaction_id}-{started_at.strftime('%Y%m%dT%H%M%S%f')}"
        )
        self._rate = start.sample_rate
        self.leg = CallLeg(
            interaction_id=interaction_id,
            stream_id=stream_id,
            speaker="customer",
            sample_rate=start.sample_rate,
            started_at=started_at,
            model=self.model,
            transcribe=self.transcribe,
        )
        self.heard = self.leg
        return Step(started=self.leg)
