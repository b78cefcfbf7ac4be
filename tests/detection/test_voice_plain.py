"""The scoring's plain-float arithmetic gives NumPy's numbers to the bit (it replaced NumPy calls
on ten-element vectors), undefined and degenerate values included."""

from __future__ import annotations

import numpy as np

from kairos.detection.voice import FEATURES, VoiceModel, load_default
from kairos.detection.voice.features import _LAG_HI, _LAG_LO, _median, _medians
from kairos.detection.voice.tracker import _divide, _pairwise_sum, _weighted_mean

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
    shipped = load_default()
    arrays = {name: shipped.values[name] for name in shipped.values}
    arrays["pop_scale"] = (0.0, *arrays["pop_scale"][1:])
    arrays["within_sd"] = (*arrays["within_sd"][:3], 0.0, *arrays["within_sd"][4:])
    model = VoiceModel(
        pop_intercept=shipped.pop_intercept, rel_intercept=shipped.rel_intercept, **arrays
    )
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


def test_the_typical_periods_of_many_segments_are_each_ones_median() -> None:
    rng = np.random.default_rng(10)
    for _ in range(1000):
        lengths = rng.integers(1, 45, size=int(rng.integers(1, 15)))
        best = rng.integers(0, _LAG_HI - _LAG_LO + 1, size=int(lengths.sum())).astype(np.intp)
        sure = rng.random(len(best)) < rng.random()
        starts = np.cumsum([0, *lengths[:-1]])
        each = [
            _median(best[a : a + m][sure[a : a + m]])
            for a, m in zip(starts.tolist(), lengths.tolist(), strict=True)
            if sure[a : a + m].any()
        ]
        assert _medians(best, sure, starts) == each
