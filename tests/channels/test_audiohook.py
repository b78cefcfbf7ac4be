"""Genesys AudioHook: signed sessions, the protocol's messages, and a stereo call analysed live.

The client (``tests/channels/audiohook_client.py``) is written from the published protocol
specification; the signature check is also tried on the specification's own worked example.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse
from tests.channels.audiohook_client import (
    EXTERNAL_PCMU,
    STEREO_L16,
    STEREO_PCMU,
    AudioHookClient,
    signed_headers,
)
from tests.channels.audiohook_support import API_KEY, FRAME, PATH, SECRET
from tests.channels.media_audio import AGITATED_TEXT, HeardStress, calm_then_agitated, espeak
from tests.channels.media_support import closed_with, speech_8k, stored_types

from kairos.channels.audiohook_signature import SignatureError, SignedRequest, verify_signature
from kairos.config import Settings
from kairos.detection.voice.features import to_analysis_rate
from kairos.detection.voice.stress import VoiceStream
from kairos.runtime import Runtime


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    """AudioHook sessions must carry this integration's API key and be signed by its secret."""
    return Settings(
        database_url=migrated_url, audiohook_api_key=API_KEY, audiohook_client_secret=SECRET
    )


def connect(client: TestClient, **sign: Any) -> tuple[Any, str]:
    session_id = str(uuid.uuid4())
    headers = signed_headers(
        target=PATH, host="testserver", api_key=API_KEY, secret_b64=SECRET,
        session_id=session_id, **sign,
    )  # fmt: skip
    return client.websocket_connect(PATH, headers=headers), session_id


# -- signatures ------------------------------------------------------------------------------


def test_the_specifications_signed_example_verifies_and_an_altered_one_does_not() -> None:
    headers = {
        "host": "audiohook.example.com",
        "audiohook-organization-id": "d7934305-0972-4844-938e-9060eef73d05",
        "audiohook-session-id": "30b0e395-84d3-4570-ac13-9a62d8f514c0",
        "audiohook-correlation-id": "e160e428-53e2-487c-977d-96989bf5c99d",
        "x-api-key": API_KEY,
        "signature": "sig1=:NZBwyBHRRyRoeLqy1IzOa9VYBuI8TgMFt2GRDkDuJh4=:",
        "signature-input": (
            'sig1=("@request-target" "@authority" "audiohook-organization-id" '
            '"audiohook-session-id" "audiohook-correlation-id" "x-api-key");'
            'keyid="SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh";nonce="VGhpc0lzQVVuaXF1ZU5vbmNl";'
            'alg="hmac-sha256";created=1641013200;expires=3282026430'
        ),
    }

    def request(**changed: str) -> SignedRequest:
        return SignedRequest(
            "GET", "/api/v1/voicebiometrics/ws", "", "audiohook.example.com",
            {**headers, **changed},
        )  # fmt: skip

    verify_signature(request(), api_key=API_KEY, secret_b64=SECRET, now=1641013205.0)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(
            request(**{"audiohook-session-id": str(uuid.uuid4())}),
            api_key=API_KEY, secret_b64=SECRET, now=1641013205.0,
        )  # fmt: skip
    with pytest.raises(SignatureError, match="not created now"):
        verify_signature(request(), api_key=API_KEY, secret_b64=SECRET, now=1641013200.0 + 3600)
    with pytest.raises(SignatureError, match="X-API-KEY"):
        verify_signature(request(), api_key="another-key", secret_b64=SECRET, now=1641013205.0)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"signature": "sig1=:AAAA:"}, "does not match"),
        ({"signature": None, "signature-input": None}, "not signed"),
        ({"x-api-key": "wrong"}, "X-API-KEY"),
    ],
)
def test_a_badly_signed_session_is_refused_before_it_opens(
    client: TestClient, change: dict[str, str | None], words: str
) -> None:
    headers = signed_headers(
        target=PATH, host="testserver", api_key=API_KEY, secret_b64=SECRET,
        session_id=str(uuid.uuid4()),
    )  # fmt: skip
    for name, value in change.items():
        if value is None:
            headers.pop(name)
        else:
            headers[name] = value
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        client.websocket_connect(PATH, headers=headers),
    ):
        pass
    assert refused.value.status_code == 401
    assert words in refused.value.json()["message"]


