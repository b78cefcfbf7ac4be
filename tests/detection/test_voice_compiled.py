"""The compiled voice kernels give the NumPy code's numbers to the bit, and load from the cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from tests.detection import voice_reference as reference
from tests.detection.voice_support import _calls

from kairos.detection.voice import batch, compiled, compiled_spectra, frames
from kairos.detection.voice.features import _pitch, features_together
from kairos.detection.voice.frames import Windows, plan
from kairos.detection.voice.vad import Segmenter, VoicedGate


def _segments(count: int = 4, seconds: float = 12.0) -> list[tuple[Windows, np.ndarray]]:
    """The (windows, samples) of every segment the live VAD cuts from emodb calls, plus a
    hiss with no voicing and a segment too short to measure."""
    pairs: list[tuple[Windows, np.ndarray]] = []
    for call in _calls(count, seconds):
        segmenter = Segmenter(8000, coded=True)
        for segment in segmenter.feed(call) + segmenter.flush():
            assert segment.windows is not None
            pairs.append((segment.windows, segment.samples))
    hiss = (np.random.default_rng(7).standard_normal(4000) * 0.01).astype(np.float32)
    pairs.insert(3, (plan(8000).of_samples(hiss), hiss))
    short = pairs[0][1][:600]
    pairs.insert(5, (plan(8000).of_samples(short), short))
    return pairs


def test_the_pairwise_sum_is_numpys() -> None:
    rng = np.random.default_rng(1)
    for n in [*range(300), 511, 512, 513, 1000, 4097, 6400, 10_007]:
        a = rng.standard_normal(n + 5) * 10.0 ** rng.integers(-8, 9, n + 5)
        for lo in (0, 5):
            assert compiled.pairwise_sum(a, lo, lo + n) == a[lo : lo + n].sum()


def test_the_compiled_pitch_pick_is_the_numpy_one() -> None:
    pairs = _segments()
    rng = np.random.default_rng(2)
    for _ in range(40):
        # Groups of one segment (the second pass's single path) to many, in a random order.
        group = [pairs[i] for i in rng.permutation(len(pairs))[: int(rng.integers(1, 12))]]
        group = [p for p in group if len(p[0])]
        r = np.concatenate([w.r for w, _ in group])
        amplitude = np.concatenate([w.amplitude for w, _ in group])
        lengths = [len(w) for w, _ in group]
        got, want = _pitch(r, amplitude, lengths), reference.pitch(r, amplitude, lengths)
        assert got[0].tobytes() == want[0].tobytes()
        assert got[1].tobytes() == want[1].tobytes()
    # Rows of noise: peaks anywhere, ties, segments with no sure window.
    for _ in range(200):
        lengths = rng.integers(1, 30, size=int(rng.integers(1, 8))).tolist()
        r = rng.random((sum(lengths), plan(8000).lags)) * rng.choice([0.7, 1.0, 1.4])
        r[rng.random(r.shape) < 0.2] = 0.5
        amplitude = rng.random(len(r))
        got, want = _pitch(r, amplitude, lengths), reference.pitch(r, amplitude, lengths)
        assert got[0].tobytes() == want[0].tobytes()
        assert got[1].tobytes() == want[1].tobytes()


def test_the_compiled_features_are_the_numpy_ones() -> None:
    pairs = _segments()
    rng = np.random.default_rng(3)
    groups = [pairs, pairs[:1], pairs[:2], pairs[2:5], pairs[3:4], pairs[4:6]]
    groups += [[pairs[i] for i in rng.permutation(len(pairs))[:k]] for k in range(1, 20)]
    # Samples as float64 too (``segment_features`` of a recording passes doubles).
    groups.append([(w, x.astype(np.float64)) for w, x in pairs[:7]])
    for group in groups:
        got, want = features_together(group), reference.features_together(group)
        assert [x is None for x in got] == [x is None for x in want]
        for x, y in zip(got, want, strict=True):
            assert x is None or y is None or x.tobytes() == y.tobytes()
    measured = features_together(pairs)
    assert measured[3] is None and measured[5] is None
    assert sum(x is not None for x in measured) >= 10


def test_a_fresh_process_loads_the_kernels_from_the_cache(tmp_path: Path) -> None:
    """The first process compiles into the cache, the next loads from it and gets the same
    features (a recursive kernel once crashed when loaded from the cache)."""
    script = (
        "from kairos.detection.voice import compiled, segment_features\n"
        "from tests.detection.voice_support import vowel\n"
        "compiled.warm()\n"
        "print(segment_features(vowel(1.0)).tobytes().hex())\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
        )
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert runs[0].stdout == runs[1].stdout and len(runs[0].stdout) > 10
    assert list(tmp_path.rglob("*.nbi"))


def test_a_live_pass_normalises_as_the_numpy_analysis() -> None:
    """``compiled.normalise_into`` (a live pass's normalising, amplitude, voicing test and
    scatter) writes, into the rows it is given, every double ``Plan.analyse`` and
    ``Plan.voiced`` compute for the same windows; the other rows are left alone."""
    p = plan(8000)
    lo, hi = p.voiced_lags()
    rng = np.random.default_rng(4)
    calls = np.concatenate(_calls(2, 6.0)).astype(np.float64)
    for size in (1, 7, 64, 300):
        starts = rng.integers(0, len(calls) - p.win, size=size)
        x = np.stack([calls[s : s + p.win] for s in starts.tolist()])
        x[: size // 5] *= 1e-9  # near silence
        x[size // 5 : size // 4] = 0.0  # silence: no autocorrelation, not NaN
        low, detail = p.decimate(x)
        low, detail = np.ascontiguousarray(low), np.ascontiguousarray(detail[:, : p.length])
        want = p.analyse(low, detail)
        voiced = p.voiced(want.r, 0.5)
        full, _ = p.spectra(*frames._rows(low), *frames._rows(detail))
        rows = np.sort(rng.choice(3 * size, size=size, replace=False))
        r = np.full((3 * size, p.lags), 7.0)
        amplitude = np.full(3 * size, 7.0)
        speech = rng.random(3 * size) < 0.7
        before = speech.copy()
        compiled.normalise_into(
            full, p.inverse_win_ac, p.energy_scale, rows, r, amplitude, speech, lo, hi, 0.5
        )
        assert r[rows].tobytes() == want.r.tobytes()
        assert amplitude[rows].tobytes() == want.amplitude.tobytes()
        assert (speech[rows] == (before[rows] & voiced)).all()
        others = np.setdiff1d(np.arange(3 * size), rows)
        assert (r[others] == 7.0).all() and (amplitude[others] == 7.0).all()
        assert (speech[others] == before[others]).all()


def test_without_a_writable_cache_the_kernels_compile_in_the_process() -> None:
    """Where Numba finds no folder to cache in (its locators all fail), the import still works
    and the features are the same."""
    script = (
        "import numba.core.caching as caching\n"
        "caching.CacheImpl._locator_classes = []\n"
        "from kairos.detection.voice import segment_features\n"
        "from tests.detection.voice_support import vowel\n"
        "print(segment_features(vowel(1.0)).tobytes().hex())\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    from tests.detection.voice_support import vowel

    from kairos.detection.voice import segment_features

    features = segment_features(vowel(1.0))
    assert features is not None
    assert run.stdout.strip() == features.tobytes().hex()


def test_warm_compiles_the_decimation_a_live_pass_calls() -> None:
    """After ``compiled.warm()``, a live pass (float32 blocks, one stream and several, of
    different lengths) compiles no further decimation kernel."""
    compiled.warm()
    before = list(compiled_spectra.decimate_into.signatures)
    rng = np.random.default_rng(8)
    gates = [VoicedGate(8000) for _ in range(3)]
    for _ in range(2):
        blocks = [
            (rng.standard_normal((20 - 5 * i, 160)) * 0.1).astype(np.float32) for i in range(3)
        ]
        batch.decide_together(gates, blocks)
        batch.decide_together(gates[:1], blocks[:1])
    assert list(compiled_spectra.decimate_into.signatures) == before
