"""AudioHook connections again under one session id that reach another server process (another
``--workers`` worker, or the server after a restart): the same audio sent again from ``PT0S`` is
not counted twice, because its segments' ids are made from the session id and the audio's
position, and the stored events dedupe by id in the database, whichever process stores them."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.channels.audiohook_client import STEREO_PCMU
from tests.channels.test_audiohook_reconnect import _segments, _session, _speak, serving
from tests.channels.test_media import speech_8k


def _call(base: str, session_id: str | None, conversation: str) -> str:
    """One connection at ``PT0S``: the caller speaks and the session ends; its session id."""
    speech = speech_8k("Angry")
    connection, hook = _session(base, session_id)
    with connection:
        hook.open(conversation, [STEREO_PCMU])
        _speak(hook, speech)
        _speak(hook, speech)
        hook.send("close", {"reason": "end"})
        hook.expect("closed")
    return hook.id


def test_the_same_audio_again_on_another_process_is_not_counted_twice(
    migrated_url: str, tmp_path: Path
) -> None:
    conversation = str(uuid.uuid4())
    iid = f"genesys:{conversation}"
    with (
        serving(migrated_url, tmp_path / "one.log", timeout_s=120) as one,
        serving(migrated_url, tmp_path / "two.log", timeout_s=120) as two,
    ):
        session_id = _call(one, None, conversation)
        first = _segments(one, iid)
        assert len(first) >= 2
        _call(two, session_id, conversation)  # the client connects again, to the other process
        again = _segments(two, iid)
    assert [s["event_id"] for s in again] == [s["event_id"] for s in first]
    assert [s["body"]["stress"] for s in again] == [s["body"]["stress"] for s in first]
