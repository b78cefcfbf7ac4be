"""Call audio endpoints: Twilio Media Streams and raw PCM over WebSocket, recorded-call upload.

The protocols live in ``kairos.channels.media``; these handlers move messages, check the
interaction, and ingest each analysed segment (``kairos.interactions.ingesting``) so it is
stored, deduped, published and folded into the interaction's assessment. Live segments from all
streams are grouped for ``GROUP_SECONDS`` into one ingest (one transaction): a commit costs several
times what one segment's rows do, and a hundred streams close a segment every 8 ms between them.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request, WebSocket
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.websockets import WebSocketDisconnect, WebSocketState

from kairos.access import current_actor
from kairos.channels.base import refuse_a_form
from kairos.channels.live_analysis import LiveAnalysis, live_analysis
from kairos.channels.media import (
    CLOSE_INTERNAL,
    CLOSE_NORMAL,
    CLOSE_POLICY,
    MediaProtocolError,
    PcmMediaStream,
    TwilioMediaStream,
)
from kairos.channels.media_start import STREAM_REUSED, check_start
from kairos.channels.media_stt import speech_to_text, transcribe
from kairos.db import utcnow
from kairos.deps import RuntimeDep
from kairos.detection.voice.leg import analyse_recording
from kairos.detection.voice.stt import SpeechToText
from kairos.errors import ClientError, Conflict, TooLarge, UnknownInteraction, described
from kairos.events import AGENT_VOICE_NOTICE, Event, Timestamp
from kairos.interactions import ingesting
from kairos.interactions import service as interaction_service
from kairos.services import Services

router = APIRouter(tags=["media"])
log = logging.getLogger(__name__)

#: How long live segments wait to share a transaction with other streams' segments.
GROUP_SECONDS = 0.05
#: Largest recording taken by upload (an hour of 16 kHz 16-bit mono is 115 MB: send it as FLAC).
MAX_RECORDING_BYTES = 100 * 1024 * 1024
_INGEST_CHUNK = 500


class InvalidAudio(ClientError):
    """The uploaded audio cannot be read or is outside what the analysis takes."""

    status_code = 422
    code = "invalid_audio"


class RecordingOut(BaseModel):
    """What an uploaded recording gave: its segments, the caller's stress, what was applied.

    ``analysed`` is false for the agent's side: it is neither analysed nor stored, and
    ``notice`` says why.
    """

    interaction_id: str
    analysed: bool = True
    notice: str | None = None
    recording_id: str | None
    duration_s: float
    sample_rate: int
    channels: int
    segments: int
    stress: float | None
    no_stress_reason: str | None = None
    applied: int
    duplicates: int
    model_version: str | None


def _exists(runtime: Services, interaction_id: str) -> bool:
    with runtime.db.session() as session:
        found = interaction_service.get_by_external_id(
            session=session, interaction_id=interaction_id
        )
        return found is not None


def _ingest(runtime: Services, events: Sequence[Event]) -> tuple[int, int]:
    applied = duplicates = 0
    for i in range(0, len(events), _INGEST_CHUNK):
        response = ingesting.ingest(runtime, list(events[i : i + _INGEST_CHUNK]))
        applied += response.applied
        duplicates += response.duplicates
    return applied, duplicates


class SegmentIngest:
    """Group commit for live streams: what all streams submit within a window is one ingest.

    ``submit`` returns once the segments are stored (or raises what ingest raised). If a grouped
    ingest fails, each stream's segments are retried alone, so one cannot sink the others.
    """

    def __init__(self, runtime: Services, *, window: float = GROUP_SECONDS) -> None:
        self.runtime = runtime
        self.window = window
        self.loop = asyncio.get_running_loop()
        self._pending: list[tuple[Sequence[Event], asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, events: Sequence[Event]) -> None:
        """Store these segments with whatever else arrives within the window."""
        done: asyncio.Future[None] = self.loop.create_future()
        self._pending.append((events, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        await asyncio.sleep(self.window)
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await run_in_threadpool(_ingest, self.runtime, [e for b in batch for e in b[0]])
            except Exception:
                for events, done in batch:
                    try:
                        await run_in_threadpool(_ingest, self.runtime, events)
                    except Exception as exc:
                        if not done.done():
                            done.set_exception(exc)
                    else:
                        if not done.done():
                            done.set_result(None)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)


def segment_ingest(app: FastAPI) -> SegmentIngest:
    """The app's group-commit queue for live segments (one per runtime and event loop)."""
    runtime: Services = app.state.runtime
    sink: SegmentIngest | None = getattr(app.state, "media_segment_ingest", None)
    if sink is None or sink.runtime is not runtime or sink.loop is not asyncio.get_running_loop():
        sink = SegmentIngest(runtime)
        app.state.media_segment_ingest = sink
    return sink


