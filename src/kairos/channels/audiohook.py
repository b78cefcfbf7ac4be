"""Genesys Cloud AudioHook (protocol version 2): one session's state machine, frames in, events out.

Genesys opens a WebSocket per conversation and speaks JSON text messages plus binary audio:

- every message has ``version`` "2", the session ``id``, its ``type``, the sender's ``seq``
  (1, 2, 3...) and the last ``seq`` seen from the other side (``serverseq`` from the client,
  ``clientseq`` from the server); client messages carry ``position``, the audio time so far;
- client ``open`` (``organizationId``, ``conversationId``, ``participant`` with ``ani``,
  ``media`` offers, ``language``) is answered ``opened`` with the one media format chosen;
  ``ping`` is answered ``pong``; ``update`` (a new ``language``) is answered ``updated``;
  ``close`` (with a ``reason``: ``end``, ``disconnect``, ``error`` or ``reconnect``) is answered
  ``closed``; ``paused`` / ``resumed`` follow a server
  ``pause`` / ``resume`` (or a pause on the platform's side, such as a hold); ``discarded`` says
  audio was dropped; ``error`` reports the client's trouble (its ``code`` and ``message``);
- a message of a type the server has no use for (one a later revision of the protocol adds, or
  one meant for a bidirectional server, such as ``dtmf``) is skipped: its ``seq`` counts, it is
  logged once a type, and the session goes on (the customer's analysis is not cut for it);
- a session that continues others (Genesys moved the call to a new connection, after a server
  ``reconnect`` or on its own) names them in its ``open``'s ``continuedSessions``; it continues
  the same interaction, and takes over the caller's voice baseline
  (``kairos.channels.audiohook_continued``); a client that connects again under the same
  session id gets a stream of its own, whether its ``position`` goes on or starts again at
  ``PT0S`` with other audio (``kairos.channels.audiohook_continued.stream_name``);
- the session id (the upgrade request's ``audiohook-session-id`` and every message's ``id``) is
  a UUID, as the protocol makes it: anything else is a protocol mistake, nothing is stored;
- after the server's ``disconnect`` the client ends the session with ``close``, answered
  ``closed`` (see ``kairos.channels.audiohook_views``); nothing else it sends is taken then;
- binary messages are audio: PCMU (G.711 μ-law, a byte a sample) or L16 (16-bit little-endian),
  8000 Hz, the channels of the chosen offer interleaved sample by sample. ``external`` is the
  customer, ``internal`` the agent; a stereo offer is ``["external", "internal"]``: the customer
  left, the agent right.

Kairos picks an offer with only the ``external`` channel when Genesys makes one (the agent's
audio then never leaves Genesys), else the first 8 kHz PCMU or L16 offer that has it. Only the
customer's samples are decoded and analysed: the agent's are cut out of each frame unread and
never analysed or kept (EU AI Act, Article 5(1)(f)). The interaction is ``genesys:<conversationId>``
(or the URL's ``interaction_id``), started from the ``open`` (a call, with the caller's ``ani``)
when it does not exist yet. A protocol mistake raises ``MediaProtocolError``; the view answers it
with ``disconnect`` (reason ``error``), answers the client's ``close`` and closes the socket.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
from pydantic import ValidationError

from kairos.channels.audiohook_continued import Baselines, Beginning, stream_name
from kairos.channels.audiohook_messages import (
    RATE,
    MediaOffer,
    Message,
    Open,
    choose_media,
    seconds,
)
from kairos.channels.base import stable_id, started_event_id
from kairos.channels.media import (
    CLOSE_INVALID,
    CLOSE_POLICY,
    CLOSE_TOO_BIG,
    CLOSE_UNSUPPORTED,
    MAX_MESSAGE_BYTES,
    MediaProtocolError,
)
from kairos.detection.voice.codecs import mulaw_decode, pcm16_decode
from kairos.detection.voice.leg import CallLeg, LegBatch
from kairos.detection.voice.model import VoiceModel
from kairos.events import AudioSegment, Identity, InteractionStarted

log = logging.getLogger(__name__)
State = Literal["new", "open", "pausing", "paused", "disconnecting", "closed"]
#: The id the server's messages carry while the session has no valid one of its own.
NULL_ID = "00000000-0000-0000-0000-000000000000"
_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


@dataclass
class HookStep:
    """What one message did: replies to send, an interaction to start, segments to ingest."""

    replies: list[dict[str, Any]] = field(default_factory=list)
    start: InteractionStarted | None = None
    events: list[AudioSegment] = field(default_factory=list)
    closed: bool = False
    ignored: str | None = None  # the type of a message skipped


def _clock() -> datetime:
    return datetime.now(UTC)


class AudioHookSession:
    """One AudioHook session (see the module docstring): ``receive`` each message in order."""

    def __init__(
        self,
        *,
        session_id: str | None = None,
        interaction_id: str | None = None,
        model: VoiceModel | None = None,
        clock: Callable[[], datetime] = _clock,
        transcribe: bool = False,
        baselines: Baselines | None = None,
    ) -> None:
        self.transcribe = transcribe
        self.baselines = baselines
        self.session_id = session_id
        self.interaction_id = interaction_id
        self.model = model
        self.clock = clock
        self.state: State = "new"
        self.seq = 0  # the last server seq sent
        self.clientseq = 0
        self.media: MediaOffer | None = None
        self.language: str | None = None
        self.leg: CallLeg | None = None
        self.heard: CallLeg | None = None  # kept after the close, for its last speech
        self.samples = 0  # customer samples received
        self.ignored_frames = 0  # audio while paused
        self.client_errors: list[str] = []
        self.skipped: set[str] = set()  # message types skipped (no use to this server)
        self.continues: list[str] = []  # the sessions this one continues
        self.close_reason: str | None = None
        self.batch: LegBatch | None = None  # as ``TwilioMediaStream.batch``
        self.beginning: Beginning | None = None  # a PT0S connection's: how its audio began

    # -- messages to the client -------------------------------------------------------------

    def message(self, kind: str, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
        """A server message of ``kind``, numbered."""
        self.seq += 1
        return {
            "version": "2",
            "type": kind,
            "seq": self.seq,
            "clientseq": self.clientseq,
            "id": self.session_id if is_uuid(self.session_id) else NULL_ID,
            "parameters": parameters or {},
        }

    def pause(self) -> dict[str, Any]:
        """Ask the client to pause the audio (it answers ``paused``)."""
        if self.state != "open":
            raise ValueError(f"pause in state {self.state}")
        self.state = "pausing"
        return self.message("pause")

    def resume(self) -> dict[str, Any]:
        """Ask the client to resume the audio (it answers ``resumed``)."""
        if self.state not in ("paused", "pausing"):
            raise ValueError(f"resume in state {self.state}")
        return self.message("resume")

    def disconnect(self, info: str) -> dict[str, Any]:
        """Tell the client the server ends the session on an error (it answers ``close``)."""
        self.state = "disconnecting"
        return self.message("disconnect", {"reason": "error", "info": info[:500]})

    # -- messages from the client -----------------------------------------------------------

    def receive(self, *, text: str | None = None, data: bytes | None = None) -> HookStep:
        """Handle one WebSocket message."""
        if self.state == "disconnecting":
            return self._awaiting_close(text)
        size = len(text) if text is not None else len(data or b"")
        if size > MAX_MESSAGE_BYTES:
            raise MediaProtocolError(
                CLOSE_TOO_BIG, f"message of {size} bytes; the limit is {MAX_MESSAGE_BYTES}"
            )
        if text is None:
            return self._audio(data or b"")
        try:
            raw = json.loads(text)
            message = Message.model_validate(raw)
        except (json.JSONDecodeError, RecursionError):
            raise MediaProtocolError(CLOSE_INVALID, "message is not JSON") from None
        except ValidationError as exc:
            where = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(message)'}: {e['msg']}"
                for e in exc.errors()
            )
            raise MediaProtocolError(CLOSE_INVALID, f"bad message: {where}") from None
        self._check_sequence(message)
        handler = _HANDLERS.get(message.type)
        if handler is None:
            return self._skip(message.type[:40])
        if message.type != "open" and self.state == "new":
            raise MediaProtocolError(CLOSE_POLICY, f"{message.type} before open")
        return handler(self, message)

    def _awaiting_close(self, text: str | None) -> HookStep:
        """After a ``disconnect``: the client's ``close`` is answered, anything else let be."""
        try:
            raw = json.loads(text) if text is not None and len(text) <= MAX_MESSAGE_BYTES else {}
        except (json.JSONDecodeError, RecursionError):
            return HookStep()
        if not isinstance(raw, dict) or raw.get("type") != "close":
            return HookStep()
        seq = raw.get("seq")
        if isinstance(seq, int) and seq > self.clientseq:
            self.clientseq = seq
        self.state = "closed"
        return HookStep(replies=[self.message("closed")], closed=True)

    def _skip(self, kind: str) -> HookStep:
        if kind not in self.skipped and len(self.skipped) < 8:  # once a type, a few a session
            self.skipped.add(kind)
            log.info("audiohook: skipped a message of a type it has no use for: %r", kind)
        return HookStep(ignored=kind)

    @property
    def named(self) -> CallLeg | None:
        """The leg once its stream's name is settled, whose speech may be transcribed: a
        ``PT0S`` connection's is named after how its audio began, known with its first segment
        (or at its end), and an utterance made before would carry a name another connection's
        utterances may carry too (``stt:<stream>:<n>``), and be dropped as a repeat of theirs."""
        if self.beginning is not None and not self.beginning.settled:
            return None
        return self.heard

    def finish(self) -> list[AudioSegment]:
        """Analyse what is left (at the close, an error or a disconnect)."""
        leg, self.leg = self.leg, None
        if leg is None:
            return []
        if self.baselines is not None:  # kept from the end, for the session that continues it
            self.baselines.hold(self.session_id or "", leg.stream.tracker, leg.interaction_id)
        return leg.finish()

    def _check_sequence(self, message: Message) -> None:
        if self.session_id is not None and not is_uuid(self.session_id):
            raise MediaProtocolError(CLOSE_INVALID, "the audiohook-session-id header is not a UUID")
        if not is_uuid(message.id):
            raise MediaProtocolError(CLOSE_INVALID, "id is not a UUID (8-4-4-4-12 hex digits)")
        if self.session_id is None:
            self.session_id = message.id
        elif message.id != self.session_id:
            raise MediaProtocolError(CLOSE_POLICY, "id is not this session's")
        if message.seq != self.clientseq + 1:
            raise MediaProtocolError(
                CLOSE_POLICY, f"seq {message.seq} after {self.clientseq}: lost or reordered"
            )
        if message.serverseq > self.seq:
            raise MediaProtocolError(
                CLOSE_POLICY, f"serverseq {message.serverseq} is ahead of the server ({self.seq})"
            )
        self.clientseq = message.seq

    def _open(self, message: Message) -> HookStep:
        if self.state != "new":
            raise MediaProtocolError(CLOSE_POLICY, "a second open on the same session")
        try:
            params = Open.model_validate(message.parameters)
        except ValidationError as exc:
            where = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise MediaProtocolError(CLOSE_INVALID, f"bad open: {where}") from None
        chosen = choose_media(params.media)
        if chosen is None:
            raise MediaProtocolError(
                CLOSE_UNSUPPORTED,
                "no offered media is PCMU or L16 at 8000 Hz with the external (customer) channel",
            )
        self.media = chosen
        self.language = params.language
        iid = self.interaction_id or stable_id("genesys", params.conversationId)
        if len(iid) > 200 or any(c.isspace() for c in iid):
            raise MediaProtocolError(CLOSE_INVALID, "interaction_id: 1-200 characters, no spaces")
        self.interaction_id = iid
        now = self.clock()
        ani = params.participant.ani
        start = InteractionStarted(
            event_id=started_event_id(iid),
            interaction_id=iid,
            occurred_at=now,
            channel="call",
            identities=[Identity(kind="phone", value=ani)] if ani else [],
            language=params.language,
        )
        self.leg = CallLeg(
            interaction_id=iid,
            stream_id=stream_name(self.session_id or "", position := seconds(message.position)),
            speaker="customer",
            sample_rate=RATE,
            started_at=now,
            model=self.model,
            transcribe=self.transcribe,
            coded=self.media.format == "PCMU",  # μ-law on the wire: no round trip to make
        )
        self.heard = self.leg
        if position <= 0 and self.baselines is not None:
            self.beginning = Beginning(self.baselines, self.session_id or "", iid)
        self.continues = [c.id for c in params.continuedSessions]
        if self.baselines is not None:
            # The sessions it continues, and this one's id: a client that connects again
            # under the same id goes on with the baseline its earlier connection left.
            carried = self.baselines.take([*self.continues, self.session_id or ""])
            if carried is not None:  # the caller's baseline goes on, not learnt afresh
                self.leg.stream.tracker = carried
            self.baselines.hold(self.session_id or "", self.leg.stream.tracker, iid)
        self.state = "open"
        opened = self.message("opened", {"startPaused": False, "media": [chosen.model_dump()]})
        return HookStep(replies=[opened], start=start)

    def _audio(self, data: bytes) -> HookStep:
        if self.state == "new" or self.media is None or self.leg is None:
            raise MediaProtocolError(CLOSE_POLICY, "audio before open")
        if self.state in ("paused", "pausing", "closed"):
            self.ignored_frames += 1  # the client should not send it; it is not analysed
            return HookStep()
        width = 1 if self.media.format == "PCMU" else 2
        frame = width * len(self.media.channels)
        if len(data) % frame:
            raise MediaProtocolError(
                CLOSE_INVALID,
                f"{len(data)} bytes is not whole {self.media.format} frames of "
                f"{len(self.media.channels)} channel(s)",
            )
        if len(data) > 2 * RATE * frame:
            raise MediaProtocolError(CLOSE_TOO_BIG, "more than 2 s of audio in one message")
        at = self.media.channels.index("external") * width
        # Only the customer's bytes are taken; the agent's are never decoded.
        customer = np.frombuffer(data, dtype=np.uint8).reshape(-1, frame)[:, at : at + width]
        raw = customer.tobytes()
        samples = mulaw_decode(raw) if width == 1 else pcm16_decode(raw)
        self.samples += len(samples)
        if self.beginning is not None and self.leg.segments == 0:
            self.beginning.hear(self.leg, raw)
        return HookStep(events=self.leg.feed(samples, self.batch))

    def _ping(self, message: Message) -> HookStep:
        return HookStep(replies=[self.message("pong")])

    def _update(self, message: Message) -> HookStep:
        language = message.parameters.get("language")
        if isinstance(language, str) and 0 < len(language) <= 20:
            self.language = language
        return HookStep(replies=[self.message("updated")])

    def _paused(self, message: Message) -> HookStep:
        if self.state in ("open", "pausing"):
            self.state = "paused"
        return HookStep()

    def _resumed(self, message: Message) -> HookStep:
        if self.state in ("paused", "pausing"):
            self.state = "open"
        discarded = message.parameters.get("discarded")
        if isinstance(discarded, str):
            seconds(discarded)  # well-formed, or the client is told
        return HookStep()

    def _discarded(self, message: Message) -> HookStep:
        for key in ("start", "discarded"):
            value = message.parameters.get(key)
            if isinstance(value, str):
                seconds(value)
        return HookStep()

    def _error(self, message: Message) -> HookStep:
        code = message.parameters.get("code")
        said = str(message.parameters.get("message", ""))[:200]
        self.client_errors.append(f"{code}: {said}")
        return HookStep()

    def _close(self, message: Message) -> HookStep:
        reason = message.parameters.get("reason")
        self.close_reason = reason[:40] if isinstance(reason, str) else None
        events = self.finish()
        self.state = "closed"
        return HookStep(replies=[self.message("closed")], events=events, closed=True)


def is_uuid(session_id: str | None) -> bool:
    """Whether ``session_id`` is a UUID in its text form, as the protocol's session ids are."""
    return session_id is not None and _UUID.fullmatch(session_id) is not None


_HANDLERS: dict[str, Callable[[AudioHookSession, Message], HookStep]] = {
    "open": AudioHookSession._open,
    "ping": AudioHookSession._ping,
    "update": AudioHookSession._update,
    "paused": AudioHookSession._paused,
    "resumed": AudioHookSession._resumed,
    "discarded": AudioHookSession._discarded,
    "error": AudioHookSession._error,
    "close": AudioHookSession._close,
}
