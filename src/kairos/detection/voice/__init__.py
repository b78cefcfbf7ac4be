"""Stress in the caller's voice: VAD, NumPy features per voiced segment, a per-caller baseline.

A library like the rest of ``kairos.detection`` (no web or database imports)::

    stream = VoiceStream(8000)              # one call leg
    for result in stream.feed(samples):     # float32 samples in [-1, 1]
        result.stress, result.cues          # smoothed stress in [0, 1], reasons in plain words

``score_recording`` scores a whole file; ``kairos train-voice`` trains the model it uses.
"""

from kairos.detection.voice.codecs import mulaw_decode, mulaw_encode, pcm16_decode, pcm16_encode
from kairos.detection.voice.features import ANALYSIS_RATE, FEATURES, LABELS, segment_features
from kairos.detection.voice.model import VoiceModel, load_default
from kairos.detection.voice.segment import Segment
from kairos.detection.voice.stress import (
    RecordingScore,
    SegmentResult,
    StressTracker,
    VoiceCue,
    VoiceStream,
    score_recording,
)
from kairos.detection.voice.vad import Segmenter

__all__ = [
    "ANALYSIS_RATE",
    "FEATURES",
    "LABELS",
    "RecordingScore",
    "Segment",
    "SegmentResult",
    "Segmenter",
    "StressTracker",
    "VoiceCue",
    "VoiceModel",
    "VoiceStream",
    "load_default",
    "mulaw_decode",
    "mulaw_encode",
    "pcm16_decode",
    "pcm16_encode",
    "score_recording",
    "segment_features",
]
