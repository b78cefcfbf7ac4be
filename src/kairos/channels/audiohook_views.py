"""The Genesys AudioHook endpoint: ``wss://HOST/v1/media/audiohook[?interaction_id=ID]``.

The protocol lives in ``kairos.channels.audiohook`` and the signature check in
``kairos.channels.audiohook_signature``; this handler checks the upgrade request, moves messages,
starts the interaction when the conversation is new, and ingests each analysed segment of the
customer's channel through the media streams' group commit. For a connection at ``PT0S`` it reads
how the session id's first such connection began from the database at ``open``, and claims its
own beginning there with its first segment (``kairos.channels.audiohook_beginnings``).

A protocol mistake is answered ``disconnect`` (reason ``error``), and the session is ended as
the protocol ends one: the client answers ``close``, the server ``closed``, and the socket is
closed normally (1000). Audio or other messages the client sent meanwhile are let be; a client
that does not answer within ``DISCONNECT_WAIT_S`` seconds is closed with the mistake's code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from fastapi import APIRouter, FastAPI, WebSocket
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.websockets import WebSocketDisconnect, WebSocketState

from kairos.channels import audiohook_beginnings as beginnings
from kairos.channels.audiohook import AudioHookSession
from kairos.channels.audiohook_continued import Baselines
from kairos.channels.audiohook_signature import SignatureError, SignedRequest, verify_signature
from kairos.channels.live_analysis import LiveAnalysis, live_analysis
from kairos.channels.media import CLOSE_NORMAL, CLOSE_POLICY, MediaProtocolError
from kairos.channels.media_stt import speech_to_text, transcribe
from kairos.channels.media_views import (
    SegmentIngest,
    _deliver,
    _exists,
    _ingest,
    closing,
    segment_ingest,
)
from kairos.detection.voice.stt import SpeechToText
from kairos.errors import ClientError, described
from kairos.events import AudioSegment, InteractionStarted
from kairos.services import Services

router = APIRouter(tags=["media"])
log = logging.getLogger(__name__)
#: How long the client has to answer the server's ``disconnect`` with ``close``.
DISCONNECT_WAIT_S = 5.0


def check_upgrade(websocket: WebSocket, runtime: Services) -> str | None:
    """Why the upgrade request is refused (bad API key or signature); None when it may go on."""
    settings = runtime.settings
    headers = {k.lower(): v for k, v in websocket.headers.items()}
    api_key, secret = settings.audiohook_api_key, settings.audiohook_client_secret
    if api_key is not None and headers.get("x-api-key") != api_key:
        return "the X-API-KEY header is missing or not this integration's"
    if secret is None:
        return None
    request = SignedRequest(
        method="GET",
        path=websocket.url.path,
        query=websocket.url.query,
        authority=headers.get("host", ""),
        headers=headers,
    )
    try:
        verify_signature(request, api_key=api_key, secret_b64=secret, now=time.time())
    except SignatureError as exc:
        return str(exc)
    return None


def baselines(app: FastAPI) -> Baselines:
    """The app's callers' baselines of recent sessions, for the sessions that continue them;
    dropped with their contacts when a customer is erased."""
    held: Baselines | None = getattr(app.state, "audiohook_baselines", None)
    if held is None:
        held = app.state.audiohook_baselines = Baselines()
        runtime: Services = app.state.runtime
        runtime.forgetting.add(held.forget_erased, held.clear)
    return held


async def _refuse(websocket: WebSocket, why: str) -> None:
    """Answer the upgrade with 401 and the reason (a 403 where the server cannot say more)."""
    body = {"error": "unauthorized", "message": why}
    try:
        await websocket.send_denial_response(JSONResponse(body, status_code=401))
    except RuntimeError:
        await websocket.close(code=CLOSE_POLICY, reason=why[:120])


@router.websocket("/v1/media/audiohook")
async def audiohook_session(websocket: WebSocket, interaction_id: str | None = None) -> None:
    """Genesys Cloud AudioHook v2: the customer's channel analysed, the agent's never."""
    runtime: Services = websocket.app.state.runtime
    refused = check_upgrade(websocket, runtime)
    if refused is not None:
        log.warning("audiohook: refused a session: %s", refused)
        await _refuse(websocket, refused)
        return
    stt = speech_to_text(websocket.app)
    session = AudioHookSession(
        session_id=websocket.headers.get("audiohook-session-id"),
        interaction_id=interaction_id,
        transcribe=stt is not None,
        baselines=baselines(websocket.app),
    )
    sink = segment_ingest(websocket.app)
    live = live_analysis(websocket.app)
    session.batch = live.batch
    await websocket.accept()

    async def disconnect(exc: MediaProtocolError) -> tuple[int, str] | None:
        log.warning("audiohook: disconnected a session for a protocol mistake: %s", exc.reason)
        await _store_rest(runtime, session, sink, stt)  # kept before ``closed``
        await _send(websocket, session.disconnect(exc.reason))
        if await _closed_by_client(websocket, session):
            return (CLOSE_NORMAL, "session closed after an error")
        return None

    close = await closing(
        _receive(websocket, session, runtime, sink, stt, live),
        what="audiohook",
        on_protocol_error=disconnect,
    )
    await _store_rest(runtime, session, sink, stt)
    if session.client_errors:
        log.warning("audiohook: the client reported %s", "; ".join(session.client_errors[:5]))
    if close is not None and websocket.application_state != WebSocketState.DISCONNECTED:
        await websocket.close(code=close[0], reason=close[1])


async def _store_rest(
    runtime: Services, session: AudioHookSession, sink: SegmentIngest, stt: SpeechToText | None
) -> None:
    """Analyse and store what is left of the session's audio (at its end, however it ends)."""
    try:
        await _deliver(sink, await _named(runtime, session, session.finish(), final=True))
        await transcribe(sink.submit, stt, session.named)
    except (ClientError, OperationalError) as exc:
        log.warning("audiohook: could not store the last audio segments: %s", described(exc))


