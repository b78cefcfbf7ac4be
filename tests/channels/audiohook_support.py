"""What the AudioHook tests share: the endpoint, its credentials, a served Kairos and a client
session on it."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from tests import servers
from tests.channels.audiohook_client import AudioHookClient, signed_headers
from tests.channels.media_support import speech_8k
from websockets.sync.client import ClientConnection, connect

API_KEY = "SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh"

SECRET = "TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU="

PATH = "/v1/media/audiohook"

FRAME = 160  # 20 ms at 8 kHz


class _Socket:
    """A ``websockets`` connection with the calls ``AudioHookClient`` makes."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    def send_text(self, text: str) -> None:
        self.connection.send(text)

    def send_bytes(self, data: bytes) -> None:
        self.connection.send(data)

    def receive_text(self) -> str:
        message = self.connection.recv(timeout=60)
        assert isinstance(message, str)
        return message


@contextmanager
def serving(url: str, log_path: Path, *, timeout_s: float) -> Iterator[str]:
    """``kairos serve`` on ``url`` as an operator runs it, with this integration's key and
    secret, its output in ``log_path``: its address."""
    env = {
        **os.environ,
        "KAIROS_DATABASE_URL": url,
        "KAIROS_AUDIOHOOK_API_KEY": API_KEY,
        "KAIROS_AUDIOHOOK_CLIENT_SECRET": SECRET,
    }
    with servers.serving(env=env, log=log_path, timeout_s=timeout_s) as base:
        yield base


def _session(base: str, session_id: str | None = None) -> tuple[ClientConnection, AudioHookClient]:
    session_id = session_id or str(uuid.uuid4())
    host = base.removeprefix("http://")
    headers = signed_headers(
        target=PATH, host=host, api_key=API_KEY, secret_b64=SECRET, session_id=session_id
    )
    connection = connect(f"ws://{host}{PATH}", additional_headers=headers, open_timeout=30)
    return connection, AudioHookClient(_Socket(connection), session_id)


def _speak(hook: AudioHookClient, customer: np.ndarray) -> None:
    """The customer on the left; the agent shouting on the right (never analysed)."""
    agent = np.clip(speech_8k("Angry") * 3, -1, 1)
    for i in range(len(customer) // FRAME):
        at = slice(i * FRAME, (i + 1) * FRAME)
        hook.audio(customer[at], agent[at] if at.stop <= len(agent) else np.zeros(FRAME))


def _segments(base: str, interaction_id: str) -> list[dict[str, Any]]:
    detail = httpx.get(f"{base}/v1/interactions/{interaction_id}", timeout=30)
    assert detail.status_code == 200, detail.text
    timeline = detail.json()["timeline"]
    assert [e["type"] for e in timeline].count("interaction.started") == 1
    return [e for e in timeline if e["type"] == "audio.segment"]


def _settled(base: str, interaction_id: str) -> list[dict[str, Any]]:
    """The segments once the server has stored a dropped connection's last ones."""
    deadline = time.monotonic() + 60
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        now = _segments(base, interaction_id)
        if now and len(now) == len(seen):
            return now
        seen = now
        time.sleep(1.0)
    raise AssertionError(f"segments still coming after 60 s: {len(seen)}")
