"""Stress in a caller's voice, live: a running baseline per caller and a smoothed score in [0, 1].

What matters is how the voice departs from the caller's *own* baseline (a loud speaker is not a
stressed one). Until the baseline has built up (``baseline_seconds`` of speech), a segment is scored
more and more by the caller head and less by the population head, which knows only how calm and
angry speakers sound across the training data. After that the baseline follows the caller slowly,
and only on segments that sound calm, so a rant does not become the new normal.

``VoiceStream`` puts it together for one call leg: samples in, one ``SegmentResult`` per voiced
segment out, each with the segment's features, its own stress, the smoothed stress and reasons in
plain words. It keeps the open segment's samples (under 0.8 s) and a few vectors: a live stream
costs kilobytes.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kairos.detection.voice.codecs import FloatArray
from kairos.detection.voice.features import (
    FEATURES,
    LABELS,
    features_together,
    segment_features,
)
from kairos.detection.voice.model import EXCLUDED, Vector, VoiceModel, load_default
from kairos.detection.voice.vad import FrameGate, Segment, Segmenter

#: A segment sounds calm enough to refine the baseline below this stress.
_CALM = 0.5
#: Smoothed stress at or above this comes with reasons.
REASON_THRESHOLD = 0.5
# Reasons need a feature this far from the baseline (SDs) pushing stress up.
_REASON_SD = 1.0
_MAX_REASONS = 3


@dataclass(frozen=True, slots=True)
class VoiceCue:
    """One feature that explains the stress score, in plain words."""

    feature: str
    sd: float
    text: str


@dataclass(frozen=True, slots=True)
class SegmentResult:
    """What one voiced segment says: its features, its own stress and the caller's stress now."""

    start_s: float
    end_s: float
    voiced_s: float
    features: dict[str, float]
    segment_stress: float
    stress: float
    baseline_weight: float
    cues: tuple[VoiceCue, ...]

    def as_json(self) -> dict[str, object]:
        """The segment as a JSON-ready dict."""
        return {
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "voiced_s": round(self.voiced_s, 3),
            "features": self.features,
            "segment_stress": round(self.segment_stress, 4),
            "stress": round(self.stress, 4),
            "baseline_weight": round(self.baseline_weight, 3),
            "reasons": [c.text for c in self.cues],
        }


