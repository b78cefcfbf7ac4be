"""Genesys AudioHook's edges against a running ``kairos serve``: a client that connects again
under the same session id with its audio clock started again (``PT0S``), session ids that are
not the protocol's UUIDs, and the close transaction after the server's ``disconnect``.

The client is ``tests/channels/audiohook_client.py`` (written from the protocol's specification)
over a real WebSocket connection, signed as Genesys signs it.
"""

from __future__ import annotations

import json
import time
import uuid

import httpx
import numpy as np
import pytest
from tests.channels.audiohook_client import STEREO_PCMU, AudioHookClient
from tests.channels.audiohook_support import _segments, _session, _settled, _speak
from tests.channels.media_support import speech_8k
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection


def _call(base: str, session_id: str, conversation: str, speech: np.ndarray) -> AudioHookClient:
    """One connection under ``session_id`` from audio position ``PT0S``: open, speak, close."""
    connection, hook = _session(base, session_id)
    with connection:
        hook.open(conversation, [STEREO_PCMU])
        _speak(hook, speech)
        hook.send("close", {"reason": "end"})
        hook.expect("closed")
    return hook


def _ids(base: str, interaction_id: str) -> list[str]:
    return sorted(s["event_id"] for s in _segments(base, interaction_id))


def test_a_connection_again_at_pt0s_keeps_its_new_audio_and_a_redelivery_is_not_counted_twice(
    server: str,
) -> None:
    conversation = str(uuid.uuid4())
    iid = f"genesys:{conversation}"
    session_id = str(uuid.uuid4())
    angry, neutral = speech_8k("Angry"), speech_8k("Neutral")
    _call(server, session_id, conversation, angry)
    first = _segments(server, iid)
    assert first and {s["body"]["stream_id"] for s in first} == {f"audiohook-{session_id}"}
    # The client restarts its audio clock: a new connection under the same id, at PT0S, with
    # audio the first connection never sent. Its segments are a second stream, all kept.
    _call(server, session_id, conversation, neutral)
    after = _segments(server, iid)
    new = [s for s in after if s["event_id"] not in {f["event_id"] for f in first}]
    assert new, "the second connection's audio was dropped as duplicates of the first's"
    streams = {s["body"]["stream_id"] for s in new}
    assert len(streams) == 1 and streams != {f"audiohook-{session_id}"}
    assert next(iter(streams)).startswith(f"audiohook-{session_id}")
    # An exact redelivery of either connection's audio from PT0S is not counted again.
    _call(server, session_id, conversation, neutral)
    _call(server, session_id, conversation, angry)
    assert _ids(server, iid) == sorted(s["event_id"] for s in after)


def _refused(connection: ClientConnection, hook: AudioHookClient) -> tuple[dict[str, object], int]:
    """The server's ``disconnect``, then the close code after the client's ``close``."""
    message = json.loads(connection.recv(timeout=30))
    assert message["type"] == "disconnect", message
    hook.serverseq = message["seq"]
    hook.send("close", {"reason": "error"})
    closed = json.loads(connection.recv(timeout=30))
    assert closed["type"] == "closed" and closed["seq"] == message["seq"] + 1, closed
    assert closed["clientseq"] == hook.seq
    with pytest.raises(ConnectionClosed) as caught:
        connection.recv(timeout=30)
    assert caught.value.rcvd is not None
    return message, caught.value.rcvd.code


@pytest.mark.parametrize(
    ("header_id", "message_id"),
    [
        ("not a uuid", None),  # the upgrade request's audiohook-session-id
        (None, "a b"),  # a space
        (None, "a\x01\x1fb"),  # control characters
        (None, "x" * 90),  # any length
        (None, "6f5d1a3c-0a6b-4b9e-9c1e-5a8c1d2e3f4"),  # one digit short of a UUID
    ],
)
def test_a_session_id_that_is_not_a_uuid_is_a_client_error_and_nothing_is_stored(
    server: str,
    header_id: str | None,
    message_id: str | None,
) -> None:
    conversation = str(uuid.uuid4())
    connection, hook = _session(server, header_id)
    # The server's messages carry the session's id when it is a UUID, else the null UUID.
    answered_as = hook.id if header_id is None else "00000000-0000-0000-0000-000000000000"
    if message_id is not None:
        hook.id = message_id  # the header is a good UUID; the messages carry another id
    with connection:
        hook.send("open", {"conversationId": conversation, "media": [STEREO_PCMU]})
        message, code = _refused(connection, hook)
    assert message["parameters"]["reason"] == "error"
    assert "UUID" in message["parameters"]["info"]
    assert message["id"] == answered_as  # never the bad id echoed
    assert code == 1000  # the close transaction was completed
    missing = httpx.get(f"{server}/v1/interactions/genesys:{conversation}", timeout=30)
    assert missing.status_code == 404, "nothing of a refused session is stored"


def test_after_the_servers_disconnect_the_client_closes_and_what_was_analysed_is_kept(
    server: str,
) -> None:
    conversation = str(uuid.uuid4())
    iid = f"genesys:{conversation}"
    connection, hook = _session(server)
    with connection:
        hook.open(conversation, [STEREO_PCMU])
        _speak(hook, speech_8k("Angry"))
        connection.send(b"\xff" * 321)  # not whole stereo PCMU frames: a protocol mistake
        connection.send(b"\xff" * 320)  # audio already on its way: not a second error
        message, code = _refused(connection, hook)
    assert message["parameters"]["reason"] == "error"
    assert "not whole PCMU frames" in message["parameters"]["info"]
    assert code == 1000
    assert _settled(server, iid), "the audio analysed before the mistake is kept"


def test_a_client_that_never_closes_after_a_disconnect_is_closed_with_the_errors_code(
    server: str,
) -> None:
    connection, hook = _session(server)
    with connection:
        hook.send("ping")  # before open: a protocol mistake
        message = json.loads(connection.recv(timeout=30))
        assert message["type"] == "disconnect"
        started = time.monotonic()
        with pytest.raises(ConnectionClosed) as caught:
            connection.recv(timeout=60)
    assert caught.value.rcvd is not None and caught.value.rcvd.code == 1008
    assert 1.0 < time.monotonic() - started < 30
