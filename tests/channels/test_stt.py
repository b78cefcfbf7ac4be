"""Transcripts from audio when the platform sends none: PocketSphinx behind the STT interface.

Done-when: a synthesised call with no platform transcript, streamed over Twilio media, gets
utterance events from PocketSphinx and a text assessment on top of the voice one.
"""

from __future__ import annotations

import itertools
import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from tests.channels.media_audio import calm_then_agitated, espeak
from tests.channels.media_support import media, start_call, twilio_start

from kairos.config import Settings
from kairos.detection.voice.codecs import mulaw_decode, mulaw_encode
from kairos.detection.voice.features import to_analysis_rate
from kairos.detection.voice.stt import (
    FasterWhisperStt,
    PocketSphinxStt,
    SttUnavailable,
    UtteranceChunker,
    load_stt,
)
from kairos.runtime import Runtime

FRAME = 160


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    """Media streams transcribed with PocketSphinx."""
    return Settings(database_url=migrated_url, stt_engine="pocketsphinx")


def test_pocketsphinx_hears_words_in_speech_and_none_in_silence(tmp_path: Path) -> None:
    """Words from 8 kHz telephone speech (how well: ``benchmarks/stt.py``), none from silence."""
    x, rate = espeak("please check the balance of my account", tmp_path / "s.wav", pitch=40,
                     rate=140)  # fmt: skip
    phone = mulaw_decode(mulaw_encode(to_analysis_rate(x, rate)))
    stt = PocketSphinxStt()
    assert len(stt.transcribe(phone, 8000).split()) >= 2
    assert stt.transcribe(np.zeros(16000, dtype=np.float32), 8000) == ""


def test_the_chunker_cuts_utterances_at_pauses(tmp_path: Path) -> None:
    call, _ = calm_then_agitated(tmp_path)
    chunker = UtteranceChunker(8000)
    chunks = [c for i in range(0, len(call), 1600) for c in chunker.feed(call[i : i + 1600])]
    chunks += chunker.flush()
    assert len(chunks) >= 3
    assert all(c.end_s - c.start_s <= 15.0 for c in chunks)
    assert all(a.end_s <= b.start_s for a, b in itertools.pairwise(chunks))


def test_an_engine_that_cannot_run_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(SttUnavailable, match="KAIROS_STT_MODEL_DIR"):
        FasterWhisperStt(tmp_path / "no-model-here")
    with pytest.raises(SttUnavailable, match="KAIROS_STT_MODEL_DIR"):
        load_stt("faster-whisper", None)
    with pytest.raises(SttUnavailable, match="none, pocketsphinx or faster-whisper"):
        load_stt("vosk")
    assert load_stt("none") is None


def test_a_call_without_a_transcript_gets_utterances_and_a_text_assessment(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    audio, _ = calm_then_agitated(tmp_path)
    start_call(client, "call-stt")
    lock = threading.Lock()
    assessed: list[dict[str, Any]] = []

    def seen(topic: str, message: dict[str, Any]) -> None:
        with lock:
            assessed.append(message)

    runtime.bus.listen(seen, "assessments")
    ulaw = mulaw_encode(audio)
    with client.websocket_connect("/v1/media/twilio?interaction_id=call-stt") as ws:
        ws.send_text(json.dumps(twilio_start("MZstt")))
        for i in range(len(ulaw) // FRAME):
            ws.send_text(json.dumps(media("MZstt", i, ulaw[i * FRAME : (i + 1) * FRAME])))
        ws.send_text(json.dumps({"event": "stop", "streamSid": "MZstt"}))
        assert ws.receive()["code"] == 1000
    timeline = client.get("/v1/interactions/call-stt").json()["timeline"]
    said = [e for e in timeline if e["type"] == "utterance"]
    assert len(said) >= 2, [e["type"] for e in timeline]
    assert all(e["event_id"].startswith("stt:MZstt:") for e in said)
    assert all(e["body"]["speaker"] == "customer" and e["body"]["text"] for e in said)
    assert "audio.segment" in {e["type"] for e in timeline}
    with lock:
        on_words = [m for m in assessed if m["event_id"].startswith("stt:")]
    assert on_words, "the transcribed words were assessed"
    # The text assessment comes on top of the voice one: the caller's stress is still there.
    assert on_words[-1]["assessment"]["stress"] is not None