def test_a_stale_signature_is_refused(client: TestClient) -> None:
    ws, _ = connect(client, created=int(time.time()) - 3600)
    with pytest.raises(WebSocketDenialResponse) as refused, ws:
        pass
    assert "not created now" in refused.value.json()["message"]


# -- the protocol ----------------------------------------------------------------------------


def test_open_ping_update_pause_resume_close(client: TestClient) -> None:
    conversation = str(uuid.uuid4())
    ws, session_id = connect(client)
    with ws:
        hook = AudioHookClient(ws, session_id)
        opened = hook.open(conversation, [STEREO_PCMU, EXTERNAL_PCMU])
        # The customer's channel alone is taken when offered: the agent's never leaves Genesys.
        assert opened["parameters"] == {"startPaused": False, "media": [EXTERNAL_PCMU]}
        hook.send("ping", {"rtt": "PT0.045S"})
        assert hook.expect("pong")["parameters"] == {}
        hook.send("update", {"language": "es-ES"})
        hook.expect("updated")
        speech = speech_8k("Angry")
        for i in range(len(speech) // FRAME // 2):
            hook.audio(speech[i * FRAME : (i + 1) * FRAME])
        hook.send("paused")  # a hold: audio stops
        hook.send("resumed", {"start": "PT1.2S", "discarded": "PT3.5S"})
        for i in range(len(speech) // FRAME // 2, len(speech) // FRAME):
            hook.audio(speech[i * FRAME : (i + 1) * FRAME])
        hook.send("close", {"reason": "end"})
        hook.expect("closed")
        code, reason = closed_with(ws)
    assert (code, reason) == (1000, "session closed")
    types = stored_types(client, f"genesys:{conversation}")
    assert types[0] == "interaction.started" and types.count("audio.segment") >= 2
    detail = client.get(f"/v1/interactions/genesys:{conversation}").json()
    assert detail["channel"] == "call" and detail["assessment"]["stress"] is not None


def test_l16_stereo_takes_the_left_channel_only(client: TestClient) -> None:
    conversation = str(uuid.uuid4())
    ws, session_id = connect(client)
    speech = speech_8k("Angry")
    with ws:
        hook = AudioHookClient(ws, session_id)
        opened = hook.open(conversation, [STEREO_L16])
        assert opened["parameters"]["media"] == [STEREO_L16]
        silence = np.zeros(FRAME, dtype=np.float32)
        for i in range(len(speech) // FRAME):  # the customer silent, the agent speaking
            hook.audio(silence, speech[i * FRAME : (i + 1) * FRAME])
        hook.send("close", {"reason": "end"})
        hook.expect("closed")
    assert "audio.segment" not in stored_types(client, f"genesys:{conversation}")


@pytest.mark.parametrize(
    ("steps", "words"),
    [
        (["audio"], "audio before open"),
        (["ping"], "ping before open"),
        (["open", "open"], "a second open"),
        (["open", "skip", "ping"], "seq 3 after 1"),
        (["bad-media"], "no offered media"),
        (["open", "odd-audio"], "not whole PCMU frames"),
    ],
)
def test_protocol_mistakes_get_a_disconnect_and_a_close(
    client: TestClient, steps: list[str], words: str
) -> None:
    ws, session_id = connect(client)
    conversation = str(uuid.uuid4())
    with ws:
        hook = AudioHookClient(ws, session_id)
        for step in steps:
            if step == "audio":
                ws.send_bytes(b"\xff" * 320)
            elif step == "open" and hook.seq == 0:
                hook.open(conversation, [STEREO_PCMU])
            elif step == "open":
                hook.send("open", {"conversationId": conversation, "media": [STEREO_PCMU]})
            elif step == "skip":
                hook.seq += 1
            elif step == "bad-media":
                hook.send("open", {"conversationId": conversation,
                                   "media": [{**EXTERNAL_PCMU, "rate": 16000}]})  # fmt: skip
            elif step == "odd-audio":
                ws.send_bytes(b"\xff" * 321)
            else:
                hook.send(step)
        message = hook.ws.receive_json()
        assert message["type"] == "disconnect" and message["parameters"]["reason"] == "error"
        assert words in message["parameters"]["info"]
        # The client ends the session as the protocol has it: ``close``, answered ``closed``.
        hook.serverseq = message["seq"]
        hook.send("close", {"reason": "error"})
        hook.expect("closed")
        code, _ = closed_with(ws)
    assert code == 1000


# -- done-when: a stereo call ----------------------------------------------------------------


def test_a_stereo_call_raises_the_customers_stress_within_a_second_and_never_hears_the_agent(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    """Customer left (calm, then agitated), agent right (shouting throughout), PCMU, real time."""
    customer, change = calm_then_agitated(tmp_path)
    shout, rate = espeak(AGITATED_TEXT, tmp_path / "agent.wav", pitch=99, rate=260)
    shout8 = to_analysis_rate(shout, rate)
    agent = np.resize(np.concatenate([shout8, np.zeros(800, np.float32)]), len(customer))
    conversation = str(uuid.uuid4())
    iid = f"genesys:{conversation}"
    on_bus = HeardStress(runtime.bus)
    ws, session_id = connect(client)
    sent_at: list[float] = []
    with ws:
        hook = AudioHookClient(ws, session_id)
        hook.open(conversation, [STEREO_PCMU])
        t0 = time.monotonic()
        for i in range(len(customer) // FRAME):
            delay = t0 + i * 0.02 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            part = slice(i * FRAME, (i + 1) * FRAME)
            hook.audio(customer[part], agent[part])
            sent_at.append(time.monotonic())
        hook.send("close", {"reason": "end"})
        hook.expect("closed")

    timeline = on_bus.timeline()
    assert len(timeline) >= 15
    before = [stress for _, seg, stress in timeline if seg["end_s"] <= change]
    after = [(t, seg, stress) for t, seg, stress in timeline if seg["start_s"] >= change - 0.05]
    calm_now = before[-1]
    assert calm_now < 0.35, f"the calm customer reads calm though the agent shouts: {calm_now}"
    arrived, seg, stress = after[0]
    assert seg["end_s"] - change <= 1.0, "the first agitated segment closes within a second"
    frame_of_end = min(int(seg["end_s"] / 0.02), len(sent_at) - 1)
    assert arrived - sent_at[frame_of_end] <= 1.0, "and reaches the assessment within a second"
    assert stress > calm_now + 0.05
    assert max(s for _, _, s in after) >= max(0.5, calm_now + 0.3)

    # Nothing of the agent's voice: every stored segment is the customer's channel, exactly as
    # the customer's channel analysed alone gives it.
    stored = [e for e in client.get(f"/v1/interactions/{iid}").json()["timeline"]
              if e["type"] == "audio.segment"]  # fmt: skip
    assert {e["body"]["speaker"] for e in stored} == {"customer"}
    alone = VoiceStream(8000)
    sent = customer[: len(customer) // FRAME * FRAME]
    heard = alone.feed(_phone(sent)) + alone.flush()
    assert [(e["body"]["start_s"], e["body"]["features"]) for e in stored] == [
        (round(r.start_s, 3), r.features) for r in heard
    ]


def _phone(x: np.ndarray) -> np.ndarray:
    """The customer's channel as the client put it on the line (its μ-law bytes, decoded)."""
    from tests.channels.audiohook_client import _mulaw

    from kairos.detection.voice.codecs import mulaw_decode

    return mulaw_decode(_mulaw(x))
