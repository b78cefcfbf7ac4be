"""AudioHook connections again under one session id that reach another server process (another
``--workers`` worker, or the server after a restart): the same audio sent again from ``PT0S`` is
not counted twice, because its segments' ids are made from the session id and the audio's
position, and the stored events dedupe by id in the database, whichever process stores them."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.channels.audiohook_client import STEREO_PCMU
from tests.channels.test_audiohook import API_KEY, SECRET
from tests.channels.test_audiohook_reconnect import _segments, _session, _speak
from tests.channels.test_media import speech_8k
from tests.servers import free_port, wait_until_serving


@contextmanager
def _serving(url: str, log_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "KAIROS_DATABASE_URL": url,
        "KAIROS_PORT": str(port),
        "KAIROS_AUDIOHOOK_API_KEY": API_KEY,
        "KAIROS_AUDIOHOOK_CLIENT_SECRET": SECRET,
    }
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "kairos.cli", "serve"], env=env, stdout=log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(base, process, log_path, timeout_s=120)
            yield base
        finally:
            process.terminate()
            process.wait(30)


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
        _serving(migrated_url, tmp_path / "one.log") as one,
        _serving(migrated_url, tmp_path / "two.log") as two,
    ):
        session_id = _call(one, None, conversation)
        first = _segments(one, iid)
        assert len(first) >= 2
        _call(two, session_id, conversation)  # the client connects again, to the other process
        again = _segments(two, iid)
    assert [s["event_id"] for s in again] == [s["event_id"] for s in first]
    assert [s["body"]["stress"] for s in again] == [s["body"]["stress"] for s in first]
