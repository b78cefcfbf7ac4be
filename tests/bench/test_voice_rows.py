"""``benchmarks/voice.py``'s two ways of handing a busy window's streams their samples judge the
same calls: twenty 20 ms arrays a block, or one array a block as a Twilio leg hands it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from tests.detection.voice_support import _calls, _key

from kairos.detection.voice import batch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import voice  # noqa: E402


def _judged(monkeypatch: pytest.MonkeyPatch, run: Callable[[], object]) -> list[tuple[object, ...]]:
    """Every result the live analysis gave during ``run``, in a stable order."""
    seen: list[tuple[object, ...]] = []

    def recording(items: list[tuple[object, np.ndarray]]) -> list[list[object]]:
        out = batch.feed_together(items)  # type: ignore[arg-type]
        seen.extend(_key(r) for results in out for r in results)  # type: ignore[arg-type]
        return out  # type: ignore[return-value]

    monkeypatch.setattr(voice, "feed_together", recording)
    run()
    return sorted(seen, key=repr)


def test_one_array_a_block_judges_what_twenty_arrays_do(monkeypatch: pytest.MonkeyPatch) -> None:
    audio = np.concatenate(_calls(2, 30.0))
    twenty = _judged(
        monkeypatch,
        lambda: voice.kairos_rtf_together(audio, 12, 4.0, batched=True, window=3),
    )
    one = _judged(monkeypatch, lambda: voice.kairos_rtf_blocks(audio, 12, 4.0, 3))
    assert len(twenty) > 12
    assert one == twenty
