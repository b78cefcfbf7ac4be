"""``benchmarks/voice_formants.py`` reads the formants it says it reads, and
``voice_register.features_named`` trains and scores with an eleventh feature (the compiled
tracker sizes its state by the feature count), leaving the shipped names as they were."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
from scipy.linalg import solve_toeplitz
from scipy.signal import lfilter

from kairos.detection.voice import features, reasons, tracker, training
from kairos.detection.voice.codecs import mulaw_decode, mulaw_encode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import voice_formants  # noqa: E402
import voice_register  # noqa: E402

_RESONANCES = ((500.0, 80.0), (1500.0, 100.0), (2500.0, 120.0), (3500.0, 150.0))


def _vowel(pitch: float = 125.0, seconds: float = 1.0) -> np.ndarray:
    """A pulse train at ``pitch`` through four resonators, 8 kHz through μ-law."""
    rate = voice_formants.RATE
    y = np.zeros(int(rate * seconds))
    y[:: int(rate / pitch)] = 1.0
    for f, bandwidth in _RESONANCES:
        r = math.exp(-math.pi * bandwidth / rate)
        y = lfilter([1.0], [1.0, -2.0 * r * math.cos(2 * math.pi * f / rate), r * r], y)
    y *= 0.5 / np.abs(y).max()
    return np.asarray(mulaw_decode(mulaw_encode(y.astype(np.float32))), dtype=np.float64)


def test_levinson_solves_the_normal_equations() -> None:
    rng = np.random.default_rng(3)
    x = lfilter([1.0], [1.0, -0.9, 0.4], rng.normal(size=4000))
    r = np.array([x[: len(x) - k] @ x[k:] for k in range(11)])
    a = voice_formants.levinson(r, 10)
    assert a is not None and a[0] == 1.0
    np.testing.assert_allclose(a[1:], solve_toeplitz(r[:10], -r[1:]), atol=1e-9)
    assert voice_formants.levinson(np.zeros(11), 10) is None


def test_a_vowels_formants_and_the_candidates() -> None:
    x = _vowel()
    found = voice_formants.formants(x, np.arange(5, 40))
    assert len(found) == 4
    for got, (want, _) in zip(found, _RESONANCES, strict=True):
        assert abs(got - want) < 80.0
    f1, dispersion, relative = voice_formants.formant_candidates(x)
    assert abs(f1 - found[0]) < 5.0  # every voiced window, not only these
    assert abs(dispersion - 1000.0) < 40.0
    assert abs(relative - 12.0 * math.log2(125.0 / dispersion)) < 0.2


def test_too_little_voicing_is_undefined() -> None:
    noise = np.random.default_rng(5).normal(0.0, 0.1, 8000)
    assert np.isnan(voice_formants.formant_candidates(noise)).all()
    assert np.isnan(voice_formants.formant_candidates(np.zeros(100))).all()


def test_an_eleventh_feature_trains_and_scores_then_the_names_come_back() -> None:
    rng = np.random.default_rng(11)
    data = []
    for speaker in ("03", "08", "11"):
        for emotion, shift in (("neutral", 0.0), ("angry", 1.5)):
            for k in range(3):
                rec = training.Recording(Path(f"{speaker}{emotion}{k}.wav"), speaker, emotion)
                rows = [shift + rng.normal(0, 1, 11) for _ in range(3)]
                rows[0][10] = np.nan
                spans = [(i * 1.0, i * 1.0 + 0.8, 0.6) for i in range(3)]
                data.append(training.Analysed(rec, rows, spans))
    names = (*features.FEATURES, "extra")
    with voice_register.features_named(names):
        fitted = training.fit(data)
        assert len(fitted.pop_coef) == 11 and fitted.pop_coef[10] != 0.0
        t = tracker.StressTracker(fitted)
        scores = [training.score_file(fitted, a, t) for a in data]
        result = t.update(data[1].features[1], start_s=0.0, end_s=0.8, voiced_s=0.6)
    assert all(s is not None and 0.0 <= s <= 1.0 for s in scores)
    assert "extra" in result.features
    assert training.FEATURES == tracker.FEATURES == reasons.FEATURES == features.FEATURES
    assert tracker._N == 10 and "extra" not in reasons.LABELS
