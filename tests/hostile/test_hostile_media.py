"""Hostile call audio: media WebSocket sessions and recording uploads from ``corpus/``.

``corpus/media/*.json`` are WebSocket sessions (``path`` and the ``messages`` sent in order:
``text``, ``json`` or ``bytes_b64``); each must end with the close code ``cases.json`` names and a
reason containing its word, within a few seconds (never a hang, never 1011 for the client's
mistake). ``corpus/recordings/*`` are uploads with the status they must get. After each, the
seeded interaction is still there with everything it had.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect
from tests.hostile.conftest import Hostile, close_of

CORPUS = Path(__file__).parent / "corpus"
CASES: list[dict[str, Any]] = json.loads((CORPUS / "cases.json").read_text())
SESSIONS = [c for c in CASES if c["file"].startswith("media/")]
RECORDINGS = [c for c in CASES if c["file"].startswith("recordings/")]
WITNESS = "hostile-call-0"


def _expected(value: int | list[int]) -> set[int]:
    return set(value) if isinstance(value, list) else {value}


@pytest.mark.parametrize("case", SESSIONS, ids=[c["file"] for c in SESSIONS])
def test_a_bad_media_session_is_closed_with_a_reason(
    hostile: Hostile, case: dict[str, Any]
) -> None:
    session = json.loads((CORPUS / case["file"]).read_text())
    before = hostile.event_count(WITNESS)
    with hostile.client.websocket_connect(session["path"]) as ws:
        try:
            for message in session["messages"]:
                if "bytes_b64" in message:
                    ws.send_bytes(base64.b64decode(message["bytes_b64"]))
                elif "json" in message:
                    ws.send_text(json.dumps(message["json"]))
                else:
                    ws.send_text(message["text"])
        except WebSocketDisconnect:  # closed before all was sent: the close is read below
            pass
        code, reason = close_of(ws)
    assert code in _expected(case["close"]), (code, reason)
    assert code != 1011, reason
    assert case["mentions"].lower() in reason.lower(), reason
    # The interaction is still there with all it had (audio heard before an error may be added).
    assert hostile.event_count(WITNESS) >= before


@pytest.mark.parametrize("case", RECORDINGS, ids=[c["file"] for c in RECORDINGS])
def test_a_bad_recording_gets_a_clear_answer(hostile: Hostile, case: dict[str, Any]) -> None:
    body = (CORPUS / case["file"]).read_bytes()
    query = f"?{case['query']}" if case.get("query") else ""
    before = hostile.event_count(WITNESS)
    answer = hostile.client.post(
        f"/v1/interactions/{WITNESS}/recordings{query}",
        content=body,
        headers={"Content-Type": "audio/wav"},
    )
    assert answer.status_code < 500, answer.text
    assert answer.status_code in _expected(case["status"]), answer.text
    if answer.status_code >= 400:
        assert answer.json()["error"] and answer.json()["message"]
        if case.get("mentions"):
            assert case["mentions"].lower() in answer.text.lower(), answer.text
        assert hostile.event_count(WITNESS) == before


def test_a_recording_for_an_unknown_interaction_is_404(hostile: Hostile) -> None:
    body = (CORPUS / "recordings/wrong-channel.wav").read_bytes()
    answer = hostile.client.post("/v1/interactions/never-started-rec/recordings", content=body)
    assert answer.status_code == 404
    assert answer.json()["error"] == "unknown_interaction"
    assert hostile.interaction("never-started-rec") is None
