"""Real speech for the media tests: espeak-ng synthesis and the emodb files from ../shared."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kairos.bus import EventBus
from kairos.config import Settings
from kairos.detection.voice.audio_io import read_audio
from kairos.detection.voice.codecs import FloatArray
from kairos.detection.voice.features import to_analysis_rate

CALM_TEXT = (
    "Hello, I am calling about my account. I would like to check the balance, please. "
    "I moved house last month and I want to make sure the address is right. "
    "Thank you very much for your help."
)
AGITATED_TEXT = (
    "This is ridiculous! I have called three times already and nobody fixes anything! "
    "I want this sorted out right now!"
)


def espeak(text: str, path: Path, *, pitch: int, rate: int) -> tuple[FloatArray, int]:
    """Speech synthesised by espeak-ng at a pitch (0-99) and rate (words a minute)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    subprocess.run(
        [exe, "-v", "en-us", "-p", str(pitch), "-s", str(rate), "-w", str(path), text],
        check=True,
        capture_output=True,
        timeout=60,
    )
    samples, sample_rate, _ = read_audio(path)
    return samples, sample_rate


def calm_then_agitated(tmp: Path) -> tuple[FloatArray, float]:
    """An 8 kHz call: calm speech, a short pause, then raised pitch and rate; and the change (s)."""
    calm, rate = espeak(CALM_TEXT, tmp / "calm.wav", pitch=30, rate=140)
    agitated, rate2 = espeak(AGITATED_TEXT, tmp / "agitated.wav", pitch=99, rate=250)
    calm8 = to_analysis_rate(calm, rate)
    agitated8 = to_analysis_rate(agitated, rate2)
    pause = np.zeros(int(0.3 * 8000), dtype=np.float32)
    onset = int(np.flatnonzero(np.abs(agitated8) > 0.01)[0])
    change = (len(calm8) + len(pause) + onset) / 8000
    return np.concatenate([calm8, pause, agitated8]).astype(np.float32), change


def emodb_file(emotion: str, index: int = 0) -> Path:
    """One emodb file of an emotion folder (Angry, Neutral, ...); skips without ../shared."""
    root = Settings().shared_data_dir()
    folder = root / "emodb_subset" / emotion if root is not None else None
    if folder is None or not folder.is_dir():
        pytest.skip("../shared/data/emodb_subset is absent: no real emotional speech to test with")
    return sorted(folder.glob("*.wav"))[index]


class HeardStress:
    """The audio segments and their stress assessments a bus carries, each assessment with the
    moment (``time.monotonic()``) it arrived."""

    def __init__(self, bus: EventBus) -> None:
        self._lock = threading.Lock()
        self._segments: dict[str, dict[str, Any]] = {}
        self._updates: list[tuple[float, dict[str, Any]]] = []
        bus.listen(self._seen, "events", "assessments")

    def _seen(self, topic: str, message: dict[str, Any]) -> None:
        with self._lock:
            if topic == "events" and message["event"]["type"] == "audio.segment":
                self._segments[message["event"]["event_id"]] = message["event"]
            elif topic == "assessments" and message["event_id"].startswith("audio:"):
                self._updates.append((time.monotonic(), message))

    def timeline(self) -> list[tuple[float, dict[str, Any], float]]:
        """(arrived, segment, stress) for each assessment so far, in the order they came."""
        with self._lock:
            return [
                (arrived, self._segments[m["event_id"]], m["assessment"]["stress"])
                for arrived, m in self._updates
            ]
