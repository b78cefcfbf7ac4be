"""What the media stream tests share: Twilio media messages, a started call, speech and what was
stored."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from tests.channels.media_audio import emodb_file

from kairos.detection.voice.audio_io import read_audio
from kairos.detection.voice.features import to_analysis_rate


def start_call(client: TestClient, interaction_id: str) -> None:
    response = client.post(
        "/v1/events",
        json={
            "type": "interaction.started",
            "event_id": f"{interaction_id}-start",
            "interaction_id": interaction_id,
            "occurred_at": datetime.now(UTC).isoformat(),
            "channel": "call",
            "identities": [{"kind": "phone", "value": "+14155550100"}],
        },
    )
    assert response.status_code == 200, response.text


def twilio_start(stream_sid: str, **params: str) -> dict[str, Any]:
    return {
        "event": "start",
        "sequenceNumber": "1",
        "streamSid": stream_sid,
        "start": {
            "accountSid": "AC0123",
            "streamSid": stream_sid,
            "callSid": "CA0123",
            "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": params,
        },
    }


def media(stream_sid: str, chunk: int, payload: bytes, track: str = "inbound") -> dict[str, Any]:
    return {
        "event": "media",
        "sequenceNumber": str(chunk + 2),
        "streamSid": stream_sid,
        "media": {
            "track": track,
            "chunk": str(chunk + 1),
            "timestamp": str(chunk * 20),
            "payload": base64.b64encode(payload).decode(),
        },
    }


def closed_with(ws: Any) -> tuple[int, str]:
    """The close code and reason the server sent."""
    with pytest.raises(WebSocketDisconnect) as caught:
        while True:
            ws.receive_text()
    return caught.value.code, caught.value.reason


def stored_types(client: TestClient, interaction_id: str) -> list[str]:
    response = client.get(f"/v1/interactions/{interaction_id}")
    assert response.status_code == 200, "the interaction is intact"
    return [e["type"] for e in response.json()["timeline"]]


def speech_8k(emotion: str = "Angry") -> np.ndarray:
    samples, rate, _ = read_audio(emodb_file(emotion))
    return to_analysis_rate(samples, rate)