class StressTracker:
    """One caller's baseline and smoothed stress: ``update(features, ...) -> SegmentResult``."""

    __slots__ = (
        "_base_n",
        "_base_sum",
        "_recent",
        "_stress",
        "_voiced",
        "adapt_seconds",
        "baseline_seconds",
        "max_caller_weight",
        "model",
        "smoothing_seconds",
        "window_seconds",
    )

    def __init__(
        self,
        model: VoiceModel | None = None,
        *,
        baseline_seconds: float = 6.0,
        max_caller_weight: float = 0.8,
        smoothing_seconds: float = 1.0,
        window_seconds: float = 10.0,
        adapt_seconds: float = 60.0,
    ) -> None:
        self.model = model or load_default()
        self.baseline_seconds = baseline_seconds
        self.max_caller_weight = max_caller_weight
        self.smoothing_seconds = smoothing_seconds
        self.window_seconds = window_seconds
        self.adapt_seconds = adapt_seconds
        n = len(FEATURES)
        self._base_sum = np.zeros(n)  # voiced-seconds-weighted sums, per feature
        self._base_n = np.zeros(n)
        self._voiced = 0.0  # seconds of speech in the baseline so far
        self._stress: float | None = None
        # (end_s, seconds, segment stress, caller z or None, population z), last window_seconds
        self._recent: deque[tuple[float, float, float, Vector | None, Vector]] = deque()

    @property
    def stress(self) -> float | None:
        """The smoothed stress now; None before any speech."""
        return self._stress

    @property
    def baseline_weight(self) -> float:
        """How much the caller head counts now, 0 with no baseline up to ``max_caller_weight``."""
        return self.max_caller_weight * min(1.0, self._voiced / self.baseline_seconds)

    def baseline(self) -> Vector | None:
        """The caller's baseline features (NaN where never measured); None before any speech."""
        if self._voiced <= 0.0:
            return None
        out = np.full(len(self._base_n), np.nan)
        np.divide(self._base_sum, self._base_n, out=out, where=self._base_n > 0)
        return out

    def update(
        self, features: Vector, *, start_s: float, end_s: float, voiced_s: float
    ) -> SegmentResult:
        """Score one segment against the baseline so far, then fold it into the baseline."""
        model = self.model
        x = np.asarray(features, dtype=np.float64)
        scaled = model.population_scaled(x)
        p_pop = model.scaled_probability(scaled)
        weight = self.baseline_weight
        base = self.baseline()
        z_caller: Vector | None = None
        p_seg = p_pop
        if base is not None and weight > 0.0:
            z_caller = model.caller_z(x, base)
            p_seg = weight * model.caller_probability(z_caller) + (1.0 - weight) * p_pop
        self._learn(x, voiced_s, p_seg)
        seconds = max(end_s - start_s, 1e-3)
        if self._stress is None:
            self._stress = p_seg
        else:
            alpha = 1.0 - math.exp(-seconds / self.smoothing_seconds)
            self._stress += alpha * (p_seg - self._stress)
        self._recent.append((end_s, seconds, p_seg, z_caller, scaled))
        while self._recent and self._recent[0][0] <= end_s - self.window_seconds:
            self._recent.popleft()
        cues = self._cues(end_s, weight) if self._stress >= REASON_THRESHOLD else ()
        return SegmentResult(
            start_s=start_s,
            end_s=end_s,
            voiced_s=voiced_s,
            features={
                name: round(v, 4)
                for name, v in zip(FEATURES, x.tolist(), strict=True)
                if math.isfinite(v)
            },
            segment_stress=p_seg,
            stress=self._stress,
            baseline_weight=weight,
            cues=cues,
        )

    def _learn(self, x: Vector, voiced_s: float, p_seg: float) -> None:
        finite = np.isfinite(x)
        if self._voiced < self.baseline_seconds:
            w = voiced_s
        elif p_seg < _CALM:
            # Past the build-up the baseline drifts with calm speech only, over about a minute.
            w = voiced_s
            keep = math.exp(-voiced_s / self.adapt_seconds)
            self._base_sum *= keep
            self._base_n *= keep
        else:
            return
        self._base_sum[finite] += w * x[finite]
        self._base_n[finite] += w
        self._voiced += voiced_s

    def _cues(self, end_s: float, weight: float) -> tuple[VoiceCue, ...]:
        model = self.model
        # The reasons describe the stressed stretch that ends now (the run of recent segments
        # that sound stressed, within the window), else the whole window.
        recent = list(self._recent)
        run: list[tuple[float, float, float, Vector | None, Vector]] = []
        for row in reversed(recent):
            if row[2] < _CALM:
                break
            run.append(row)
        rows = run or recent
        oldest = min(rows, key=lambda r: r[0])
        span = max(1.0, min(self.window_seconds, end_s - oldest[0] + oldest[1]))
        caller = weight >= 0.5 * self.max_caller_weight and all(r[3] is not None for r in rows)
        if caller:
            z = _weighted_mean([r[3] for r in rows], [r[1] for r in rows])
            push = z * model.rel_coef
            where = "this caller's baseline"
            sd = z
        else:
            scaled = _weighted_mean([r[4] for r in rows], [r[1] for r in rows])
            push = scaled * model.pop_coef
            # Said against calm speech across speakers: SDs of the calm norm, not of the scaler.
            sd = (scaled * model.pop_scale + model.pop_mean - model.norm_mean) / model.norm_sd
            where = "calm speech across speakers"
        # Ten features: plain lists cost less than NumPy's indexing here.
        pushes, sds = push.tolist(), sd.tolist()
        order = sorted(range(len(pushes)), key=lambda i: -pushes[i])
        cues: list[VoiceCue] = []
        for i in order:
            name, value = FEATURES[i], sds[i]
            if pushes[i] <= 0 or abs(value) < _REASON_SD:
                continue
            if name in EXCLUDED:
                continue
            side = "above" if value > 0 else "below"
            text = (f"{LABELS[name]} {abs(value):.1f} SD {side} {where} "
                    f"over the last {span:.0f} s")  # fmt: skip
            cues.append(VoiceCue(feature=name, sd=round(value, 2), text=text))
            if len(cues) == _MAX_REASONS:
                break
        return tuple(cues)


def _weighted_mean(rows: list[Vector | None], weights: list[float]) -> Vector:
    """The weighted mean of the rows, as ``np.average(rows, axis=0, weights=weights)`` computes
    it (the same sums in the same order), without its overhead."""
    w = np.array(weights)[:, None]
    return np.asarray((np.array(rows) * w).sum(axis=0) / w.sum(axis=0), dtype=np.float64)


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
        out = []
        for seg, x in zip(segments, features, strict=True):
            self.speech_segments += 1
            if x is None:
                continue
            out.append(
                self.tracker.update(
                    x.astype(np.float64),
                    start_s=seg.start_s,
                    end_s=seg.end_s,
                    voiced_s=seg.voiced_s,
                )
            )
        return out


def measure(segments: Sequence[Segment]) -> list[FloatArray | None]:
    """Each segment's features (None with too little voicing): from the windows the VAD kept,
    all in one pass (``features_together``), else from its samples."""
    out: list[FloatArray | None] = [None] * len(segments)
    live = [i for i, seg in enumerate(segments) if seg.windows is not None]
    if live:
        found = features_together(
            [(segments[i].windows, segments[i].samples) for i in live]  # type: ignore[misc]
        )
        for i, x in zip(live, found, strict=True):
            out[i] = x
    for i, seg in enumerate(segments):
        if seg.windows is None:
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
