"""A raw PCM ``stream_id`` names one stream of one interaction: the same id under another
interaction is the client's mistake, closed with a policy code and a reason, and the stream that
had it first keeps all it stored."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from tests.channels.media_support import closed_with, speech_8k, start_call, stored_types

from kairos.detection.voice.codecs import pcm16_encode


def _start(interaction_id: str, stream_id: str) -> str:
    start = {"event": "start", "sample_rate": 8000, "interaction_id": interaction_id}
    return json.dumps({**start, "stream_id": stream_id})


def _send_audio(ws: Any, pcm: bytes) -> None:
    for i in range(0, len(pcm), 640):
        ws.send_bytes(pcm[i : i + 640])


def _stored(client: TestClient, interaction_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/interactions/{interaction_id}")
    assert response.status_code == 200, response.text
    return [e for e in response.json()["timeline"] if e["type"] == "audio.segment"]


def _stream(client: TestClient, interaction_id: str, stream_id: str, pcm: bytes) -> None:
    with client.websocket_connect("/v1/media/pcm") as ws:
        ws.send_text(_start(interaction_id, stream_id))
        _send_audio(ws, pcm)
        ws.send_text(json.dumps({"event": "stop"}))
        assert ws.receive()["code"] == 1000


def test_a_stream_id_of_another_interaction_is_refused_at_start(client: TestClient) -> None:
    pcm = pcm16_encode(speech_8k())
    for name in ("call-first", "call-second"):
        start_call(client, name)
    _stream(client, "call-first", "leg-1", pcm)
    first = _stored(client, "call-first")
    assert len(first) >= 2

    with client.websocket_connect("/v1/media/pcm") as ws:
        ws.send_text(_start("call-second", "leg-1"))
        _send_audio(ws, pcm)  # not taken: the stream was refused at start
        ws.send_text(json.dumps({"event": "stop"}))
        code, reason = closed_with(ws)
    assert code == 1008, (code, reason)
    assert "stream_id 'leg-1'" in reason and "another interaction" in reason, reason
    assert stored_types(client, "call-second") == ["interaction.started"]
    assert _stored(client, "call-first") == first, "nothing of the first stream is lost"

    _stream(client, "call-first", "leg-1", pcm)  # sent again to its own interaction: a repeat
    assert _stored(client, "call-first") == first
    _stream(client, "call-second", "leg-2", pcm)  # its own stream_id: taken
    assert len(_stored(client, "call-second")) == len(first)


def test_two_streams_with_one_stream_id_at_once_the_first_stored_keeps_it(
    client: TestClient,
) -> None:
    pcm = pcm16_encode(speech_8k())
    for name in ("call-early", "call-late"):
        start_call(client, name)
    with (
        client.websocket_connect("/v1/media/pcm") as early,
        client.websocket_connect("/v1/media/pcm") as late,
    ):
        early.send_text(_start("call-early", "leg-9"))
        late.send_text(_start("call-late", "leg-9"))  # nothing stored under leg-9 yet: accepted
        _send_audio(early, pcm)
        early.send_text(json.dumps({"event": "stop"}))
        assert early.receive()["code"] == 1000
        kept = _stored(client, "call-early")
        assert len(kept) >= 2
        _send_audio(late, pcm)
        late.send_text(json.dumps({"event": "stop"}))
        code, reason = closed_with(late)
    assert code == 1008, (code, reason)
    assert "another interaction" in reason, reason
    assert _stored(client, "call-early") == kept
    assert "audio.segment" not in stored_types(client, "call-late")
