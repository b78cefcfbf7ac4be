"""``benchmarks/voice_models.py``: its shipped variant trains the population head as
``kairos train-voice`` does, to the bit, and its candidates train what they say."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from kairos.detection.voice import training
from kairos.detection.voice.features import FEATURES

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import voice_models  # noqa: E402

_SHIFT = {"neutral": 0.0, "angry": 1.5, "happy": 1.0, "sad": -0.5}


def _data(seed: int = 7) -> list[training.Analysed]:
    """Four speakers, each with files of every emotion, the emotion shifting the features."""
    rng = np.random.default_rng(seed)
    out = []
    for speaker in ("03", "08", "11", "16"):
        offset = rng.normal(0, 1, len(FEATURES))
        for emotion, shift in _SHIFT.items():
            for k in range(3):
                rec = training.Recording(Path(f"{speaker}{emotion}{k}.wav"), speaker, emotion)
                n = 2 + k
                rows = [offset + shift + rng.normal(0, 1, len(FEATURES)) for _ in range(n)]
                rows[0][2] = np.nan  # an undefined feature, as a short segment gives
                spans = [(i * 1.0, i * 1.0 + 0.8, 0.6) for i in range(n)]
                out.append(training.Analysed(rec, rows, spans))
    return out


def test_the_shipped_variant_is_train_voice_to_the_bit() -> None:
    data = _data()
    shipped = training.fit(data)
    mine = voice_models.fit(data, voice_models.Variant())
    for name in ("pop_mean", "pop_scale", "pop_coef", "rel_coef", "within_sd"):
        assert np.array_equal(getattr(mine, name), getattr(shipped, name)), name
    assert mine.pop_intercept == shipped.pop_intercept
    assert mine.version == shipped.version


def test_each_candidate_changes_only_the_population_head() -> None:
    data = _data()
    shipped = training.fit(data)
    for variant in voice_models.CANDIDATES:
        mine = voice_models.fit(data, variant)
        assert np.array_equal(mine.rel_coef, shipped.rel_coef)
        assert not np.array_equal(mine.pop_coef, shipped.pop_coef), variant.name()


def test_nested_c_chooses_on_the_training_speakers_only() -> None:
    data = _data()
    chosen = voice_models.choose_c(data, voice_models.Variant(nested_c=True))
    assert chosen in voice_models.GRID
    # the inner folds leave each training speaker out in turn: the C found on three speakers
    # is what the outer fold holding out the fourth uses
    three = [a for a in data if a.recording.speaker != "16"]
    inner = voice_models.choose_c(three, voice_models.Variant(nested_c=True))
    model = voice_models.fit(three, voice_models.Variant(nested_c=True))
    head = voice_models.population_head(three, voice_models.Variant(), inner, model.pop_mask)
    assert np.array_equal(model.pop_coef, head[2])
