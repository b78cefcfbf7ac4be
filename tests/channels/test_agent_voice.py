"""Never the agent: no audio path analyses or stores the agent's voice, and agent words never
feed the customer's emotion (EU AI Act, Article 5(1)(f): no emotion recognition of workers).

Every path that takes audio is tried with the agent's side: the recording upload, the Twilio
media WebSocket, the raw PCM WebSocket, Genesys AudioHook (stereo, the agent on the right),
``audio.segment`` events posted directly, the detection library itself and the ``score-audio``
CLI. Each says so in its answer and stores nothing.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import soundfile
from fastapi.testclient import TestClient
from tests.channels.media_support import (
    closed_with,
    media,
    speech_8k,
    start_call,
    stored_types,
    twilio_start,
)
from typer.testing import CliRunner

from kairos.detection.voice.codecs import mulaw_encode, pcm16_encode
from kairos.detection.voice.leg import CallLeg, recording_events
from kairos.errors import AgentVoiceRefused
from kairos.events import AGENT_VOICE_NOTICE


def _wav(samples: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def _no_voice_stored(client: TestClient, interaction_id: str) -> None:
    assert "audio.segment" not in stored_types(client, interaction_id)
    assessment = client.get(f"/v1/interactions/{interaction_id}").json()["assessment"]
    assert assessment is None or assessment["stress"] is None


# -- recording upload ------------------------------------------------------------------------


def test_an_agent_recording_is_not_analysed_and_the_answer_says_so(client: TestClient) -> None:
    start_call(client, "call-agent-rec")
    body = _wav(speech_8k("Angry"), 8000)
    response = client.post("/v1/interactions/call-agent-rec/recordings?speaker=agent", content=body)
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["analysed"] is False and out["notice"] == AGENT_VOICE_NOTICE
    assert "Article 5(1)(f)" in out["notice"]
    assert (out["segments"], out["stress"], out["applied"], out["recording_id"]) == (
        0,
        None,
        0,
        None,
    )
    _no_voice_stored(client, "call-agent-rec")
    # The customer's own recording is analysed as ever, and says so.
    mine = client.post("/v1/interactions/call-agent-rec/recordings", content=body).json()
    assert mine["analysed"] is True and mine["notice"] is None and mine["segments"] >= 2


def test_a_stereo_recording_needs_the_customers_channel_and_never_hears_the_agent(
    client: TestClient,
) -> None:
    start_call(client, "call-agent-stereo")
    angry = speech_8k("Angry")
    stereo = np.zeros((len(angry), 2), dtype=np.float32)
    stereo[:, 1] = angry  # the agent on the right, shouting; the customer silent on the left
    body = _wav(stereo, 8000)
    mixed = client.post("/v1/interactions/call-agent-stereo/recordings", content=body)
    assert mixed.status_code == 422, mixed.text
    assert "customer's channel" in mixed.json()["message"]
    customer = client.post("/v1/interactions/call-agent-stereo/recordings?channel=0", content=body)
    assert customer.status_code == 200
    assert customer.json()["segments"] == 0 and customer.json()["stress"] is None
    assert customer.json()["no_stress_reason"].startswith("no speech")
    _no_voice_stored(client, "call-agent-stereo")


# -- live streams ----------------------------------------------------------------------------


def test_a_twilio_stream_labelled_agent_is_closed_unheard(client: TestClient) -> None:
    start_call(client, "call-agent-tw")
    ulaw = mulaw_encode(speech_8k("Angry"))
    with client.websocket_connect("/v1/media/twilio?interaction_id=call-agent-tw") as ws:
        ws.send_text(json.dumps(twilio_start("MZA1", speaker="agent")))
        code, reason = closed_with(ws)
    assert code == 4451 and "agent audio is not analysed" in reason and "5(1)(f)" in reason
    # A client that does not listen and sends the audio anyway changes nothing.
    with client.websocket_connect("/v1/media/twilio?interaction_id=call-agent-tw") as ws:
        ws.send_text(json.dumps(twilio_start("MZA2", speaker="agent")))
        for i in range(min(50, len(ulaw) // 160)):
            try:
                ws.send_text(json.dumps(media("MZA2", i, ulaw[i * 160 : (i + 1) * 160])))
            except Exception:  # the server has closed: that is the point
                break
    _no_voice_stored(client, "call-agent-tw")


def test_a_twilio_call_with_both_tracks_hears_only_the_inbound_customer(
    client: TestClient,
) -> None:
    """The agent (outbound track) shouts, the customer (inbound) is silent: no stress at all."""
    start_call(client, "call-agent-both")
    agent = mulaw_encode(speech_8k("Angry"))
    silence = mulaw_encode(np.zeros(160, dtype=np.float32))
    with client.websocket_connect("/v1/media/twilio?interaction_id=call-agent-both") as ws:
        ws.send_text(json.dumps(twilio_start("MZA3")))
        for i in range(len(agent) // 160):
            ws.send_text(
                json.dumps(media("MZA3", 2 * i, agent[i * 160 : (i + 1) * 160], "outbound"))
            )
            ws.send_text(json.dumps(media("MZA3", 2 * i + 1, silence, "inbound")))
        ws.send_text(json.dumps({"event": "stop", "streamSid": "MZA3"}))
        assert ws.receive()["code"] == 1000
    _no_voice_stored(client, "call-agent-both")


def test_a_pcm_stream_labelled_agent_is_closed_unheard(client: TestClient) -> None:
    start_call(client, "call-agent-pcm")
    with client.websocket_connect("/v1/media/pcm?interaction_id=call-agent-pcm") as ws:
        ws.send_text(json.dumps({"event": "start", "sample_rate": 8000, "speaker": "agent"}))
        code, reason = closed_with(ws)
    assert code == 4451 and "customer's side" in reason
    _no_voice_stored(client, "call-agent-pcm")
    with client.websocket_connect("/v1/media/pcm?interaction_id=call-agent-pcm") as ws:
        ws.send_text(json.dumps({"event": "start", "sample_rate": 8000}))
        ws.send_bytes(pcm16_encode(speech_8k("Angry")[:8000]))
        ws.send_text(json.dumps({"event": "stop"}))
        assert ws.receive()["code"] == 1000
    assert "audio.segment" in stored_types(client, "call-agent-pcm"), "the customer's is heard"


def test_an_audiohook_stereo_call_never_hears_the_agent(client: TestClient) -> None:
    """The agent shouts on the right channel, the customer is silent on the left: nothing."""
    import uuid

    from tests.channels.audiohook_client import STEREO_PCMU, AudioHookClient

    conversation = str(uuid.uuid4())
    session_id = str(uuid.uuid4())
    agent = speech_8k("Angry")
    silence = np.zeros(160, dtype=np.float32)
    with client.websocket_connect(
        "/v1/media/audiohook", headers={"audiohook-session-id": session_id}
    ) as ws:
        hook = AudioHookClient(ws, session_id)
        assert hook.open(conversation, [STEREO_PCMU])["parameters"]["media"] == [STEREO_PCMU]
        for i in range(len(agent) // 160):
            hook.audio(silence, agent[i * 160 : (i + 1) * 160])
        hook.send("close", {"reason": "end"})
        hook.expect("closed")
    _no_voice_stored(client, f"genesys:{conversation}")


# -- events posted directly, the library, the CLI -------------------------------------------


def _segment(event_id: str, speaker: str) -> dict[str, object]:
    return {
        "type": "audio.segment",
        "event_id": event_id,
        "interaction_id": "call-agent-ev",
        "occurred_at": datetime.now(UTC).isoformat(),
        "speaker": speaker,
        "start_s": 0.0,
        "end_s": 0.8,
        "stress": 0.97,
    }


def test_agent_audio_segments_posted_as_events_are_refused_whole(client: TestClient) -> None:
    start_call(client, "call-agent-ev")
    batch = [_segment("ev-c", "customer"), _segment("ev-a", "agent")]
    response = client.post("/v1/events", json=batch)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "agent_voice_not_analysed" and "5(1)(f)" in body["message"]
    assert body["errors"] == [
        {"event_id": "ev-a", "field": "speaker", "message": "speaker must be customer"}
    ]
    _no_voice_stored(client, "call-agent-ev")  # not even the customer's half of the batch
    bot = client.post("/v1/events", json=[_segment("ev-b", "bot")])
    assert bot.status_code == 422
    ok = client.post("/v1/events", json=[_segment("ev-c", "customer")])
    assert (
        ok.status_code == 200 and stored_types(client, "call-agent-ev").count("audio.segment") == 1
    )


def test_the_library_refuses_an_agent_leg() -> None:
    with pytest.raises(AgentVoiceRefused, match="Article 5"):
        CallLeg(
            interaction_id="x",
            stream_id="s",
            speaker="agent",
            sample_rate=8000,
            started_at=datetime.now(UTC),
        )
    with pytest.raises(AgentVoiceRefused):
        recording_events(
            speech_8k("Angry"),
            8000,
            interaction_id="x",
            recording_id="r",
            started_at=datetime.now(UTC),
            speaker="agent",
        )


def test_score_audio_refuses_to_mix_a_stereo_call(tmp_path: Path) -> None:
    from kairos.cli import app

    angry = speech_8k("Angry")
    path = tmp_path / "call.wav"
    soundfile.write(path, np.stack([np.zeros_like(angry), angry], axis=1), 8000)
    runner = CliRunner()
    mixed = runner.invoke(app, ["score-audio", str(path)])
    line = json.loads(mixed.stdout.splitlines()[0])
    assert "customer's channel" in line["error"] and "stress" not in line
    left = json.loads(runner.invoke(app, ["score-audio", str(path), "--channel", "0"]).stdout)
    assert left["stress"] is None and left["segments"] == []
    assert left["no_stress_reason"].startswith("no speech")


# -- words ----------------------------------------------------------------------------------


def test_agent_words_never_move_the_customers_emotion() -> None:
    from kairos.detection.detector import MomentDetector

    at = datetime(2026, 3, 2, 10, tzinfo=UTC)
    customer = "My card was charged twice and I need the money back."
    agents = [
        "That's your fault, you should have read the terms. Not my problem.",
        "I'm so sorry, I'll fix this for you myself right now, leave it with me.",
        "THIS IS TERRIBLE!!! I am furious and so stressed, I hate this awful job!!!",
    ]
    alone = MomentDetector(model=None)
    base = alone.update_text(customer, occurred_at=at)
    for words in agents:
        detector = MomentDetector(model=None)
        detector.update_text(customer, occurred_at=at)
        after = detector.update_text(words, speaker="agent", occurred_at=at)
        assert after.emotion == base.emotion, words
        assert after.stress is None
