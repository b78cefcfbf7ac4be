"""Transcripts for media streams that come without one: the configured speech-to-text engine.

With ``KAIROS_STT_ENGINE`` set (``pocketsphinx``, or ``faster-whisper`` with
``KAIROS_STT_MODEL_DIR``), every live leg also cuts the customer's audio into utterances
(``kairos.detection.voice.stt``); each finished one is transcribed in a worker thread, so the
event loop keeps serving the other streams, and ingested as an ``utterance`` of the leg's speaker.
An engine that cannot load is logged once and the streams go on with voice analysis alone.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from kairos.detection.voice.leg import CallLeg
from kairos.detection.voice.stt import SpeechToText, SttUnavailable, load_stt
from kairos.events import Event
from kairos.services import Services

log = logging.getLogger(__name__)
_NONE = "none"


def speech_to_text(app: FastAPI) -> SpeechToText | None:
    """The app's engine (loaded once per runtime); None when off or unavailable."""
    runtime: Services = app.state.runtime
    cached = getattr(app.state, "media_stt", None)
    if cached is not None and cached[0] is runtime:
        engine: SpeechToText | None = cached[1]
        return engine
    settings = runtime.settings
    try:
        engine = load_stt(settings.stt_engine, settings.stt_model_dir)
    except SttUnavailable as exc:
        log.error("speech to text is off: %s", exc)
        engine = None
    app.state.media_stt = (runtime, engine)
    return engine


async def transcribe(
    submit: Callable[[Sequence[Event]], Awaitable[None]],
    stt: SpeechToText | None,
    leg: CallLeg | None,
) -> None:
    """Transcribe the leg's finished utterances and ingest them as ``utterance`` events."""
    if stt is None or leg is None:
        return
    events: list[Event] = []
    for chunk in leg.take_speech():
        text = await run_in_threadpool(stt.transcribe, chunk.samples, chunk.sample_rate)
        event = leg.utterance(chunk, text)
        if event is not None:
            events.append(event)
    if events:
        await submit(events)
