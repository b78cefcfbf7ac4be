"""Voice activity detection: cut a stream of samples into voiced segments, as it arrives.

A frame (20 ms) is speech when it is both *energetic* and *voiced* (``VoicedGate``): its energy
stands 6 dB above a noise floor that follows the quietest recent frames, and its normalised
autocorrelation peaks above 0.45 at a pitch period (75-400 Hz) over the last 40 ms. Voicing, not
loudness, carries the decision, so quiet and calm speech (-40 dBFS, 8 kHz μ-law) is heard while
line noise and hiss at any level are not. ``EnergyGate`` is the energy-only rule used before
(kept for comparison in ``benchmarks/voice_vad.py``: it misses quiet speech and hears loud noise).

A segment ends after a 240 ms pause, or is cut at ``max_seconds`` so that a long turn still gives
an update within a second; one with under ``min_voiced`` seconds of speech is dropped (a cough, a
click).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from kairos.detection.voice.codecs import FloatArray

FRAME_SECONDS = 0.02
BoolArray = npt.NDArray[np.bool_]


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
    the normalised autocorrelation of the last 40 ms between lags of 2.5 and 13.3 ms.
    """

    __slots__ = ("_floor", "_hi", "_lo", "_prev", "_rise", "threshold")

    def __init__(self, sample_rate: int, *, threshold: float = 0.45) -> None:
        frame = round(sample_rate * FRAME_SECONDS)
        self._prev = np.zeros(frame, dtype=np.float32)
        self._lo = max(1, int(sample_rate / 400.0))
        self._hi = int(sample_rate / 75.0)
        self._floor = -60.0
        self._rise = 3.0 * FRAME_SECONDS
        self.threshold = threshold

    def decide(self, frames: FloatArray, energy_db: npt.NDArray[np.float64]) -> BoolArray:
        """Speech or not for each frame (the voicing test runs on all loud frames at once)."""
        n = len(energy_db)
        loud = np.zeros(n, dtype=bool)
        floor = self._floor
        for i, db in enumerate(energy_db.tolist()):
            floor = max(db, -85.0) if db < floor else min(floor + self._rise, db)
            loud[i] = db > max(floor + 6.0, -75.0)
        self._floor = floor
        windows = np.concatenate((self._prev[None, :], frames), axis=0)
        self._prev = np.array(frames[-1], dtype=np.float32) if n else self._prev
        out = np.zeros(n, dtype=bool)
        idx = np.flatnonzero(loud)
        if len(idx):
            out[idx] = self._periodic(np.concatenate((windows[idx], windows[idx + 1]), axis=1))
        return out

    def _periodic(self, x: FloatArray) -> BoolArray:
        """Whether each 40 ms window (a row) is voiced: its normalised correlation with itself,
        lagged by a fixed-length span, has a local peak above the threshold at a pitch period.
        The normalisation and the peak search run on all rows at once."""
        x = x - x.mean(axis=1, keepdims=True)
        span = x.shape[1] - self._hi
        # r[i, k]: x[i, k : k + span] . x[i, :span]
        r = np.stack([np.correlate(row, row[:span], mode="valid") for row in x])
        energy = np.zeros((len(x), x.shape[1] + 1))
        np.cumsum(x.astype(np.float64) ** 2, axis=1, out=energy[:, 1:])
        lagged = energy[:, span : span + self._hi + 1] - energy[:, : self._hi + 1]
        norm = r / np.sqrt(np.maximum(lagged * energy[:, span : span + 1], 1e-20))
        lo, hi = self._lo, self._hi
        inner = norm[:, lo:hi]
        local = (inner >= norm[:, lo - 1 : hi - 1]) & (inner >= norm[:, lo + 1 :])
        return np.asarray((np.where(local, inner, -np.inf) > self.threshold).any(axis=1))


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of speech: its samples and where it lies in the stream, in seconds."""

    samples: FloatArray
    sample_rate: int
    start_s: float
    end_s: float
    voiced_s: float


class Segmenter:
    """Streaming VAD: ``feed(samples)`` returns the segments that closed; ``flush()`` the rest."""

    __slots__ = (
        "_batch",
        "_carry",
        "_frame",
        "_frame_s",
        "_frames",
        "_gap",
        "_seg_frames",
        "_seg_start",
        "_speech_frames",
        "gate",
        "max_seconds",
        "min_voiced",
        "pause_frames",
        "sample_rate",
    )

    def __init__(
        self,
        sample_rate: int,
        *,
        max_seconds: float = 0.8,
        min_voiced: float = 0.2,
        pause_seconds: float = 0.24,
        gate: FrameGate | None = None,
        batch_frames: int = 5,
    ) -> None:
        if not 4000 <= sample_rate <= 192_000:
            raise ValueError(f"sample rate {sample_rate} Hz is outside 4,000-192,000")
        self.sample_rate = sample_rate
        self.max_seconds = max_seconds
        self.min_voiced = min_voiced
        self.pause_frames = max(1, round(pause_seconds / FRAME_SECONDS))
        self._frame = round(sample_rate * FRAME_SECONDS)
        # Frames are judged in batches (100 ms by default): one vectorised voicing test for
        # several frames costs far less than one per frame, for 80 ms more delay at most.
        self._batch = max(1, batch_frames)
        self._frame_s = self._frame / sample_rate
        self._carry = np.zeros(0, dtype=np.float32)
        self.gate: FrameGate = gate if gate is not None else VoicedGate(sample_rate)
        self._frames = 0  # frames seen in the stream
        self._seg_frames: list[FloatArray] = []
        self._seg_start = 0
        self._speech_frames = 0
        self._gap = 0  # trailing non-speech frames in the open segment

    @property
    def seconds(self) -> float:
        """Audio seen so far."""
        return (self._frames * self._frame + len(self._carry)) / self.sample_rate

    def feed(self, samples: FloatArray) -> list[Segment]:
        """Add samples (float32 in [-1, 1]); return the segments this closed."""
        if len(self._carry):
            samples = np.concatenate((self._carry, samples))
        n = len(samples) // (self._frame * self._batch) * self._batch
        self._carry = samples[n * self._frame :].copy()
        return self._frames_in(samples, n)

    def flush(self) -> list[Segment]:
        """Judge the whole frames still waiting, then close the open segment."""
        n = len(self._carry) // self._frame
        out = self._frames_in(self._carry, n)
        self._carry = np.zeros(0, dtype=np.float32)
        seg = self._close(len(self._seg_frames) - self._gap)
        return out + ([seg] if seg is not None else [])

    def _frames_in(self, samples: FloatArray, n: int) -> list[Segment]:
        if n == 0:
            return []
        frames = samples[: n * self._frame].reshape(n, self._frame)
        power = np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / self._frame
        energy = 10.0 * np.log10(power + 1e-10)
        speech = self.gate.decide(frames, energy)
        out: list[Segment] = []
        for i in range(n):
            seg = self._step(frames[i], bool(speech[i]))
            if seg is not None:
                out.append(seg)
        return out

    def _step(self, frame: FloatArray, speech: bool) -> Segment | None:
        self._frames += 1
        if not self._seg_frames:
            if not speech:
                return None
            self._seg_start = self._frames - 1
        self._seg_frames.append(frame)
        if speech:
            self._speech_frames += 1
            self._gap = 0
        else:
            self._gap += 1
            if self._gap >= self.pause_frames:
                return self._close(len(self._seg_frames) - self._gap)
        if len(self._seg_frames) * self._frame_s >= self.max_seconds - 1e-9:
            return self._close(len(self._seg_frames))
        return None

    def _close(self, keep: int) -> Segment | None:
        frames, voiced = self._seg_frames[:keep], self._speech_frames * self._frame_s
        start = self._seg_start
        self._seg_frames, self._speech_frames, self._gap = [], 0, 0
        if not frames or voiced < self.min_voiced - 1e-9:
            return None
        return Segment(
            samples=np.concatenate(frames),
            sample_rate=self.sample_rate,
            start_s=start * self._frame_s,
            end_s=(start + len(frames)) * self._frame_s,
            voiced_s=voiced,
        )
