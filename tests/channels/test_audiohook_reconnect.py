"""Genesys AudioHook against a running ``kairos serve``: a message type the server does not know
is skipped (the session goes on), and a session that continues another (``open`` naming it in
``continuedSessions``, after ``close`` with reason ``reconnect``) continues the same interaction
with the caller's voice baseline, losing none of the analysis the first session did.

The client is ``tests/channels/audiohook_client.py`` (written from the protocol's specification)
over a real WebSocket connection (``websockets``), signed as Genesys signs it.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import numpy as np
from tests.channels.audiohook_client import EXTERNAL_PCMU, STEREO_PCMU
from tests.channels.audiohook_support import _segments, _session, _settled, _speak
from tests.channels.media_support import speech_8k

from kairos.channels.audiohook import AudioHookSession
from kairos.channels.audiohook_continued import Baselines
from kairos.detection.voice.tracker import StressTracker


def test_an_unknown_message_is_skipped_and_a_reconnected_session_continues_the_call(
    server: str,
) -> None:
    conversation = str(uuid.uuid4())
    iid = f"genesys:{conversation}"
    speech = speech_8k("Angry")
    first, hook = _session(server)
    with first:
        hook.open(conversation, [STEREO_PCMU])
        _speak(hook, speech)
        # Types this server has no use for (one a later protocol revision adds, one the
        # client sends to a bidirectional server): skipped, the session goes on in order.
        hook.send("dtmf", {"digit": "5"})
        hook.send("noticed", {"what": "a message type from a later protocol revision"})
        hook.send("ping")
        hook.expect("pong")
        _speak(hook, speech)
        hook.send("close", {"reason": "reconnect"})
        hook.expect("closed")
    before = _segments(server, iid)
    assert len(before) >= 2 and all(s["body"]["speaker"] == "customer" for s in before)
    continued = {"id": hook.id, "serverseq": hook.serverseq, "clientseq": hook.seq}
    second, again = _session(server)
    with second:
        again.send(
            "open",
            {
                "organizationId": "d7934305-0972-4844-938e-9060eef73d05",
                "conversationId": conversation,
                "participant": {"id": str(uuid.uuid4()), "ani": "tel:+14155550100"},
                "media": [STEREO_PCMU],
                "language": "en-US",
                "continuedSessions": [continued],
            },
        )
        again.expect("opened")
        again.channels, again.format = 2, "PCMU"
        _speak(again, speech)
        again.send("close", {"reason": "end"})
        again.expect("closed")
    after = _segments(server, iid)
    # Nothing the first session analysed is lost; the second's segments are added to it (the
    # timeline is in time order: audio sent faster than it is spoken interleaves the two).
    kept, new = _split(after, before)
    assert kept == [s["event_id"] for s in before]
    assert new and {s["body"]["stream_id"] for s in new} == {f"audiohook-{again.id}"}
    # The caller's baseline goes on from where the first session left it: not learnt afresh.
    assert new[0]["body"]["baseline_weight"] >= before[-1]["body"]["baseline_weight"]
    assert all(s["body"]["speaker"] == "customer" for s in after)


def _split(
    after: list[dict[str, Any]], before: list[dict[str, Any]]
) -> tuple[list[str], list[dict[str, Any]]]:
    """The ids of ``after``'s segments in ``before``'s stream, and the other segments."""
    stream = before[0]["body"]["stream_id"]
    kept = [s["event_id"] for s in after if s["body"]["stream_id"] == stream]
    return kept, [s for s in after if s["body"]["stream_id"] != stream]


def _resumed(
    base: str, session_id: str, conversation: str, samples: int, speech: np.ndarray
) -> None:
    """A connection again under ``session_id``, its audio position carried on from ``samples``:
    the caller says ``speech`` and the session ends."""
    connection, hook = _session(base, session_id)
    with connection:
        hook.samples = samples
        hook.open(conversation, [STEREO_PCMU])
        _speak(hook, speech)
        hook.send("close", {"reason": "end"})
        hook.expect("closed")


def test_a_connection_again_under_the_same_session_id_keeps_its_own_segments(
    server: str,
) -> None:
    conversation = str(uuid.uuid4())
    iid = f"genesys:{conversation}"
    speech = speech_8k("Angry")
    first, hook = _session(server)
    with first:
        hook.open(conversation, [STEREO_PCMU])
        _speak(hook, speech)
        _speak(hook, speech)
    # A network blip: the connection dropped with no ``close``; its last audio is still stored.
    before = _settled(server, iid)
    assert len(before) >= 2
    # The client connects again under the same session id, its audio position carried on.
    resumed_at = hook.samples
    _resumed(server, hook.id, conversation, resumed_at, speech)
    after = _segments(server, iid)
    kept, new = _split(after, before)
    assert kept == [s["event_id"] for s in before]
    assert new, "the second connection's analysis was dropped as duplicates of the first's"
    assert len({s["body"]["stream_id"] for s in new}) == 1
    assert new[0]["body"]["stream_id"] != before[0]["body"]["stream_id"]
    # The caller's baseline goes on from where the first connection left it.
    assert new[0]["body"]["baseline_weight"] >= before[-1]["body"]["baseline_weight"]
    # The same audio sent again from the same position is not applied twice.
    _resumed(server, hook.id, conversation, resumed_at, speech)
    assert sorted(s["event_id"] for s in _segments(server, iid)) == sorted(
        s["event_id"] for s in after
    )


def test_a_baseline_waits_its_time_for_the_session_that_continues_it() -> None:
    now = [0.0]
    held = Baselines(keep_s=300, most=2, clock=lambda: now[0])
    a, b, c = StressTracker(), StressTracker(), StressTracker()
    held.hold("a", a, "call-a")
    held.hold("b", b, "call-b")
    assert held.take(["unknown", "a"]) is a and held.take(["a"]) is None  # taken once
    now[0] = 301.0
    assert held.take(["b"]) is None  # waited too long
    held.hold("a", a, "call-a")
    held.hold("b", b, "call-b")
    held.hold("c", c, "call-c")  # the oldest goes first past ``most``
    assert held.take(["a"]) is None and held.take(["b", "c"]) is c


def _message(session_id: str, seq: int, kind: str, parameters: dict[str, Any]) -> str:
    return json.dumps(
        {"version": "2", "id": session_id, "type": kind, "seq": seq, "parameters": parameters}
    )


def test_a_long_sessions_baseline_is_kept_from_its_end_not_its_open() -> None:
    now = [0.0]
    held = Baselines(keep_s=300, clock=lambda: now[0])
    opening = {"conversationId": "c-long", "media": [EXTERNAL_PCMU]}
    s1, s2 = str(uuid.uuid4()), str(uuid.uuid4())
    first = AudioHookSession(baselines=held)
    first.receive(text=_message(s1, 1, "open", opening))
    assert first.leg is not None
    tracker = first.leg.stream.tracker
    now[0] = 600.0  # a ten-minute call
    first.receive(text=_message(s1, 2, "close", {"reason": "reconnect"}))
    now[0] = 610.0
    second = AudioHookSession(baselines=held)
    continued = {**opening, "continuedSessions": [{"id": s1}]}
    second.receive(text=_message(s2, 1, "open", continued))
    assert second.leg is not None and second.leg.stream.tracker is tracker
