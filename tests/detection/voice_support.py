"""What the voice tests share: synthetic vowels, the emodb recordings and calls made of them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kairos.config import Settings
from kairos.detection.voice import mulaw_decode, mulaw_encode
from kairos.detection.voice.audio_io import read_audio
from kairos.detection.voice.features import to_analysis_rate
from kairos.detection.voice.stress import SegmentResult


def emodb() -> Path:
    root = Settings().shared_data_dir()
    folder = root / "emodb_subset" if root is not None else None
    if folder is None or not folder.is_dir():
        pytest.skip("../shared/data/emodb_subset is absent: no real emotional speech to test with")
    return folder


def speech(emotion: str, index: int = 0) -> tuple[np.ndarray, int]:
    samples, rate, _ = read_audio(sorted((emodb() / emotion).glob("*.wav"))[index])
    return samples, rate


def vowel(seconds: float, f0: float = 140.0, rate: int = 8000, amp: float = 0.3) -> np.ndarray:
    """A harmonic-rich periodic sound (a crude vowel) with a little noise."""
    t = np.arange(int(seconds * rate)) / rate
    x = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 12))
    rng = np.random.default_rng(0)
    return (amp * x / 3 + 0.002 * rng.standard_normal(len(t))).astype(np.float32)


def _calls(count: int, seconds: float) -> list[np.ndarray]:
    """Different 8 kHz μ-law calls: emodb files one after another with pauses, each call
    starting at another file and another sample (so their blocks close at different frames)."""
    emodb()
    files = [speech(e, i) for e in ("Angry", "Neutral", "Happy", "Sad") for i in range(3)]
    heard = [mulaw_decode(mulaw_encode(to_analysis_rate(x, rate))) for x, rate in files]
    pause = np.zeros(3200, dtype=np.float32)
    calls = []
    for c in range(count):
        parts, n = [pause[: 37 * c % 3200]], 0
        for k in range(len(heard)):
            parts += [heard[(c + k) % len(heard)], pause]
            n += len(heard[(c + k) % len(heard)]) + len(pause)
            if n >= seconds * 8000:
                break
        calls.append(np.concatenate(parts)[: int(seconds * 8000)])
    return calls


def _key(r: SegmentResult) -> tuple[object, ...]:
    return (r.start_s, r.end_s, r.voiced_s, r.features, r.segment_stress, r.stress,
            r.baseline_weight, r.cues)  # fmt: skip