async def _closed_by_client(websocket: WebSocket, session: AudioHookSession) -> bool:
    """After a ``disconnect``: whether the client answered ``close`` in time (then ``closed``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DISCONNECT_WAIT_S
    while websocket.application_state == WebSocketState.CONNECTED:
        try:
            message = await asyncio.wait_for(websocket.receive(), deadline - loop.time())
        except (TimeoutError, WebSocketDisconnect, RuntimeError):
            return False
        if message["type"] == "websocket.disconnect":
            return False
        step = session.receive(text=message.get("text"), data=message.get("bytes"))
        for reply in step.replies:
            await _send(websocket, reply)
        if step.closed:
            return True
    return False


async def _send(websocket: WebSocket, message: dict[str, Any]) -> None:
    if websocket.application_state == WebSocketState.CONNECTED:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):  # the peer may be gone
            await websocket.send_json(message)


async def _receive(
    websocket: WebSocket,
    session: AudioHookSession,
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
        step = session.receive(text=message.get("text"), data=message.get("bytes"))
        if step.ignored is not None:
            runtime.metrics.media_messages_ignored.inc()
        step.events += await live.settle(session.leg)
        if step.start is not None:
            await _started(runtime, session, step.start)
        step.events = await _named(runtime, session, step.events)
        await _deliver(sink, step.events)  # stored before ``closed`` acknowledges the end
        await transcribe(sink.submit, stt, session.named)  # its speech waits for its name
        for reply in step.replies:
            await websocket.send_json(reply)
        if step.closed:
            return (CLOSE_NORMAL, "session closed")


async def _started(runtime: Services, session: AudioHookSession, start: InteractionStarted) -> None:
    """After ``open``: the interaction started when new; how the session id began read from the
    store when this process has not seen a ``PT0S`` connection under it."""
    if not await run_in_threadpool(_exists, runtime, start.interaction_id):
        await run_in_threadpool(_ingest, runtime, [start])
    began = session.beginning
    if began is not None and began.unknown():
        began.recalled(
            await run_in_threadpool(
                beginnings.get_by_session_id, db=runtime.db, session_id=began.session_id
            )
        )


async def _named(
    runtime: Services, session: AudioHookSession, events: list[AudioSegment], final: bool = False
) -> list[AudioSegment]:
    """``events`` under their stream's name for good: with a ``PT0S`` connection's first segment
    under ``audiohook-<id>`` (``final``: or at its end, when it made none), its beginning is
    claimed in the store as the id's; when another connection's was stored first (in another
    process, or in this one by a connection that began meanwhile), its segments and utterances
    are a stream of their own."""
    began, leg = session.beginning, session.heard
    if began is None or leg is None:
        return events
    digest = began.to_claim(leg, final=final)
    if digest is None:
        return events
    first = await run_in_threadpool(
        beginnings.claim,
        db=runtime.db,
        session_id=began.session_id,
        interaction_id=leg.interaction_id,
        digest=digest,
    )
    return began.settle(leg, first, events)
