"""Transcripts of two AudioHook connections at ``PT0S`` under one session id, at once.

A ``PT0S`` connection's stream is named after how its audio began, which is known with its
first segment: until then a connection that knows no beginning under its id goes by the plain
``audiohook-<id>``, as does any other connection under the id that began meanwhile. Speech can
be transcribed before the first segment (short clipped words: each too short to measure, the
utterance they make long enough to transcribe), and an utterance's id names its stream
(``stt:<stream>:<n>``): made under the plain name, the two connections' first utterances had one
id, and the second was taken for a repeat of the first. An utterance now waits for its stream's
name (the connection's first segment, or its end), so each connection keeps its own words.

Through the real endpoint, with PocketSphinx, the client written from the protocol's
specification (``tests/channels/audiohook_client.py``).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from tests.channels.audiohook_client import EXTERNAL_PCMU, AudioHookClient, signed_headers
from tests.channels.audiohook_support import API_KEY, FRAME, PATH, SECRET
from tests.channels.media_audio import CALM_TEXT, espeak

from kairos.config import Settings
from kairos.detection.voice.features import to_analysis_rate


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    """Signed AudioHook sessions, transcribed with PocketSphinx."""
    return Settings(
        database_url=migrated_url, audiohook_api_key=API_KEY, audiohook_client_secret=SECRET,
        stt_engine="pocketsphinx",
    )  # fmt: skip


def _speech(text: str, path: Path) -> np.ndarray:
    samples, rate = espeak(text, path, pitch=50, rate=175)
    return to_analysis_rate(samples, rate).astype(np.float32)


def _clipped(speech: np.ndarray, piece_s: float) -> np.ndarray:
    """``speech`` cut into pieces of ``piece_s`` seconds with 0.3 s pauses, then a second of
    silence: each piece too short a segment to measure (no ``audio.segment``), together an
    utterance to transcribe."""
    n, gap = int(piece_s * 8000), np.zeros(int(0.3 * 8000), dtype=np.float32)
    pieces = [speech[i : i + n] for i in range(400, len(speech) - n, n)][:8]
    parts = [part for piece in pieces for part in (piece, gap)]
    return np.concatenate([*parts, np.zeros(8000, dtype=np.float32)])


def _send(hook: AudioHookClient, audio: np.ndarray) -> None:
    for i in range(len(audio) // FRAME):
        hook.audio(audio[i * FRAME : (i + 1) * FRAME])
    hook.send("ping")  # answered once everything before it was handled (and transcribed)
    hook.expect("pong")


def _timeline(client: TestClient, interaction_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/interactions/{interaction_id}")
    assert response.status_code == 200, response.text
    timeline: list[dict[str, Any]] = response.json()["timeline"]
    return timeline


def test_two_first_connections_under_one_id_keep_each_ones_early_transcript(
    client: TestClient, tmp_path: Path
) -> None:
    session_id, conversation = str(uuid.uuid4()), str(uuid.uuid4())
    iid = f"genesys:{conversation}"
    account = _speech("please check my account balance now", tmp_path / "a.wav")
    early = {"late": _clipped(account, 0.15), "first": _clipped(account, 0.18)}
    talk = _speech(CALM_TEXT, tmp_path / "talk.wav")
    sign = {"target": PATH, "host": "testserver", "api_key": API_KEY, "secret_b64": SECRET}
    headers = {name: signed_headers(**sign, session_id=session_id) for name in early}
    with (
        client.websocket_connect(PATH, headers=headers["late"]) as late_ws,
        client.websocket_connect(PATH, headers=headers["first"]) as first_ws,
    ):
        hooks = {"late": AudioHookClient(late_ws, session_id),
                 "first": AudioHookClient(first_ws, session_id)}  # fmt: skip
        for hook in hooks.values():
            hook.open(conversation, [EXTERNAL_PCMU])
        # Neither has made a segment, so neither knows how the id began: each says a few
        # clipped words (transcribed, no segment), then talks (segments: one claims the id).
        for name in ("late", "first"):
            _send(hooks[name], early[name])
        for name in ("first", "late"):
            _send(hooks[name], talk if name == "first" else talk[::-1].copy())
        for hook in hooks.values():
            hook.send("close", {"reason": "end"})
            hook.expect("closed")
    timeline = _timeline(client, iid)
    said = [e for e in timeline if e["type"] == "utterance"]
    segments = [e for e in timeline if e["type"] == "audio.segment"]
    streams = {e["body"]["stream_id"] for e in segments}
    assert len(streams) == 2, streams  # two audios under the id: two streams
    assert not [e for e in said if e["body"].get("edit_of")], said  # no one's words replaced
    # Each connection's utterances are named after its own stream, as its segments are, and
    # numbered from 1 with none missing: its clipped words, then its talk.
    numbers: dict[str, list[int]] = {}
    for event in said:
        stream, _, n = event["event_id"].removeprefix("stt:").rpartition(":")
        numbers.setdefault(stream, []).append(int(n))
    assert set(numbers) == streams, (numbers, streams)
    for stream, seen in numbers.items():
        assert sorted(seen) == list(range(1, len(seen) + 1)) and len(seen) >= 2, (stream, said)
