"""Many call legs analysed together: one set of NumPy calls for every block that is ready.

A server holds hundreds of calls, and each one's VAD judges 400 ms at a time. Judged one stream
at a time, a block costs some forty NumPy calls on arrays of twenty rows, and their fixed cost
per call is most of the work. ``feed_together`` takes the samples that arrived for many streams
(a media server's messages of one event-loop tick) and judges all the blocks that are whole in
one pass: the decimation with each frame's energy added as it goes, the noise floors and
decisions in one compiled loop, one forward FFT and one cosine sum over every loud window of
every stream, the voicing test, and the windows that closed segments still need
(``frames.Plan.fill``). Then every stream's segment state runs over its decisions in one
compiled loop (``compiled_segments``) and each stream cuts the segments it closed; the pitch of
every closed segment's windows is picked in one pass (``features.features_of_parts``, reading
each segment's blocks as they lie), the rest of their features in one more, and each stream
scores its segments against its own caller's baseline, in order.

Nothing crosses between streams but the arrays: each stream's floor, previous frame, open
segment and baseline are its own, and the results are those of feeding each stream alone
(``VoiceStream.feed``), to the bit (the tests check it). A stream alone is a batch of one.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from kairos.detection.voice import compiled, compiled_gate, compiled_segments, compiled_spectra
from kairos.detection.voice.codecs import FloatArray
from kairos.detection.voice.frames import BANDS, Plan, Windows
from kairos.detection.voice.segment import Segment
from kairos.detection.voice.stress import SegmentResult, VoiceStream, measure
from kairos.detection.voice.tracker import StressTracker, score_together
from kairos.detection.voice.vad import BoolArray, Closed, Segmenter, VoicedGate

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]

#: Streams judged in one pass at most: past a few dozen the arrays outgrow the CPU's caches and a
#: stream costs more, not less (200 in one pass ran 1.13x faster than one by one, 50 1.39x).
BATCH_STREAMS = 32


def feed_together(items: Sequence[tuple[VoiceStream, FloatArray]]) -> list[list[SegmentResult]]:
    """Feed each stream its samples, judging every whole block in one pass; each stream's
    results, in the order given (a stream may appear once)."""
    ready: list[int] = []
    for i, (stream, samples) in enumerate(items):
        if stream.segmenter.add(samples):
            ready.append(i)
    segments = judge_together([items[i][0].segmenter for i in ready])
    features = measure([seg for closed in segments for seg in closed])
    out: list[list[SegmentResult]] = [[] for _ in items]
    owners: list[int] = []
    trackers: list[StressTracker] = []
    xs: list[FloatArray] = []
    times: list[tuple[float, float, float]] = []
    at = 0
    for i, closed in zip(ready, segments, strict=True):
        if closed:
            end = at + len(closed)
            mine, x, when = items[i][0].scorable(closed, features[at:end])
            owners += [i] * len(mine)
            trackers += mine
            xs += x
            times += when
            at = end
    # Every stream's segments scored in one call (each against its own caller's baseline).
    for i, result in zip(owners, score_together(trackers, xs, times), strict=True):
        out[i].append(result)
    return out


def judge_together(segmenters: Sequence[Segmenter]) -> list[list[Segment]]:
    """Judge the whole frames waiting in each segmenter (as ``Segmenter._judge``), together
    where they share a sample rate and a ``VoicedGate``; the segments each closed."""
    out: list[list[Segment]] = [[] for _ in segmenters]
    groups: dict[tuple[int, float], list[int]] = {}
    for i, seg in enumerate(segmenters):
        gate = seg.gate
        if isinstance(gate, VoicedGate) and gate._plan.factor == 2:
            groups.setdefault((seg.sample_rate, gate.threshold), []).append(i)
        else:
            out[i] = seg._judge()
    chunks = []
    for members in groups.values():
        # Passes of even size: 45 streams as 23 and 22, not 32 and 13.
        passes = math.ceil(len(members) / BATCH_STREAMS)
        size = math.ceil(len(members) / passes)
        chunks += [members[at : at + size] for at in range(0, len(members), size)]
    for members in chunks:
        segs = [segmenters[i] for i in members]
        taken = [seg._take() for seg in segs]
        loud, counts, windows = _decide(
            [seg.gate for seg in segs],  # type: ignore[misc]
            [f for _, f in taken],
        )
        closed = _steps(segs, loud, counts)
        unfilled: list[tuple[Windows, FloatArray]] = []
        for i, seg, (block, _), w, cut in zip(members, segs, taken, windows, closed, strict=True):
            seg._unfilled = unfilled
            try:
                out[i] = seg._settle(block, cut, w if seg.sample_rate == 8000 else None)
            finally:
                seg._unfilled = None
        if unfilled:
            fill_together(segs[0].gate._plan, unfilled)  # type: ignore[attr-defined]
    return out


def _steps(segs: Sequence[Segmenter], speech: BoolArray, counts: Ints) -> list[list[Closed]]:
    """``Segmenter._step`` of each segmenter over its row of the pass's decisions (its first
    ``counts`` frames), in one compiled loop (``compiled_segments``); the segments each closed.
    Each segmenter's state is read from it and left in it as ``_step`` leaves it."""
    state = np.array([(s._frames, s._open, s._speech, s._gap) for s in segs], dtype=np.intp)
    closed = np.empty((len(segs), speech.shape[1], 3), dtype=np.intp)
    n_closed = np.empty(len(segs), dtype=np.intp)
    first = segs[0]
    compiled_segments.steps_into(
        speech, counts, state, first.pause_frames, first._max_frames, closed, n_closed
    )
    out: list[list[Closed]] = []
    for s, (f, seg, n_speech, gap), k, rows in zip(
        segs, state.tolist(), n_closed.tolist(), closed, strict=True
    ):
        s._frames, s._open, s._speech, s._gap = f, seg, n_speech, gap
        out.append(rows[:k].tolist() if k else [])
    return out


