"""The compiled scoring (``score_together``: every segment of a pass, of every stream, in one
call) gives what the plain-Python scoring gave segment by segment, to the bit: stress, baseline
weight, features and reasons, undefined values and zero scales included."""

from __future__ import annotations

import numpy as np
import pytest
from tests.detection.voice_reference_tracker import ReferenceTracker, zero_scaled

from kairos.detection.voice import FEATURES, StressTracker, VoiceModel, load_default
from kairos.detection.voice.compiled_scoring import _dot
from kairos.detection.voice.tracker import score_together

N = len(FEATURES)
SETTINGS = ({}, {"baseline_seconds": 3.0, "max_caller_weight": 0.6, "smoothing_seconds": 2.5},
            {"window_seconds": 4.0, "adapt_seconds": 20.0})  # fmt: skip


def _segment(model: VoiceModel, rng: np.random.Generator, loud: float) -> np.ndarray:
    """Features about the model's calm mean, pushed ``loud`` scales up, some undefined."""
    x = model.pop_mean + model.pop_scale * rng.normal(loud, 1.0, N)
    x[rng.random(N) < 0.1] = np.nan
    x[rng.random(N) < 0.02] = np.inf
    return x.astype(np.float32)


def _run(model: VoiceModel, seed: int) -> tuple[int, int]:
    """Six callers, their segments scored a pass at a time (each pass some callers' next
    segments, a caller's own in order) beside the reference one by one; (segments, reasons)."""
    rng = np.random.default_rng(seed)
    ours = [StressTracker(model, **SETTINGS[i % 3]) for i in range(6)]
    theirs = [ReferenceTracker(model, **SETTINGS[i % 3]) for i in range(6)]
    clock = [0.0] * 6
    segments = reasons = 0
    for step in range(80):
        loud = 2.5 if 30 <= step < 55 else 0.0  # calm, a stressed stretch, calm again
        batch: list[tuple[int, np.ndarray, tuple[float, float, float]]] = []
        for i in rng.permutation(6).tolist()[: int(rng.integers(1, 7))]:
            for _ in range(int(rng.integers(1, 3))):
                length = float(rng.uniform(0.3, 3.0))
                at = (clock[i], clock[i] + length, length * float(rng.uniform(0.3, 1.0)))
                clock[i] += length + float(rng.uniform(0.0, 1.0))
                batch.append((i, _segment(model, rng, loud), at))
        found = score_together([ours[i] for i, _, _ in batch], [x for _, x, _ in batch],
                               [at for _, _, at in batch])  # fmt: skip
        for (i, x, at), result in zip(batch, found, strict=True):
            expected = theirs[i].update(x, start_s=at[0], end_s=at[1], voiced_s=at[2])
            assert result == expected
            segments += 1
            reasons += bool(result.cues)
        assert [t.stress for t in ours] == [t.stress for t in theirs]
    return segments, reasons


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_pass_scored_together_gives_what_each_segment_gave_alone(seed: int) -> None:
    with np.errstate(invalid="ignore"):
        segments, reasons = _run(load_default(), seed)
    assert segments > 300 and reasons > 20


def test_zero_scales_score_as_the_plain_floats_did() -> None:
    model = zero_scaled(load_default())
    with np.errstate(invalid="ignore", divide="ignore"):
        segments, _ = _run(model, 4)
    assert segments > 300


def test_the_heads_dot_product_is_numpys() -> None:
    """The ten products added in order with fused multiply-adds: NumPy's ``@`` (BLAS) bits."""
    rng = np.random.default_rng(5)
    coef = load_default().pop_coef
    rows = rng.normal(0.0, 3.0, (20000, N)) * rng.choice([1.0, 1e-3, 1e3], (20000, N))
    for j in range(rows.shape[0]):
        assert _dot(rows, j, coef) == float(np.array(rows[j].tolist()) @ coef)
