"""Media streams and recordings: protocol errors close clearly and leave the interaction intact."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
import uvicorn
from fastapi.testclient import TestClient
from tests.channels.media_audio import emodb_file
from tests.channels.media_support import (
    closed_with,
    media,
    speech_8k,
    start_call,
    stored_types,
    twilio_start,
)

from kairos.channels.media import MAX_MESSAGE_BYTES
from kairos.channels.media_order import ChunkOrder, chunk_number
from kairos.detection.voice.audio_io import read_audio
from kairos.detection.voice.codecs import mulaw_encode, pcm16_encode
from kairos.detection.voice.stress import VoiceStream
from kairos.main import create_app
from kairos.runtime import Runtime

# -- Twilio protocol errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("messages", "code", "words"),
    [
        (["not json"], 1007, "not JSON"),
        ([json.dumps({"no": "event"})], 1007, '"event"'),
        ([json.dumps(media("MZ1", 0, b"\xff" * 160))], 1008, "media before start"),
        (
            [
                json.dumps(
                    {
                        **twilio_start("MZ1"),
                        "start": {
                            **twilio_start("MZ1")["start"],
                            "mediaFormat": {"encoding": "audio/l16", "sampleRate": 16000},
                        },
                    }
                )
            ],
            1003,
            "audio/x-mulaw",
        ),
        ([json.dumps({"event": "start", "start": {"streamSid": "MZ1"}})], 1007, "mediaFormat"),
        (
            [
                json.dumps(twilio_start("MZ1")),
                json.dumps({**media("MZ1", 0, b""), "media": {"payload": "%%%not-base64"}}),
            ],
            1007,
            "base64",
        ),
        (
            [
                json.dumps(twilio_start("MZ1")),
                json.dumps({**media("MZ1", 0, b""), "media": {"payload": 160}}),
            ],
            1007,
            "bad media: payload",
        ),
        (
            [json.dumps(twilio_start("MZ1")), json.dumps({"event": "media", "media": "x"})],
            1007,
            "bad media",
        ),
        ([json.dumps(twilio_start("MZ1")), json.dumps(twilio_start("MZ1"))], 1008, "second start"),
        (["x" * (MAX_MESSAGE_BYTES + 1)], 1009, "limit"),
    ],
)
def test_twilio_protocol_errors_close_with_a_reason(
    client: TestClient, messages: list[str], code: int, words: str
) -> None:
    start_call(client, "call-err")
    with client.websocket_connect("/v1/media/twilio?interaction_id=call-err") as ws:
        for message in messages:
            ws.send_text(message)
        got_code, reason = closed_with(ws)
    assert (got_code, words in reason) == (code, True), reason
    assert stored_types(client, "call-err")[:1] == ["interaction.started"]


def test_binary_frames_are_not_twilio(client: TestClient) -> None:
    start_call(client, "call-bin")
    with client.websocket_connect("/v1/media/twilio?interaction_id=call-bin") as ws:
        ws.send_bytes(b"\x00\x01")
        code, reason = closed_with(ws)
    assert code == 1003 and "JSON text" in reason


def test_unknown_interaction_is_refused(client: TestClient) -> None:
    with client.websocket_connect("/v1/media/twilio") as ws:
        ws.send_text(json.dumps(twilio_start("MZ2", interaction_id="never-started")))
        code, reason = closed_with(ws)
    assert code == 4404 and "interaction.started" in reason


def test_error_mid_stream_keeps_what_was_heard(client: TestClient, runtime: Runtime) -> None:
    """Speech, then a malformed frame: the speech before it is analysed and stored."""
    start_call(client, "call-mid")
    ulaw = mulaw_encode(speech_8k())
    with client.websocket_connect("/v1/media/twilio") as ws:
        ws.send_text(json.dumps(twilio_start("MZ3", interaction_id="call-mid")))
        for i in range(len(ulaw) // 160):
            ws.send_text(json.dumps(media("MZ3", i, ulaw[i * 160 : (i + 1) * 160])))
        ws.send_text("{broken")
        code, _ = closed_with(ws)
    assert code == 1007
    types = stored_types(client, "call-mid")
    assert types[0] == "interaction.started" and types.count("audio.segment") >= 2
    assessment = client.get("/v1/interactions/call-mid").json()["assessment"]
    assert assessment["stress"] is not None


def test_twilio_message_types_it_does_not_know_are_ignored(
    client: TestClient, runtime: Runtime
) -> None:
    """A message type Twilio adds later must not cut the call's audio: it is counted and skipped
    (before 2026-12-06 the stream was closed with 1008); a malformed known one still closes."""
    start_call(client, "call-new")
    ulaw = mulaw_encode(speech_8k())
    with client.websocket_connect("/v1/media/twilio") as ws:
        ws.send_text(json.dumps({"event": "bogus"}))
        ws.send_text(json.dumps(twilio_start("MZ4", interaction_id="call-new")))
        half = len(ulaw) // 320
        for i in range(len(ulaw) // 160):
            if i == half:
                for _ in range(3):
                    ws.send_text(json.dumps({"event": "transcription", "streamSid": "MZ4"}))
            ws.send_text(json.dumps(media("MZ4", i, ulaw[i * 160 : (i + 1) * 160])))
        ws.send_text(json.dumps({"event": "stop", "streamSid": "MZ4"}))
        code, _ = closed_with(ws)
    assert code == 1000
    types = stored_types(client, "call-new")
    assert types[0] == "interaction.started" and types.count("audio.segment") >= 2
    assert "kairos_media_messages_ignored_total 4" in client.get("/metrics").text


@pytest.fixture
def live_server(runtime: Runtime) -> Iterator[str]:
    """A real uvicorn server on a free port (the test client cancels the app on disconnect)."""
    config = uvicorn.Config(
        create_app(runtime.settings, runtime=runtime), host="127.0.0.1", port=0, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_abrupt_disconnect_keeps_the_audio_and_the_interaction(
    client: TestClient, live_server: str
) -> None:
    """The TCP connection drops mid-call, no stop, no close frame: all the speech still counts."""
    from websockets.sync.client import connect

    start_call(client, "call-drop")
    audio = speech_8k()
    stream = VoiceStream(8000)
    expected = len(stream.feed(audio) + stream.flush())
    ulaw = mulaw_encode(audio)
    with connect(f"ws://{live_server}/v1/media/twilio?interaction_id=call-drop") as ws:
        ws.send(json.dumps(twilio_start("MZ4")))
        for i in range(len(ulaw) // 160):
            ws.send(json.dumps(media("MZ4", i, ulaw[i * 160 : (i + 1) * 160])))
        ws.socket.close()  # the line drops
    deadline = time.monotonic() + 10
    while stored_types(client, "call-drop").count("audio.segment") < expected:
        assert time.monotonic() < deadline, stored_types(client, "call-drop")
        time.sleep(0.05)
    assert stored_types(client, "call-drop").count("audio.segment") == expected >= 2


def test_outbound_track_is_not_the_caller(client: TestClient) -> None:
    start_call(client, "call-out")
    ulaw = mulaw_encode(speech_8k())
    with client.websocket_connect("/v1/media/twilio?interaction_id=call-out") as ws:
        ws.send_text(json.dumps(twilio_start("MZ5")))
        for i in range(len(ulaw) // 160):
            ws.send_text(json.dumps(media("MZ5", i, ulaw[i * 160 : (i + 1) * 160], "outbound")))
        ws.send_text(json.dumps({"event": "stop", "streamSid": "MZ5"}))
        assert ws.receive()["code"] == 1000
    assert "audio.segment" not in stored_types(client, "call-out")
    assert client.get("/v1/interactions/call-out").json()["assessment"] is None


def test_a_resent_stream_is_not_applied_twice(client: TestClient) -> None:
    start_call(client, "call-dup")
    ulaw = mulaw_encode(speech_8k())
    for _ in range(2):
        with client.websocket_connect("/v1/media/twilio?interaction_id=call-dup") as ws:
            ws.send_text(json.dumps(twilio_start("MZ6")))
            for i in range(len(ulaw) // 160):
                ws.send_text(json.dumps(media("MZ6", i, ulaw[i * 160 : (i + 1) * 160])))
            ws.send_text(json.dumps({"event": "stop", "streamSid": "MZ6"}))
            assert ws.receive()["code"] == 1000
    types = stored_types(client, "call-dup")
    first = types.count("audio.segment")
    assert first >= 2
    assert types.count("audio.segment") == first


# -- raw PCM ---------------------------------------------------------------------------------


def test_pcm_stream_at_16_khz(client: TestClient) -> None:
    start_call(client, "call-pcm")
    samples, rate, _ = read_audio(emodb_file("Angry", 1))
    assert rate == 16000
    pcm = pcm16_encode(samples)
    with client.websocket_connect("/v1/media/pcm") as ws:
        ws.send_text(
            json.dumps({"event": "start", "sample_rate": rate, "interaction_id": "call-pcm"})
        )
        for i in range(0, len(pcm), 640):
            ws.send_bytes(pcm[i : i + 640])
        ws.send_text(json.dumps({"event": "stop"}))
        assert ws.receive()["code"] == 1000
    assert stored_types(client, "call-pcm").count("audio.segment") >= 2
    assessment = client.get("/v1/interactions/call-pcm").json()["assessment"]
    assert assessment["stress"] > 0.5, "acted anger reads stressed on population norms"


@pytest.mark.parametrize(
    ("messages", "code", "words"),
    [
        ([b"\x00\x00"], 1008, "audio before start"),
        ([{"event": "start", "sample_rate": 96000}], 1003, "8000 to 48000"),
        ([{"event": "start", "sample_rate": 8000, "encoding": "opus"}], 1003, "encoding"),
        ([{"event": "start"}], 1007, "sample_rate"),
        ([{"event": "start", "sample_rate": 8000}, b"\x00\x00\x00"], 1007, "16-bit"),
        (
            [{"event": "start", "sample_rate": 8000}, b"\x00" * (MAX_MESSAGE_BYTES + 2)],
            1009,
            "limit",
        ),
        ([{"event": "pause"}], 1008, "unknown event"),
    ],
)
def test_pcm_protocol_errors(
    client: TestClient, messages: list[Any], code: int, words: str
) -> None:
    start_call(client, "call-pcm-err")
    with client.websocket_connect("/v1/media/pcm?interaction_id=call-pcm-err") as ws:
        for message in messages:
            if isinstance(message, bytes):
                ws.send_bytes(message)
            else:
                ws.send_text(json.dumps(message))
        got, reason = closed_with(ws)
    assert (got, words in reason) == (code, True), reason
    assert stored_types(client, "call-pcm-err") == ["interaction.started"]


# -- recordings ------------------------------------------------------------------------------


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


@pytest.mark.parametrize("rate", [8000, 16000, 44100, 48000])
def test_upload_a_recording_at_common_rates(client: TestClient, rate: int) -> None:
    start_call(client, "call-rec")
    samples, src_rate, _ = read_audio(emodb_file("Angry", 2))
    import parselmouth

    resampled = parselmouth.Sound(samples.astype(np.float64), src_rate).resample(rate).values[0]
    body = wav_bytes(resampled, rate)
    response = client.post(
        "/v1/interactions/call-rec/recordings", content=body, headers={"content-type": "audio/wav"}
    )
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["sample_rate"] == rate and out["segments"] >= 2 and out["applied"] == out["segments"]
    assert out["stress"] > 0.5
    again = client.post("/v1/interactions/call-rec/recordings", content=body).json()
    assert (again["applied"], again["duplicates"]) == (0, out["segments"])


def test_upload_a_stereo_recording_picks_the_caller(client: TestClient) -> None:
    start_call(client, "call-stereo")
    angry, rate, _ = read_audio(emodb_file("Angry", 3))
    stereo = np.zeros((len(angry), 2), dtype=np.float32)
    stereo[:, 1] = angry  # the caller on the right
    body = wav_bytes(stereo, rate)
    silent = client.post("/v1/interactions/call-stereo/recordings?channel=0", content=body).json()
    caller = client.post("/v1/interactions/call-stereo/recordings?channel=1", content=body).json()
    assert silent["segments"] == 0 and silent["stress"] is None
    assert caller["channels"] == 2 and caller["segments"] >= 2


def test_upload_errors(client: TestClient, tmp_path: Path) -> None:
    start_call(client, "call-bad")
    garbage = client.post("/v1/interactions/call-bad/recordings", content=b"RIFF nonsense")
    assert garbage.status_code == 422 and garbage.json()["error"] == "invalid_audio"
    empty = client.post("/v1/interactions/call-bad/recordings", content=b"")
    assert empty.status_code == 422
    low = wav_bytes(np.zeros(4000, dtype=np.float32), 4000)
    too_low = client.post("/v1/interactions/call-bad/recordings", content=low)
    assert too_low.status_code == 422 and "4000 Hz" in too_low.json()["message"]
    mono = wav_bytes(np.zeros(8000, dtype=np.float32), 8000)
    wrong_channel = client.post("/v1/interactions/call-bad/recordings?channel=1", content=mono)
    assert wrong_channel.status_code == 422 and "channel 1" in wrong_channel.json()["message"]
    unknown = client.post("/v1/interactions/nobody/recordings", content=mono)
    assert unknown.status_code == 404
    assert stored_types(client, "call-bad") == ["interaction.started"]


def test_grouped_ingest_keeps_one_streams_failure_to_itself(
    client: TestClient, runtime: Runtime
) -> None:
    """Segments of two streams share a transaction; one bad stream does not sink the other."""
    import asyncio
    from datetime import UTC, datetime

    from kairos.channels.media_views import SegmentIngest
    from kairos.errors import UnknownInteraction
    from kairos.events import AudioSegment

    start_call(client, "call-good")

    def segment(interaction_id: str, n: int) -> AudioSegment:
        return AudioSegment(
            event_id=f"audio:{interaction_id}:{n}",
            interaction_id=interaction_id,
            occurred_at=datetime.now(UTC),
            start_s=n,
            end_s=n + 0.8,
            stress=0.4,
        )

    async def both() -> list[BaseException | None]:
        sink = SegmentIngest(runtime, window=0.05)
        return await asyncio.gather(
            sink.submit([segment("call-good", 1), segment("call-good", 2)]),
            sink.submit([segment("call-gone", 1)]),
            return_exceptions=True,
        )

    good, bad = asyncio.run(both())
    assert good is None and isinstance(bad, UnknownInteraction)
    assert stored_types(client, "call-good").count("audio.segment") == 2


def _segments_of(client: TestClient, interaction_id: str) -> list[tuple[float, float, Any]]:
    timeline = client.get(f"/v1/interactions/{interaction_id}").json()["timeline"]
    return [
        (e["body"]["start_s"], e["body"]["end_s"], e["body"]["features"])
        for e in timeline
        if e["type"] == "audio.segment"
    ]


def test_a_twilio_chunk_sent_again_or_out_of_order_is_not_heard_twice(client: TestClient) -> None:
    ulaw = mulaw_encode(speech_8k())
    chunks = range(len(ulaw) // 160)
    for sid, interaction_id, twice in (("MZ7", "call-once", False), ("MZ8", "call-resent", True)):
        frames = [media(sid, i, ulaw[i * 160 : (i + 1) * 160]) for i in chunks]
        if twice:  # a relay that repeats every chunk, and sends one after the chunk after it
            frames = [f for frame in frames for f in (frame, frame)]
            frames[10], frames[12] = frames[12], frames[10]
        start_call(client, interaction_id)
        with client.websocket_connect(f"/v1/media/twilio?interaction_id={interaction_id}") as ws:
            ws.send_text(json.dumps(twilio_start(sid)))
            for message in frames:
                ws.send_text(json.dumps(message))
            ws.send_text(json.dumps({"event": "stop", "streamSid": sid}))
            assert ws.receive()["code"] == 1000
    once = _segments_of(client, "call-once")
    assert len(once) >= 2
    assert _segments_of(client, "call-resent") == once


def test_a_chunk_missing_too_long_is_given_up_and_the_rest_comes_in_order() -> None:
    order = ChunkOrder(window=2)
    assert order.take(1, b"1") == [b"1"]
    assert order.take(3, b"3") == [] and order.take(4, b"4") == []  # 2 missing: held
    assert order.take(5, b"5") == [b"3", b"4", b"5"]  # the window is full: 2 given up
    assert order.take(2, b"2") == [] and order.take(5, b"5") == []  # late, or heard: dropped
    assert order.take(None, b"x") == [b"x"]  # no chunk number: as it comes
    assert order.take(7, b"7") == [] and order.rest() == [b"7"]  # at the stop, in order
    assert order.repeats == 2
    assert [chunk_number(v) for v in ("12", 12, "", "1e3", "-1", True, None)] == [
        12, 12, None, None, None, None, None,
    ]  # fmt: skip
