"""Prosodic features of one voiced segment, in NumPy: one small FFT pass over 40 ms frames.

Every segment is analysed at 8 kHz through μ-law (the telephone channel: Twilio and most platforms
stream 8 kHz μ-law), so a model trained on studio recordings sees what it will see live.

One batch of 40 ms frames every 20 ms, decimated to a 4 kHz pitch track and Hann-windowed
(``frames``), gives everything: each frame's band energies (the alpha ratio: energy above 1 kHz over
the energy below it, the part above 2 kHz from the decimation's detail) and, through the inverse
transform of its power spectrum, its autocorrelation, normalised by the window's own (Boersma 1993),
whose highest peak at a period of 75-600 Hz is the frame's pitch (a small cost per octave down, as
Praat's, keeps the tracker off subharmonics; parabolic interpolation between the 0.25 ms lags) and
whose height is its periodicity (harmonics-to-noise ratio ``10 log10(r / (1 - r))``; voiced over
0.65: the low-passed track is smoother, so it correlates higher than the 8 kHz one, voiced over
0.45). Loudness is the energy of 32 ms windows every 10 ms (each summed from 16-sample runs);
speaking rate counts syllable nuclei in it (voiced peaks 2 dB apart, after de Jong and Wempe 2009).
Jitter and shimmer are frame-level: how far each voiced frame's pitch period and amplitude stand
from the mean of its two neighbours, relative to their mean. They follow the cycle-to-cycle measures
(Praat's glottal pulses, ``features_praat``) only loosely and read higher, but cost a fraction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import parselmouth

from kairos.detection.voice import compiled
from kairos.detection.voice.codecs import FloatArray, mulaw_decode, mulaw_encode
from kairos.detection.voice.frames import PITCH_FLOOR, Windows, plan
from kairos.detection.voice.functionals import Parts, functionals_together

ANALYSIS_RATE = 8000
PITCH_CEILING = 600.0
VOICING_THRESHOLD = 0.65
OCTAVE_COST = 0.02
_JUMP_COST = 0.2

#: The features of a segment, in the order of the model's vectors.
FEATURES: tuple[str, ...] = (
    "f0_mean_st",
    "f0_range_st",
    "intensity_db",
    "intensity_range_db",
    "jitter_pct",
    "shimmer_pct",
    "hnr_db",
    "speaking_rate",
    "alpha_ratio_db",
    "voiced_fraction",
)

#: Plain words for each feature, as reasons say them.
LABELS: dict[str, str] = {
    "f0_mean_st": "pitch",
    "f0_range_st": "pitch range",
    "intensity_db": "loudness",
    "intensity_range_db": "loudness range",
    "jitter_pct": "jitter",
    "shimmer_pct": "shimmer",
    "hnr_db": "harmonics-to-noise ratio",
    "speaking_rate": "speaking rate",
    "alpha_ratio_db": "vocal effort (energy above 1 kHz)",
    "voiced_fraction": "voicing",
}

Floats = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_PLAN = plan(ANALYSIS_RATE)
_WIN = _PLAN.win  # 40 ms: three periods at the pitch floor
_PITCH_RATE = _PLAN.lag_rate  # the decimated pitch track's rate (4 kHz)
_LAG_LO = math.floor(_PITCH_RATE / PITCH_CEILING)
_LAG_HI = _PLAN.lag_hi
_LAGS = np.arange(_PLAN.lags, dtype=np.float64)
with np.errstate(divide="ignore"):
    _LAG_COST = OCTAVE_COST * np.log2(np.maximum(_LAGS, 1.0) * PITCH_FLOOR / _PITCH_RATE)
_SCORE_COST = _LAG_COST[_LAG_LO : _LAG_HI + 1]
_LOG_LAGS = np.log2(_LAGS[_LAG_LO : _LAG_HI + 1])


def to_analysis_rate(samples: FloatArray, sample_rate: int) -> FloatArray:
    """Samples resampled to the analysis rate (Praat's sinc interpolation) when they differ."""
    if sample_rate == ANALYSIS_RATE:
        return samples
    sound = parselmouth.Sound(np.asarray(samples, dtype=np.float64), float(sample_rate))
    resampled = sound.resample(float(ANALYSIS_RATE)).values[0]
    return np.asarray(resampled, dtype=np.float32)


def segment_features(samples: FloatArray, sample_rate: int = ANALYSIS_RATE) -> FloatArray | None:
    """The ``FEATURES`` of one segment; None when it holds too little voicing to measure.

    The samples pass through μ-law first, as a phone line carries them (a no-op for audio that
    came as μ-law), so every source is measured alike. An undefined measure is NaN.
    """
    x = mulaw_decode(mulaw_encode(to_analysis_rate(samples, sample_rate))).astype(np.float64)
    if len(x) < _WIN or not np.any(x):
        return None
    return window_features(_PLAN.of_samples(x), x)


def window_features(windows: Windows, x: Floats) -> FloatArray | None:
    """The ``FEATURES`` of a segment from its analysed windows (``frames.Plan.of_samples``, or
    kept by the live VAD) and its samples at 8 kHz through μ-law; None with too little voicing."""
    return features_together([(windows, x)])[0]


def features_together(
    segments: Sequence[tuple[Windows, npt.NDArray[np.floating]]],
) -> list[FloatArray | None]:
    """``window_features`` of each (windows, samples) pair: the pitch of all their windows is
    picked in one pass (each segment's typical period and loudest window its own), the rest
    in one more (``functionals.functionals_together``); the same numbers as one at a time."""
    return features_of_parts([([w], [x]) for w, x in segments])


def features_of_parts(segments: Sequence[Parts]) -> list[FloatArray | None]:
    """``features_together`` of segments each given as parts laid end to end (its windows'
    blocks, its samples' blocks: ``vad.Segment.window_parts``, ``sample_parts``), so that a
    live segment's blocks are joined once, with every other segment's, not first on their own."""
    out: list[FloatArray | None] = [None] * len(segments)
    kept = []
    for i, (ws, xs) in enumerate(segments):
        if sum(len(x) for x in xs) / ANALYSIS_RATE >= 0.1 and sum(len(w) for w in ws) > 0:
            kept.append(i)
    if not kept:
        return out
    parts = [w for i in kept for w in segments[i][0]]
    lengths = [sum(len(w) for w in segments[i][0]) for i in kept]
    if len(parts) == 1:
        r, amplitude = parts[0].r, parts[0].amplitude
    else:
        r = np.concatenate([w.r for w in parts])
        amplitude = np.concatenate([w.amplitude for w in parts])
    lag, strength = _pitch(r, amplitude, lengths)
    found = functionals_together([segments[i] for i in kept], lag, strength, amplitude)
    for i, x in zip(kept, found, strict=True):
        out[i] = x
    return out


def _pitch(r: Floats, amplitude: Floats, lengths: list[int]) -> tuple[Floats, Floats]:
    """Per window of segments of ``lengths`` windows, one after another: the pitch period in
    samples (parabolic peak) and its periodicity (0 when unvoiced or silent). Each window's
    highest local peak at 75-600 Hz less the octave cost; then, in each segment with sure
    windows, again with octave jumps away from their median period costing more
    (``compiled.pitch_pick``, one compiled loop over every window of the pass)."""
    starts = np.cumsum([0, *lengths[:-1]])
    return compiled.pitch_pick(
        np.ascontiguousarray(r),
        np.ascontiguousarray(amplitude),
        starts,
        _LAG_LO,
        _SCORE_COST,
        _LOG_LAGS,
        _JUMP_COST,
        VOICING_THRESHOLD,
    )


def alpha_ratio(x: Floats) -> float:
    """Energy from 1 to 3.4 kHz over energy from 50 Hz to 1 kHz, in dB (256-point frames)."""
    fft = 256
    if len(x) < fft:
        return math.nan
    hop = fft // 2
    n = 1 + (len(x) - fft) // hop
    idx = np.arange(fft)[None, :] + hop * np.arange(n)[:, None]
    spectrum = np.abs(np.fft.rfft(x[idx] * np.hanning(fft), axis=1)) ** 2
    power = spectrum.sum(axis=0)
    freqs = np.fft.rfftfreq(fft, 1.0 / ANALYSIS_RATE)
    lo = power[(freqs >= 50.0) & (freqs < 1000.0)].sum()
    hi = power[(freqs >= 1000.0) & (freqs < 3400.0)].sum()
    return float(10.0 * np.log10((hi + 1e-12) / (lo + 1e-12)))
