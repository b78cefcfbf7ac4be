"""Done-when: a synthesised calm-then-agitated call streamed over the Twilio WebSocket.

The call is sent as 20 ms μ-law frames at real-time pace, the way Twilio sends it; the test reads
the ``assessment.updated`` messages on the bus and checks that the interaction's ``stress`` rises
within a second of the change in the voice.
"""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from tests.channels.media_audio import HeardStress, calm_then_agitated
from tests.channels.media_support import media, start_call, twilio_start

from kairos.detection.voice.codecs import mulaw_encode
from kairos.runtime import Runtime

FRAME = 160  # 20 ms at 8 kHz


def test_calm_then_agitated_call_raises_stress_within_a_second(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    audio, change = calm_then_agitated(tmp_path)
    start_call(client, "call-voice-1")
    on_bus = HeardStress(runtime.bus)
    ulaw = mulaw_encode(audio)
    sent_at: list[float] = []
    with client.websocket_connect("/v1/media/twilio?interaction_id=call-voice-1") as ws:
        ws.send_json({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        ws.send_json(twilio_start("MZvoice1"))
        t0 = time.monotonic()
        for i in range(0, len(ulaw) // FRAME):
            delay = t0 + i * 0.02 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            ws.send_json(media("MZvoice1", i, ulaw[i * FRAME : (i + 1) * FRAME]))
            sent_at.append(time.monotonic())
        ws.send_json({"event": "stop", "sequenceNumber": "9999", "streamSid": "MZvoice1"})
        closed = ws.receive()
    assert closed["type"] == "websocket.close" and closed["code"] == 1000

    timeline = on_bus.timeline()
    assert len(timeline) >= 15, "a 20-second call gives a segment every second or so"
    before = [(seg, stress) for _, seg, stress in timeline if seg["end_s"] <= change]
    after = [
        (arrived, seg, stress)
        for arrived, seg, stress in timeline
        if seg["start_s"] >= change - 0.05
    ]
    calm_now = before[-1][1]
    assert calm_now < 0.35, f"a calm caller with a built baseline reads calm: {calm_now}"
    # The first update with agitated audio: within 1 s of the change, in the call's time and on
    # the wall clock (from the frame that closed the segment to the assessment on the bus).
    arrived, seg, stress = after[0]
    assert seg["end_s"] - change <= 1.0
    frame_of_end = min(int(seg["end_s"] / 0.02), len(sent_at) - 1)
    assert arrived - sent_at[frame_of_end] <= 1.0
    assert stress > calm_now + 0.05, (calm_now, [s for _, _, s in after])
    peak = max(s for _, _, s in after)
    assert peak >= calm_now + 0.3 and peak >= 0.5, (calm_now, [s for _, _, s in after])

    interaction = client.get("/v1/interactions/call-voice-1").json()
    assessment = interaction["assessment"]
    assert assessment["stress"] is not None and assessment["stress"] >= 0.4
    voice = [r for r in assessment["reasons"] if r["kind"] == "voice"]
    assert any("SD above this caller's baseline" in (r.get("text") or "") for r in voice), voice
