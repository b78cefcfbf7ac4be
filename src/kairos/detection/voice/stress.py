"""Stress in a caller's voice, live: a running baseline per caller and a smoothed score in [0, 1].

What matters is how the voice departs from the caller's *own* baseline (a loud speaker is not a
stressed one): ``kairos.detection.voice.tracker.StressTracker`` keeps that baseline per caller.

``VoiceStream`` puts it together for one call leg: samples in, one ``SegmentResult`` per voiced
segment out, each with the segment's features, its own stress, the smoothed stress and reasons in
plain words. It keeps the open segment's samples (under 0.8 s) and a few vectors: a live stream
costs kilobytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kairos.detection.voice.codecs import FloatArray
from kairos.detection.voice.features import features_of_parts, segment_features
from kairos.detection.voice.model import VoiceModel, load_default
from kairos.detection.voice.segment import Segment
from kairos.detection.voice.tracker import (
    REASON_THRESHOLD,
    SegmentResult,
    StressTracker,
    VoiceCue,
    score_together,
)
from kairos.detection.voice.vad import FrameGate, Segmenter

__all__ = [
    "NO_SPEECH",
    "REASON_THRESHOLD",
    "TOO_LITTLE_VOICING",
    "RecordingScore",
    "SegmentResult",
    "StressTracker",
    "VoiceCue",
    "VoiceStream",
    "measure",
    "score_recording",
]


class VoiceStream:
    """One call leg: ``feed(samples)`` gives a ``SegmentResult`` per voiced segment that closed."""

    __slots__ = ("segmenter", "speech_segments", "tracker")

    def __init__(
        self,
        sample_rate: int,
        *,
        model: VoiceModel | None = None,
        tracker: StressTracker | None = None,
        gate: FrameGate | None = None,
        coded: bool = False,
    ) -> None:
        # ``coded``: the samples came through μ-law already (Twilio, PCMU), so the 8 kHz phone
        # channel that every segment is measured through is no round trip to make again.
        self.segmenter = Segmenter(sample_rate, gate=gate, coded=coded)
        self.tracker = tracker or StressTracker(model)
        self.speech_segments = 0  # segments the VAD found, measurable or not

    @property
    def stress(self) -> float | None:
        """The caller's smoothed stress now."""
        return self.tracker.stress

    def feed(self, samples: FloatArray) -> list[SegmentResult]:
        """Analyse new samples (float32 in [-1, 1] at the stream's rate)."""
        closed = self.segmenter.feed(samples)
        return self._analyse(closed) if closed else []

    def flush(self) -> list[SegmentResult]:
        """Analyse what is left at the end of the stream."""
        return self._analyse(self.segmenter.flush())

    def _analyse(self, segments: Sequence[Segment]) -> list[SegmentResult]:
        return self._score(segments, measure(segments))

    def _score(
        self, segments: Sequence[Segment], features: Sequence[FloatArray | None]
    ) -> list[SegmentResult]:
        """Score measured segments against the caller's baseline, in order."""
        trackers, xs, times = self.scorable(segments, features)
        return score_together(trackers, xs, times)

    def scorable(
        self, segments: Sequence[Segment], features: Sequence[FloatArray | None]
    ) -> tuple[list[StressTracker], list[FloatArray], list[tuple[float, float, float]]]:
        """The measured ones of the segments the stream closed, as ``score_together`` takes them
        (the tracker once for each); every segment counts in ``speech_segments``."""
        self.speech_segments += len(segments)
        kept = [(seg, x) for seg, x in zip(segments, features, strict=True) if x is not None]
        return (
            [self.tracker] * len(kept),
            [x for _, x in kept],
            [(seg.start_s, seg.end_s, seg.voiced_s) for seg, _ in kept],
        )


def measure(segments: Sequence[Segment]) -> list[FloatArray | None]:
    """Each segment's features (None with too little voicing): from the windows the VAD kept,
    all in one pass (``features_together``), else from its samples."""
    out: list[FloatArray | None] = [None] * len(segments)
    live = [i for i, seg in enumerate(segments) if seg.window_parts is not None]
    if live:
        found = features_of_parts(
            [(segments[i].window_parts, segments[i].sample_parts) for i in live]  # type: ignore[misc]
        )
        for i, x in zip(live, found, strict=True):
            out[i] = x
    for i, seg in enumerate(segments):
        if seg.window_parts is None:
            out[i] = segment_features(seg.samples, seg.sample_rate)
    return out


@dataclass(frozen=True, slots=True)
class RecordingScore:
    """A whole recording scored: the overall stress and every segment."""

    stress: float | None
    duration_s: float
    segments: list[SegmentResult]
    model_version: str
    #: Why ``stress`` is None: no speech was heard, or too little voicing to measure.
    no_stress_reason: str | None = None


#: The reasons a recording has no stress.
NO_SPEECH = "no speech: the voice activity detector found no voiced speech"
TOO_LITTLE_VOICING = "speech found, but too little voicing in it to measure pitch"


def score_recording(
    samples: FloatArray,
    sample_rate: int,
    *,
    model: VoiceModel | None = None,
    gate: FrameGate | None = None,
) -> RecordingScore:
    """Score a recording as a call: the stress is the duration-weighted mean of segment stress.

    None when there is no speech. The mean over segments, not the last smoothed value, so that a
    short file reads the same however it ends.
    """
    model = model or load_default()
    stream = VoiceStream(sample_rate, model=model, gate=gate)
    step = sample_rate * 10
    segments: list[SegmentResult] = []
    for i in range(0, len(samples), step):
        segments += stream.feed(np.asarray(samples[i : i + step], dtype=np.float32))
    segments += stream.flush()
    stress = reason = None
    if segments:
        weights = [max(s.end_s - s.start_s, 1e-3) for s in segments]
        stress = float(np.average([s.segment_stress for s in segments], weights=weights))
    else:
        reason = TOO_LITTLE_VOICING if stream.speech_segments else NO_SPEECH
    return RecordingScore(
        stress=stress,
        duration_s=len(samples) / sample_rate,
        segments=segments,
        model_version=model.version,
        no_stress_reason=reason,
    )
