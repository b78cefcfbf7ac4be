"""Voice activity detection: cut a stream of samples into voiced segments, as it arrives.

Energy in 20 ms frames against a noise floor that follows the quietest recent frames (it falls at
once and rises about 1 dB a second, so it tracks line noise, not the speaker). A segment ends after
a 240 ms pause, or is cut at ``max_seconds`` so that a long turn still gives an update within a
second; one with under ``min_voiced`` seconds of speech is dropped (a cough, a click).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kairos.detection.voice.codecs import FloatArray

FRAME_SECONDS = 0.02


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
        "_carry",
        "_floor",
        "_frame",
        "_frame_s",
        "_frames",
        "_gap",
        "_seg_frames",
        "_seg_start",
        "_speech_frames",
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
    ) -> None:
        if not 4000 <= sample_rate <= 192_000:
            raise ValueError(f"sample rate {sample_rate} Hz is outside 4,000-192,000")
        self.sample_rate = sample_rate
        self.max_seconds = max_seconds
        self.min_voiced = min_voiced
        self.pause_frames = max(1, round(pause_seconds / FRAME_SECONDS))
        self._frame = round(sample_rate * FRAME_SECONDS)
        self._frame_s = self._frame / sample_rate
        self._carry = np.zeros(0, dtype=np.float32)
        # A stream may open mid-word, so the floor starts low rather than at the first frame.
        self._floor = -60.0
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
        n = len(samples) // self._frame
        self._carry = samples[n * self._frame :].copy()
        if n == 0:
            return []
        frames = samples[: n * self._frame].reshape(n, self._frame)
        power = np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / self._frame
        energy = 10.0 * np.log10(power + 1e-10)
        out: list[Segment] = []
        for i in range(n):
            seg = self._step(frames[i], float(energy[i]))
            if seg is not None:
                out.append(seg)
        return out

    def flush(self) -> list[Segment]:
        """Close the open segment at the end of the stream."""
        seg = self._close(len(self._seg_frames) - self._gap)
        return [seg] if seg is not None else []

    def _step(self, frame: FloatArray, db: float) -> Segment | None:
        # The floor falls at once to a quieter frame and creeps up 1 dB a second otherwise.
        floor = max(db, -80.0) if db < self._floor else min(self._floor + 0.02, db)
        self._floor = floor
        self._frames += 1
        speech = db > max(floor + 12.0, -50.0)
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