def decide_together(
    gates: Sequence[VoicedGate], frames: Sequence[FloatArray]
) -> list[tuple[BoolArray, Windows]]:
    """``VoicedGate.decide`` for each gate's frames (one rate and threshold), in one pass: its
    speech decisions and its windows."""
    loud, counts, windows = _decide(gates, frames)
    return [(loud[r, :c], w) for r, (c, w) in enumerate(zip(counts.tolist(), windows, strict=True))]


def _decide(
    gates: Sequence[VoicedGate], frames: Sequence[FloatArray]
) -> tuple[BoolArray, Ints, list[Windows]]:
    """``decide_together``'s pass: the speech decisions, a row per gate (False past its
    frames), each gate's frame count and its windows."""
    plan: Plan = gates[0]._plan
    counts = [len(f) for f in frames]
    n = max(counts)
    rows = len(gates)
    sizes = np.array(counts, dtype=np.intp)
    # Decimated, and each frame's sum of squares added in the same loop; then
    # ``vad.frame_energy`` and ``VoicedGate.decide``'s floors and decisions of each block in one
    # more (``compiled_gate``).
    low, detail, sums = _decimated(plan, gates, frames, sizes, n)
    gate = gates[0]
    floors = np.array([g._floor for g in gates])
    db = np.empty((rows, n))
    loud = np.empty((rows, n), dtype=bool)
    compiled_gate.gate_into(sums[:, 1:], plan.frame, sizes, floors, gate._rise, db, loud)
    # The loud windows, by their row in the pass read flat (row r * n + j: one index, not two).
    picked = loud.reshape(-1).nonzero()[0]
    r_all = np.zeros((rows, n, plan.lags))
    amplitude = np.full((rows, n), -1.0)
    bands = np.zeros((rows, n, len(BANDS) + 1))
    if len(picked):
        # Window j of row r starts at sample (r * (n + 1) + j) * step of ``low`` and ``detail``.
        starts = (picked + picked // n) * plan.step
        full, part_bands = plan.spectra(low, starts, detail, starts, reuse=True)
        bands.reshape(-1, len(BANDS) + 1)[picked] = part_bands
        # ``Plan.analyse``'s normalising and ``Plan.voiced``, written straight into the rows.
        lo, hi = plan.voiced_lags()
        compiled.normalise_into(
            full,
            plan.inverse_win_ac,
            plan.energy_scale,
            picked,
            r_all.reshape(-1, plan.lags),
            amplitude.reshape(-1),
            loud.reshape(-1),
            lo,
            hi,
            gate.threshold,
        )
    out = []
    last = floors.tolist()
    for r, (g, f, c) in enumerate(zip(gates, frames, counts, strict=True)):
        g._floor = last[r]
        g._prev = f[-1]
        g.windows = None
        out.append(Windows(r_all[r, :c], amplitude[r, :c], bands[r, :c]))
    return loud, sizes, out


#: Samples a thread's pass buffers hold at most (8 MB); a larger pass allocates its own.
PASS_SAMPLES = 1 << 20
_LOCAL = threading.local()


def _scratch(size: int, name: str = "scratch", dtype: type = np.float64) -> Floats:
    """This thread's scratch buffer ``name`` of ``size`` samples at least (fresh past
    ``PASS_SAMPLES``): fresh arrays of a pass's size are fresh pages from the system each time."""
    if size > PASS_SAMPLES:
        return np.empty(size, dtype)
    buffer: Floats | None = getattr(_LOCAL, name, None)
    if buffer is None or len(buffer) < size:
        buffer = np.empty(max(size, 2 * len(buffer) if buffer is not None else 0), dtype)
        setattr(_LOCAL, name, buffer)
    return buffer


def _joined(frames: Sequence[FloatArray], frame: int) -> compiled_spectra.Samples:
    """The streams' frames one after another, ``(frames, frame)``: float32 as they arrive, in
    this thread's float32 scratch buffer (half the bytes of float64, and no conversion: the
    decimation reads them as doubles); float64 where a block is."""
    if len(frames) == 1:
        return np.ascontiguousarray(frames[0])
    total = sum(len(f) for f in frames)
    out = _scratch(total * frame, "samples", np.float32)[: total * frame].reshape(total, frame)
    try:
        return np.concatenate(frames, out=out, casting="safe")
    except TypeError:
        return np.concatenate(frames)


def _decimated(
    plan: Plan, gates: Sequence[VoicedGate], frames: Sequence[FloatArray], counts: Ints, n: int
) -> tuple[Floats, Floats, Floats]:
    """Each gate's previous frame and block (zero-padded to ``n`` frames) decimated row by row
    (``Plan.decimate``'s sums, compiled, into this thread's scratch buffer), each read flat: its
    decimated samples and detail, window j of gate r from sample ``(r * (n + 1) + j) * step``
    on; and each frame's sum of squares, ``(gates, n + 1)``."""
    rows = len(gates)
    half = (n + 1) * plan.step
    scratch = _scratch(3 * rows * half)
    runs, low, detail = (
        scratch[k * rows * half : (k + 1) * rows * half].reshape(rows, half) for k in range(3)
    )
    # Each row's last sample of ``low`` is in no window (it is left as it was).
    sums = np.empty((rows, n + 1))
    prev = np.stack([g._prev for g in gates])
    blocks = _joined(frames, plan.frame)
    compiled_spectra.decimate_into(prev, blocks, counts, runs, low, detail, sums)
    return low.reshape(-1), detail.reshape(-1), sums


def fill_together(plan: Plan, items: Sequence[tuple[Windows, FloatArray]]) -> None:
    """``Plan.fill`` for each (windows, samples) pair, with one analysis for all of them.

    Only the pending windows' own samples are decimated (window j is samples ``j * frame`` to
    ``j * frame + win``), all in one call: the same sums as decimating each segment whole and
    cutting the windows out, without the rest of its samples (most windows are done)."""
    parts, where = [], []
    for windows, x in items:
        pending = (windows.amplitude < 0.0).nonzero()[0]
        if len(pending) == 0:
            continue
        y = np.ascontiguousarray(x)
        size = y.itemsize
        over = np.ndarray((len(windows), plan.win), y.dtype, y, 0, (plan.frame * size, size))
        parts.append(over[pending])
        where.append((windows, pending))
    if not where:
        return
    low, detail = plan.decimate(np.concatenate(parts, dtype=np.float64))
    part = plan.analyse(low, detail[:, : plan.length], reuse=True)
    at = 0
    for windows, pending in where:
        end = at + len(pending)
        windows.r[pending], windows.amplitude[pending] = part.r[at:end], part.amplitude[at:end]
        windows.bands[pending] = part.bands[at:end]
        at = end
