"""The scoring's plain-float arithmetic gives NumPy's numbers to the bit (it replaced NumPy calls
on ten-element vectors), undefined and degenerate values included."""

from __future__ import annotations

import math

import numpy as np
from tests.detection.voice_reference_tracker import zero_scaled

from kairos.detection.voice import FEATURES, VoiceModel, load_default
from kairos.detection.voice.stress import measure
from kairos.detection.voice.tracker import _CALM, _divide, _pairwise_sum, _weighted_mean

N = len(FEATURES)


def _features(rng: np.random.Generator) -> np.ndarray:
    x: np.ndarray = rng.normal(0.0, 10.0, N) * rng.choice([1.0, 1e-3, 1e3], N)
    x[rng.random(N) < 0.15] = np.nan
    x[rng.random(N) < 0.03] = np.inf
    return x


def _check(model: VoiceModel, rng: np.random.Generator) -> None:
    x = _features(rng)
    scaled = model.population_scaled_values(x.tolist())
    assert scaled == model.population_scaled(x).tolist()
    assert model.scaled_values_probability(scaled) == model.scaled_probability(np.array(scaled))
    base = _features(rng)
    z = model.caller_z_values(x.tolist(), base.tolist())
    assert z == model.caller_z(x, base).tolist()
    assert model.caller_values_probability(z) == model.caller_probability(np.array(z))


def test_the_heads_over_plain_floats_give_numpys_numbers() -> None:
    rng = np.random.default_rng(7)
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, as the features can hold
        for _ in range(2000):
            _check(load_default(), rng)


def test_a_zero_scale_gives_what_numpy_gives() -> None:
    model = zero_scaled(load_default())
    rng = np.random.default_rng(8)
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(200):
            _check(model, rng)
        for a in (1.5, -2.0, 0.0, np.nan, np.inf):
            for b in (0.0, -0.0, 2.0):
                assert repr(_divide(a, b)) == repr(float(np.float64(a) / np.float64(b)))


def test_the_reasons_weighted_mean_is_numpys() -> None:
    rng = np.random.default_rng(9)
    for _ in range(3000):
        k = int(rng.integers(1, 60))
        rows = rng.normal(0.0, 3.0, (k, N))
        w = (rng.random(k) + 1e-3)[:, None]
        numpy_mean = (rows * w).sum(axis=0) / w.sum(axis=0)
        assert _weighted_mean(rows.tolist(), w[:, 0].tolist()) == numpy_mean.tolist()
    for k in (1, 7, 8, 9, 16, 17, 128, 129, 300):
        values = (rng.random(k) * 10.0 ** rng.integers(-3, 4, k)).tolist()
        assert _pairwise_sum(values) == float(np.array(values)[:, None].sum(axis=0)[0])


def _learn_item_by_item(
    sums: list[float], counts: list[float], x: list[float], w: float, keep: float | None
) -> None:
    """The caller baseline's fold, written out over the doubles NumPy lists: decay, then ten
    item updates."""
    if keep is not None:
        sums[:] = [s * keep for s in sums]
        counts[:] = [n * keep for n in counts]
    for i, v in enumerate(x):
        if math.isfinite(v):
            sums[i] += w * v
            counts[i] += w


def test_a_float32_vector_scores_as_its_float64_copy_did() -> None:
    """On emodb's segments (NaN jitter included), through the build-up and the calm-only drift:
    a float32 feature vector listed directly gives the doubles its float64 copy gave, and the
    caller baseline folds them to the bit."""
    from tests.detection.voice_support import speech

    from kairos.detection.voice import StressTracker
    from kairos.detection.voice.stress import VoiceStream

    tracker = StressTracker(load_default())
    sums, counts, voiced = [0.0] * N, [0.0] * N, 0.0
    folded = 0
    for emotion in ("Neutral", "Angry", "Neutral", "Sad"):
        for index in range(3):
            samples, rate = speech(emotion, index)
            stream = VoiceStream(rate)
            segments = stream.segmenter.feed(samples.astype(np.float32))
            segments += stream.segmenter.flush()
            for seg, x32 in zip(segments, measure(segments), strict=True):
                if x32 is None:
                    continue
                x = x32.tolist()
                assert np.array(x).tobytes() == np.asarray(x32, dtype=np.float64).tobytes()
                result = tracker.update(
                    x32, start_s=seg.start_s, end_s=seg.end_s, voiced_s=seg.voiced_s
                )
                if voiced < tracker.baseline_seconds:
                    _learn_item_by_item(sums, counts, x, seg.voiced_s, None)
                elif result.segment_stress < _CALM:
                    keep = math.exp(-seg.voiced_s / tracker.adapt_seconds)
                    _learn_item_by_item(sums, counts, x, seg.voiced_s, keep)
                else:
                    continue
                voiced += seg.voiced_s
                folded += 1
                assert tracker._state[:N].tolist() == sums
                assert tracker._state[N : 2 * N].tolist() == counts
    assert voiced > tracker.baseline_seconds and folded > 10
