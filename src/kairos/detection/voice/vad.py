"""Voice activity detection: cut a stream of samples into voiced segments, as it arrives.

A frame (20 ms) is speech when it is both *energetic* and *voiced* (``VoicedGate``): its energy
stands 6 dB above a noise floor that follows the quietest recent frames, and the autocorrelation
of the last 40 ms (Hann-windowed, normalised by the window's own: ``frames``) peaks above 0.5 at
a pitch period (75-400 Hz). Voicing, not
loudness, carries the decision, so quiet and calm speech (-40 dBFS, 8 kHz μ-law) is heard while
line noise and hiss at any level are not. ``EnergyGate`` is the energy-only rule used before
(kept for comparison in ``benchmarks/voice_vad.py``: it misses quiet speech and hears loud noise).

A segment ends after a 240 ms pause, or is cut at ``max_seconds`` so that a long turn still gives
an update within a second; one with under ``min_voiced`` seconds of speech is dropped (a cough, a
click). Frames are judged 400 ms at a time (``BLOCK_FRAMES``), so a segment closes up to 380 ms
after its last frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from kairos.detection.voice import compiled_gate
from kairos.detection.voice.codecs import FloatArray, mulaw_round_trip
from kairos.detection.voice.frames import FRAME_SECONDS, Windows, plan
from kairos.detection.voice.segment import Segment

BoolArray = npt.NDArray[np.bool_]
#: A segment closed by a block's decisions: its first frame, the frame after its last, and its
#: speech frames.
Closed = Sequence[int]

#: Frames the live ``Segmenter`` judges in one go: 400 ms. 40 (800 ms) halves the NumPy calls per
#: call-second, about 15% of the live path's CPU, but a segment can then wait up to 780 ms before it
#: is measured, and the stress would reach the assessment more than a second after the change.
BLOCK_FRAMES = 20


class FrameGate(Protocol):
    """Decides, frame by frame, which 20 ms frames of a stream are speech."""

    def decide(self, frames: FloatArray, energy_db: npt.NDArray[np.float64]) -> BoolArray:
        """Speech or not for each row of ``frames`` (in stream order), given their energy."""
        ...


class EnergyGate:
    """The energy-only rule: 12 dB above a floor that creeps up 1 dB a second, and over -50 dBFS."""

    __slots__ = ("_floor", "_rise")

    def __init__(self) -> None:
        # A stream may open mid-word, so the floor starts low rather than at the first frame.
        self._floor = -60.0
        self._rise = 1.0 * FRAME_SECONDS

    def decide(self, frames: FloatArray, energy_db: npt.NDArray[np.float64]) -> BoolArray:
        """Speech or not for each frame."""
        out = np.zeros(len(energy_db), dtype=bool)
        floor = self._floor
        for i, db in enumerate(energy_db.tolist()):
            # The floor falls at once to a quieter frame and creeps up otherwise.
            floor = max(db, -80.0) if db < floor else min(floor + self._rise, db)
            out[i] = db > max(floor + 12.0, -50.0)
        self._floor = floor
        return out


class VoicedGate:
    """Energetic and voiced: 6 dB over the noise floor and periodic at a pitch period.

    The floor falls at once to a quieter frame and rises 3 dB a second otherwise (line noise
    changes slowly; a speaker's pauses pull it back down). The voicing test is a local peak of
    the window-normalised autocorrelation of the last 40 ms (``frames.Plan``) above the threshold
    between lags of 2.5 and 13.3 ms. A block of frames is judged in one go: the floor in one
    compiled loop (``compiled_gate``), every window's FFT as one 2-D array. ``windows`` keeps
    the last block's analysis, which the ``Segmenter`` hands on to the features at 8 kHz.
    """

    __slots__ = ("_floor", "_plan", "_prev", "_rise", "threshold", "windows")

    def __init__(self, sample_rate: int, *, threshold: float = 0.5) -> None:
        self._plan = plan(sample_rate)
        self._prev = np.zeros(self._plan.frame, dtype=np.float32)
        self._floor = -60.0
        self._rise = 3.0 * FRAME_SECONDS
        self.threshold = threshold
        self.windows: Windows | None = None

    def decide(self, frames: FloatArray, energy_db: npt.NDArray[np.float64]) -> BoolArray:
        """Speech or not for each frame (``windows`` holds their analysis afterwards)."""
        n = len(energy_db)
        if n == 0:
            return np.zeros(0, dtype=bool)
        # The floor falls at once to a quieter frame (never under -85 dB) and rises otherwise;
        # loud is 6 dB over it and over -75 dB (``compiled_gate``, as a live pass judges it).
        loud = np.empty(n, dtype=bool)
        db = np.ascontiguousarray(energy_db, dtype=np.float64)
        self._floor = compiled_gate.floor_into(db, self._floor, self._rise, loud)
        # Only loud frames can be speech, so only their windows are transformed now; a quiet
        # one inside a segment is transformed when the segment closes (``Plan.fill``).
        self.windows = self._plan.of_frames(self._prev, frames, loud)
        self._prev = frames[-1]
        loud &= self._plan.voiced(self.windows.r, self.threshold)
        return loud


def frame_energy(frames: FloatArray) -> npt.NDArray[np.float64]:
    """Each row's energy, ``10 log10(mean square + 1e-10)`` (``compiled_gate``: the sums a live
    pass adds)."""
    out: npt.NDArray[np.float64] = compiled_gate.frame_energy(
        np.ascontiguousarray(frames, dtype=np.float64)
    )
    return out


class Segmenter:
    """Streaming VAD: ``feed(samples)`` returns the segments that closed; ``flush()`` the rest.

    Samples wait until a block of ``block_frames`` frames has arrived (400 ms by default), which
    is judged in one go: one vectorised test for the block costs far less than one a frame, for
    at most 380 ms more delay. The open segment is kept as the blocks that hold it (samples and
    windows' analysis, as judged), joined only when a segment is cut across them.
    """

    __slots__ = (
        "_block",
        "_frame",
        "_frame_s",
        "_frames",
        "_gap",
        "_kept",
        "_max_frames",
        "_min_speech",
        "_open",
        "_pending",
        "_speech",
        "_unfilled",
        "coded",
        "gate",
        "max_seconds",
        "min_voiced",
        "pause_frames",
        "sample_rate",
        "wanted",
    )

    def __init__(
        self,
        sample_rate: int,
        *,
        max_seconds: float = 0.8,
        min_voiced: float = 0.2,
        pause_seconds: float = 0.24,
        gate: FrameGate | None = None,
        block_frames: int = BLOCK_FRAMES,
        coded: bool = False,
    ) -> None:
        if not 4000 <= sample_rate <= 192_000:
            raise ValueError(f"sample rate {sample_rate} Hz is outside 4,000-192,000")
        self.sample_rate = sample_rate
        self.max_seconds = max_seconds
        self.min_voiced = min_voiced
        self.pause_frames = max(1, round(pause_seconds / FRAME_SECONDS))
        self._frame = round(sample_rate * FRAME_SECONDS)
        self._frame_s = self._frame / sample_rate
        self._max_frames = max(1, math.ceil(max_seconds / self._frame_s - 1e-6))
        self._min_speech = math.ceil(min_voiced / self._frame_s - 1e-6)
        self._block = self._frame * max(1, block_frames)
        # At 8 kHz the samples are judged, cut and measured as a phone line carries them (through
        # μ-law), unless ``coded`` says they already came that way.
        self.coded = coded or sample_rate != 8000
        self.gate: FrameGate = gate if gate is not None else VoicedGate(sample_rate)
        self._pending: list[FloatArray] = []
        #: Samples still to come before the next block is judged (``feed`` returns nothing
        #: until then). A plain attribute, not a property: a live leg reads it every 20 ms.
        self.wanted = self._block
        self._frames = 0  # frames judged so far
        self._open = -1  # the open segment's first frame, -1 when none is open
        self._speech = 0  # speech frames in the open segment
        self._gap = 0  # trailing non-speech frames in the open segment
        # The blocks that hold the open segment (or a cut one's pending start): each one's first
        # frame, samples and windows, joined only when a segment is cut across them.
        self._kept: list[tuple[int, FloatArray, Windows | None]] = []
        # When a list, cut segments' pending windows wait there to be analysed together.
        self._unfilled: list[tuple[Windows, FloatArray]] | None = None

    @property
    def seconds(self) -> float:
        """Audio seen so far."""
        return (self._frames * self._frame + self._block - self.wanted) / self.sample_rate

    def feed(self, samples: FloatArray) -> list[Segment]:
        """Add samples (float32 in [-1, 1], not changed afterwards); the segments this closed."""
        return self._judge() if self.add(samples) else []

    def add(self, samples: FloatArray) -> bool:
        """Add samples without judging them; whether a whole block now waits (``feed`` judges
        it at once, ``batch.feed_together`` with other streams' blocks)."""
        self._pending.append(samples)
        wanted = self.wanted - len(samples)
        self.wanted = wanted
        return wanted <= 0

    def flush(self) -> list[Segment]:
        """Judge the whole frames still waiting, then close the open segment."""
        out = self._judge() if self._block - self.wanted >= self._frame else []
        self._pending, self.wanted = [], self._block
        if self._open >= 0:
            self._close(self._open, self._frames - self._gap, self._speech, out)
        self._open, self._speech, self._gap = -1, 0, 0
        self._kept = []
        return out

    def _judge(self) -> list[Segment]:
        block, frames = self._take()
        speech = self.gate.decide(frames, frame_energy(frames))
        windows = None
        if isinstance(self.gate, VoicedGate):
            if self.sample_rate == 8000:
                windows = self.gate.windows
            self.gate.windows = None  # now the segmenter's to keep or drop
        return self._settle(block, self._step(speech.tolist()), windows)

    def _take(self) -> tuple[FloatArray, FloatArray]:
        """The whole frames waiting (through μ-law unless ``coded``), one row each; the rest
        waits for the next block."""
        pending = self._pending
        x = pending[0] if len(pending) == 1 else np.concatenate(pending)
        n = len(x) // self._frame
        used = n * self._frame
        if used < len(x):
            self._pending = [x[used:]]
            self.wanted = self._block - (len(x) - used)
        else:
            self._pending = []
            self.wanted = self._block
        block = x[:used] if self.coded else mulaw_round_trip(x[:used])
        return block, block.reshape(n, self._frame)

    def _settle(
        self, block: FloatArray, closed: Sequence[Closed], windows: Windows | None
    ) -> list[Segment]:
        """Keep the block (and, at 8 kHz, its windows) for the open segment, once its decisions
        have run the segment state (``_step``, or ``batch``'s compiled loop for a live pass's
        streams): the segments that closed in it, cut out."""
        first = self._frames - len(block) // self._frame
        if self._open < 0 and not closed:
            # Nothing open and nothing to cut out: keep nothing.
            self._kept = []
            return []
        kept = self._kept
        kept.append((first, block, windows))
        out: list[Segment] = []
        for start, stop, speech_n in closed:
            self._cut(start, stop, speech_n, out)
        # Keep the blocks from the open segment's first frame on (none when none is open).
        keep = self._open if self._open >= 0 else self._frames
        f = self._frame
        while kept and kept[0][0] + len(kept[0][1]) // f <= keep:
            del kept[0]
        if kept and kept[0][0] < keep:
            at, x, w = kept[0]
            kept[0] = (
                keep,
                x[(keep - at) * f :],
                w.rows(keep - at, len(w)) if w is not None else None,
            )
        return out

    def _step(self, speech: list[bool]) -> list[tuple[int, int, int]]:
        """Run the segment state over the block's decisions: (start, stop, speech) closed."""
        closed: list[tuple[int, int, int]] = []
        f, seg, n_speech, gap = self._frames, self._open, self._speech, self._gap
        pause, longest = self.pause_frames, self._max_frames
        for voiced in speech:
            f += 1
            if seg < 0:
                if not voiced:
                    continue
                seg, n_speech, gap = f - 1, 0, 0
            if voiced:
                n_speech += 1
                gap = 0
            else:
                gap += 1
                if gap >= pause:
                    closed.append((seg, f - gap, n_speech))
                    seg = -1
                    continue
            if f - seg >= longest:
                closed.append((seg, f, n_speech))
                seg = -1
        self._frames, self._open, self._speech, self._gap = f, seg, n_speech, gap
        return closed

    def _close(self, start: int, stop: int, speech_n: int, out: list[Segment]) -> None:
        """Close the open segment at the end of the stream, from the kept history."""
        self._cut(start, stop, speech_n, out)

    def _span(self, start: int, stop: int) -> tuple[list[FloatArray], list[Windows] | None]:
        """The samples of frames ``start`` to ``stop`` and the windows ending at each of them
        after the first, from the kept blocks: views of each block that holds some (joined
        only when asked, ``Segment``)."""
        f = self._frame
        xs: list[FloatArray] = []
        ws: list[Windows] = []
        whole = True  # every block has its windows
        for at, x, w in self._kept:
            if at < stop and at + len(x) // f > start:
                lo, hi = max(start, at) - at, stop - at
                xs.append(x[lo * f : hi * f])
                if w is None:
                    whole = False
                elif not ws:
                    # The segment's first frame ends no window of its own.
                    ws.append(w.rows(lo + 1, hi))
                else:
                    ws.append(w.rows(lo, hi))
        return xs, ws if whole else None

    def _cut(self, start: int, stop: int, speech_n: int, out: list[Segment]) -> None:
        """Cut frames ``start`` to ``stop`` out of the kept blocks as a segment, unless it holds
        too little speech."""
        if stop <= start or speech_n < self._min_speech:
            return
        xs, ws = self._span(start, stop)
        segment = Segment.of_parts(
            xs,
            ws,
            self.sample_rate,
            start * self._frame_s,
            stop * self._frame_s,
            speech_n * self._frame_s,
        )
        # Windows of quiet frames were not analysed as the block was judged: the segment is
        # joined to analyse them (most segments have none, and stay in parts).
        if ws is not None and any(w.amplitude.min() < 0.0 for w in ws if len(w)):
            mine = segment.windows
            assert mine is not None
            if self._unfilled is not None:
                self._unfilled.append((mine, segment.samples))
            else:
                plan(self.sample_rate).fill(mine, segment.samples)
        out.append(segment)
