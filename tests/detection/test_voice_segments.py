"""A live pass's segment state in one compiled loop, and segments kept as the blocks they span."""

from __future__ import annotations

import numpy as np

from kairos.detection.voice import batch, compiled, compiled_segments
from kairos.detection.voice.features import features_of_parts, features_together
from kairos.detection.voice.frames import Windows
from kairos.detection.voice.segment import Segment
from kairos.detection.voice.vad import Segmenter


def _states(rng: np.random.Generator, rows: int) -> list[tuple[int, int, int, int]]:
    """Segment states a stream can be in: none open, or one open with some speech and pause."""
    out = []
    for _ in range(rows):
        frames = int(rng.integers(0, 500))
        if rng.random() < 0.3 or frames == 0:
            out.append((frames, -1, 0, 0))
        else:
            first = frames - int(rng.integers(1, min(frames, 39) + 1))
            gap = int(rng.integers(0, 12))
            out.append((frames, first, max(1, frames - first - gap), gap))
    return out


def test_the_compiled_state_closes_the_segments_step_closes() -> None:
    """``compiled_segments.steps_into`` over rows of decisions of different lengths, from
    different states, closes the segments ``Segmenter._step`` closes and leaves each row in
    the state it leaves, with long turns cut and pauses of every length."""
    rng = np.random.default_rng(17)
    for trial in range(40):
        rows = int(rng.integers(1, 40))
        n = int(rng.integers(1, 41))
        speech = rng.random((rows, n)) < rng.uniform(0.05, 0.95)
        counts = rng.integers(1, n + 1, size=rows).astype(np.intp)
        segs = [Segmenter(8000) for _ in range(rows)]
        twins = [Segmenter(8000) for _ in range(rows)]
        for s, t, (f, first, sp, gap) in zip(segs, twins, _states(rng, rows), strict=True):
            s._frames, s._open, s._speech, s._gap = f, first, sp, gap
            t._frames, t._open, t._speech, t._gap = f, first, sp, gap
        got = batch._steps(segs, speech, counts)
        for r, (s, t) in enumerate(zip(segs, twins, strict=True)):
            want = t._step(speech[r, : counts[r]].tolist())
            assert [tuple(c) for c in got[r]] == want, (trial, r)
            assert (s._frames, s._open, s._speech, s._gap) == (
                t._frames,
                t._open,
                t._speech,
                t._gap,
            )


def test_warm_compiles_the_segment_state_a_live_pass_calls() -> None:
    """After ``compiled.warm()``, a live pass's segment state compiles no further kernel."""
    compiled.warm()
    before = list(compiled_segments.steps_into.signatures)
    segs = [Segmenter(8000) for _ in range(3)]
    speech = np.ones((3, 20), dtype=bool)
    batch._steps(segs, speech, np.array([20, 15, 3], dtype=np.intp))
    assert list(compiled_segments.steps_into.signatures) == before


def _windows(rng: np.random.Generator, n: int) -> Windows:
    r = rng.uniform(-1.0, 1.0, (n, 56))
    r[:, 0] = 1.0
    r[:, 16] = rng.uniform(0.5, 0.99, n)  # a peak at 250 Hz
    return Windows(r, rng.uniform(0.01, 0.2, n), rng.uniform(0.0, 1.0, (n, 3)))


def test_a_segment_in_parts_measures_as_joined() -> None:
    """A segment kept as its blocks' parts joins them on demand, once, and its features read
    from the parts (several segments together) are those of its joined samples and windows."""
    rng = np.random.default_rng(3)
    segments = []
    for k in (1, 2, 3):
        ws = [_windows(rng, int(rng.integers(5, 20))) for _ in range(k)]
        xs = [(rng.standard_normal(160 * len(w)) * 0.1).astype(np.float32) for w in ws]
        segments.append(Segment.of_parts(xs, ws, 8000, 0.0, 1.0, 0.5))
    parts = [(s.window_parts, s.sample_parts) for s in segments]
    from_parts = features_of_parts(parts)  # type: ignore[arg-type]
    joined = []
    for s in segments:
        xs, ws = list(s.sample_parts), list(s.window_parts or [])
        assert np.array_equal(s.samples, np.concatenate(xs))
        windows = s.windows
        assert windows is not None and len(windows) == sum(len(w) for w in ws)
        assert s.windows is windows and len(s.window_parts or []) == 1  # joined once
        assert np.array_equal(windows.r, np.concatenate([w.r for w in ws]))
        joined.append((windows, s.samples))
    whole = features_together(joined)
    assert any(x is not None for x in whole)
    for a, b in zip(from_parts, whole, strict=True):
        assert (a is None and b is None) or (
            a is not None and b is not None and a.tobytes() == b.tobytes()
        )