async def _serve(websocket: WebSocket, protocol: TwilioMediaStream | PcmMediaStream) -> None:
    """Receive until stop, error or disconnect; ingest every analysed segment as it closes."""
    runtime: Services = websocket.app.state.runtime
    sink = segment_ingest(websocket.app)
    stt = speech_to_text(websocket.app)
    protocol.transcribe = stt is not None
    live = live_analysis(websocket.app)
    protocol.batch = live.batch
    await websocket.accept()
    close = await closing(
        _receive(websocket, protocol, runtime, sink, stt, live), what="media stream"
    )
    # What was heard before a stop, an error or a dropped line still counts.
    try:
        await _deliver(sink, protocol.finish())
        await transcribe(sink.submit, stt, protocol.heard)
    except (ClientError, OperationalError) as exc:
        log.warning("media stream: could not store the last audio segments: %s", described(exc))
        if close is not None and close[0] == CLOSE_NORMAL:
            close = (CLOSE_INTERNAL, "could not store the analysis; the interaction is unchanged")
    if close is not None and websocket.application_state != WebSocketState.DISCONNECTED:
        await websocket.close(code=close[0], reason=close[1])


async def closing(
    receiving: Awaitable[tuple[int, str] | None],
    *,
    what: str,
    on_protocol_error: Callable[[MediaProtocolError], Awaitable[tuple[int, str] | None]]
    | None = None,
) -> tuple[int, str] | None:
    """Run a stream's message loop; the close to send (None when the peer went away).

    A protocol mistake closes with its own code (``on_protocol_error`` may tell the peer first,
    and name another close: the close transaction the peer then completed);
    a store that fails, or a bug, still closes the socket rather than leave the peer waiting.
    """
    try:
        return await receiving
    except MediaProtocolError as exc:
        settled = None if on_protocol_error is None else await on_protocol_error(exc)
        return settled or (exc.code, exc.close_reason)
    except WebSocketDisconnect:
        return None
    except Conflict:  # two streams with one stream_id at once: the one stored first keeps it
        return (CLOSE_POLICY, f"this stream's stream_id {STREAM_REUSED}")
    except (ClientError, OperationalError) as exc:
        log.warning("%s: could not store the analysis: %s", what, described(exc))
        return (CLOSE_INTERNAL, "could not store the analysis; the interaction is unchanged")
    except Exception:
        log.exception("%s: unexpected error", what)
        return (CLOSE_INTERNAL, "internal error; the interaction is unchanged")


