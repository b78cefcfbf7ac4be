"""AudioHook connections again under one session id that reach another server process (another
``--workers`` worker, or the server after a restart).

The same audio sent again from ``PT0S`` is not counted twice, because its segments' ids are made
from the session id and the audio's position, and the stored events dedupe by id in the
database, whichever process stores them. A client that restarts its audio clock (``PT0S`` again
with other audio) is told apart from that resend in every process: how the first ``PT0S``
connection under the id began is stored in the database, so its segments are a stream of their
own, all kept, wherever and whenever it connects."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
from tests.channels.audiohook_client import STEREO_PCMU
from tests.channels.audiohook_support import _segments, _session, _speak, serving
from tests.channels.media_support import speech_8k


def _call(base: str, session_id: str | None, conversation: str, speech: np.ndarray) -> str:
    """One connection at ``PT0S``: the caller says ``speech`` twice and the session ends; its
    session id."""
    connection, hook = _session(base, session_id)
    with connection:
        hook.open(conversation, [STEREO_PCMU])
        _speak(hook, speech)
        _speak(hook, speech)
        hook.send("close", {"reason": "end"})
        hook.expect("closed")
    return hook.id


def _ids(base: str, interaction_id: str) -> list[str]:
    return sorted(s["event_id"] for s in _segments(base, interaction_id))


def test_the_same_audio_again_on_another_process_is_not_counted_twice(
    migrated_url: str, tmp_path: Path
) -> None:
    conversation = str(uuid.uuid4())
    iid = f"genesys:{conversation}"
    speech = speech_8k("Angry")
    with (
        serving(migrated_url, tmp_path / "one.log", timeout_s=120) as one,
        serving(migrated_url, tmp_path / "two.log", timeout_s=120) as two,
    ):
        session_id = _call(one, None, conversation, speech)
        first = _segments(one, iid)
        assert len(first) >= 2
        _call(two, session_id, conversation, speech)  # connects again, to the other process
        again = _segments(two, iid)
    assert [s["event_id"] for s in again] == [s["event_id"] for s in first]
    assert [s["body"]["stress"] for s in again] == [s["body"]["stress"] for s in first]


def test_a_restarted_audio_clock_on_another_process_or_after_a_restart_keeps_its_audio(
    migrated_url: str, tmp_path: Path
) -> None:
    conversation = str(uuid.uuid4())
    iid = f"genesys:{conversation}"
    angry, neutral = speech_8k("Angry"), speech_8k("Neutral")
    with (
        serving(migrated_url, tmp_path / "one.log", timeout_s=120) as one,
        serving(migrated_url, tmp_path / "two.log", timeout_s=120) as two,
    ):
        session_id = _call(one, None, conversation, angry)
        first = _ids(one, iid)
        assert first
        # The client restarts its audio clock under the same id, and reaches the other process.
        _call(two, session_id, conversation, neutral)
        after = _segments(two, iid)
    new = [s for s in after if s["event_id"] not in first]
    assert new, "the second connection's audio was dropped as repeats of the first's"
    assert {s["body"]["stream_id"] for s in new} == {new[0]["body"]["stream_id"]}
    assert new[0]["body"]["stream_id"].startswith(f"audiohook-{session_id}~")
    both = sorted(s["event_id"] for s in after)
    # After a restart (a process that has seen neither connection), either audio sent again
    # from PT0S is a resend, not applied twice; a third audio is a stream of its own again.
    with serving(migrated_url, tmp_path / "three.log", timeout_s=120) as three:
        _call(three, session_id, conversation, neutral)
        _call(three, session_id, conversation, angry)
        assert _ids(three, iid) == both
        _call(three, session_id, conversation, speech_8k("Happy"))
        third = [s for s in _segments(three, iid) if s["event_id"] not in both]
    assert third and {s["body"]["stream_id"] for s in third}.isdisjoint(
        {s["body"]["stream_id"] for s in after}
    )


def test_two_first_connections_at_once_in_two_processes_keep_both_audios(
    migrated_url: str, tmp_path: Path
) -> None:
    conversation = str(uuid.uuid4())
    iid = f"genesys:{conversation}"
    session_id = str(uuid.uuid4())
    angry, neutral = speech_8k("Angry"), speech_8k("Neutral")
    with (
        serving(migrated_url, tmp_path / "one.log", timeout_s=120) as one,
        serving(migrated_url, tmp_path / "two.log", timeout_s=120) as two,
    ):
        # The second process opens first, when no connection under the id has begun yet...
        connection, late = _session(two, session_id)
        with connection:
            late.open(conversation, [STEREO_PCMU])
            # ...and the first process's connection begins the id meanwhile, with other audio.
            _call(one, session_id, conversation, angry)
            first = _ids(one, iid)
            _speak(late, neutral)
            late.send("close", {"reason": "end"})
            late.expect("closed")
        after = _segments(two, iid)
    assert first and set(first) <= {s["event_id"] for s in after}
    new = [s for s in after if s["event_id"] not in first]
    assert new, "the later connection's audio was dropped as repeats of the first's"
    assert {s["body"]["stream_id"] for s in new} == {new[0]["body"]["stream_id"]}
    assert new[0]["body"]["stream_id"].startswith(f"audiohook-{session_id}~")