async def _receive(
    websocket: WebSocket,
    protocol: TwilioMediaStream | PcmMediaStream,
    runtime: Services,
    sink: SegmentIngest,
    stt: SpeechToText | None,
    live: LiveAnalysis,
) -> tuple[int, str] | None:
    """The message loop; the close to send (None when the peer went away)."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        step = protocol.receive(text=message.get("text"), data=message.get("bytes"))
        if step.ignored is not None:
            runtime.metrics.media_messages_ignored.inc()
        step.events += await live.settle(protocol.leg)
        await transcribe(sink.submit, stt, protocol.heard)
        if step.started is not None:
            try:
                actor = current_actor(websocket)
                await run_in_threadpool(check_start, runtime, actor, step.started)
            except MediaProtocolError:
                protocol.leg = None  # refused: nothing of this stream is taken
                raise
        await _deliver(sink, step.events)
        if step.stopped:
            return (CLOSE_NORMAL, "stream stopped")


async def _deliver(sink: SegmentIngest, events: Sequence[Event]) -> None:
    if events:
        await sink.submit(events)


@router.websocket("/v1/media/twilio")
async def twilio_media_stream(websocket: WebSocket, interaction_id: str | None = None) -> None:
    """Twilio Media Streams (``<Connect><Stream url="wss://.../v1/media/twilio">``): μ-law 8 kHz."""
    await _serve(websocket, TwilioMediaStream(interaction_id=interaction_id))


@router.websocket("/v1/media/pcm")
async def pcm_media_stream(websocket: WebSocket, interaction_id: str | None = None) -> None:
    """Raw 16-bit little-endian PCM: a JSON start with ``sample_rate``, binary audio, a stop."""
    await _serve(websocket, PcmMediaStream(interaction_id=interaction_id))


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_RECORDING_BYTES:
        raise TooLarge(f"recording of {declared} bytes; the limit is {MAX_RECORDING_BYTES}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_RECORDING_BYTES:
            raise TooLarge(f"recording over {MAX_RECORDING_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _analyse_recording(
    runtime: Services,
    body: bytes,
    *,
    interaction_id: str,
    speaker: Literal["customer", "agent"],
    channel: int | None,
    started_at: datetime,
) -> RecordingOut:
    from kairos.detection.voice.audio_io import AudioFormatError, read_audio

    if not _exists(runtime, interaction_id):
        raise UnknownInteraction(
            f"unknown interaction {interaction_id!r}: send interaction.started first"
        )
    if speaker != "customer":
        # Not even decoded: emotion recognition of a worker is prohibited (EU AI Act 5(1)(f)).
        return RecordingOut(
            interaction_id=interaction_id,
            analysed=False,
            notice=AGENT_VOICE_NOTICE,
            recording_id=None,
            duration_s=0.0,
            sample_rate=0,
            channels=0,
            segments=0,
            stress=None,
            applied=0,
            duplicates=0,
            model_version=None,
        )
    try:
        samples, rate, channels = read_audio(body, channel=channel)
    except AudioFormatError as exc:
        raise InvalidAudio(str(exc)) from None
    # The same recording sent again gives the same event ids: acknowledged, not applied twice.
    recording_id = f"rec-{hashlib.sha256(body).hexdigest()[:16]}-{speaker}-{channel}"
    events, no_stress = analyse_recording(
        samples,
        rate,
        interaction_id=interaction_id,
        recording_id=recording_id,
        started_at=started_at,
        speaker=speaker,
    )
    applied, duplicates = _ingest(runtime, events)
    stress = None
    if events:
        weights = [max(e.end_s - e.start_s, 1e-3) for e in events]
        seg = [e.segment_stress if e.segment_stress is not None else e.stress for e in events]
        stress = round(sum(w * s for w, s in zip(weights, seg, strict=True)) / sum(weights), 4)
    return RecordingOut(
        interaction_id=interaction_id,
        recording_id=recording_id,
        duration_s=round(len(samples) / rate, 3),
        sample_rate=rate,
        channels=channels,
        segments=len(events),
        stress=stress,
        no_stress_reason=no_stress,
        applied=applied,
        duplicates=duplicates,
        model_version=events[0].model_version if events else None,
    )


_RECORDING_BODY: dict[str, Any] = {
    "content": {
        "audio/wav": {"schema": {"type": "string", "format": "binary"}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    },
    "required": True,
}


@router.post(
    "/v1/interactions/{interaction_id}/recordings",
    response_model=RecordingOut,
    openapi_extra={"requestBody": _RECORDING_BODY},
    responses={
        404: {"description": "the interaction was never started"},
        413: {"description": "the recording is too large"},
        415: {"description": "sent as a form: send the file's bytes as the body"},
        422: {"description": "the audio cannot be read, or its rate is outside 8-48 kHz"},
    },
)
async def upload_recording(
    interaction_id: str,
    request: Request,
    runtime: RuntimeDep,
    speaker: Literal["customer", "agent"] = "customer",
    channel: Annotated[int | None, Query(ge=0, le=7)] = None,
    started_at: Timestamp | None = None,
) -> RecordingOut:
    """Analyse the customer's side of a recorded call (WAV 8-48 kHz mono or stereo, FLAC, OGG).

    ``channel`` picks the customer's side of a stereo recording (required there: the other side
    is the agent's, and mixing would analyse it); ``started_at`` is when the recording began
    (default: now), for the segments' times. ``speaker=agent`` is answered with
    ``analysed: false`` and a ``notice``: the agent's voice is neither analysed nor stored.
    """
    refuse_a_form(request.headers.get("content-type", ""))
    body = await _read_body(request)
    if not body:
        raise InvalidAudio("the body is empty: send the recording's bytes")
    return await run_in_threadpool(
        _analyse_recording,
        runtime,
        body,
        interaction_id=interaction_id,
        speaker=speaker,
        channel=channel,
        started_at=started_at or utcnow(),
    )
