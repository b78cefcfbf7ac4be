"""Prosodic features of one voiced segment, measured with Praat through praat-parselmouth.

Every segment is analysed at 8 kHz through μ-law (the telephone channel: Twilio and most platforms
stream 8 kHz μ-law), so a model trained on studio recordings sees what it will see live.
Pitch comes from Praat's autocorrelation tracker; its per-frame autocorrelation peak also gives the
harmonics-to-noise ratio (Boersma 1993: HNR = 10 log10(r / (1 - r))), which saves a second pitch
analysis. Jitter and shimmer come from Praat's glottal-pulse point process; speaking rate counts
syllable nuclei (intensity peaks in voiced frames with a dip of 2 dB between them, after de Jong
and Wempe 2009); the alpha ratio is the energy above 1 kHz over the energy below it.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import parselmouth
from parselmouth.praat import call

from kairos.detection.voice.codecs import FloatArray, mulaw_decode, mulaw_encode

ANALYSIS_RATE = 8000
PITCH_FLOOR = 75.0
PITCH_CEILING = 600.0
PITCH_STEP = 0.02

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

_FFT = 256
_WINDOW = np.hanning(_FFT)
_FREQS = np.fft.rfftfreq(_FFT, 1.0 / ANALYSIS_RATE)
_LO = (_FREQS >= 50.0) & (_FREQS < 1000.0)
_HI = (_FREQS >= 1000.0) & (_FREQS < 3400.0)


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
    came as μ-law), so every source is measured alike. An undefined measure (jitter with too few
    glottal pulses) is NaN.
    """
    x = mulaw_decode(mulaw_encode(to_analysis_rate(samples, sample_rate))).astype(np.float64)
    duration = len(x) / ANALYSIS_RATE
    if duration < 0.1 or not np.any(x):
        return None
    sound = parselmouth.Sound(x, float(ANALYSIS_RATE))
    # A 20 ms step halves Praat's cost against 10 ms; 40 frames a segment still give stable
    # percentiles, and the glottal pulses for jitter and shimmer are found on the waveform.
    pitch = sound.to_pitch_ac(
        time_step=PITCH_STEP, pitch_floor=PITCH_FLOOR, pitch_ceiling=PITCH_CEILING
    )
    frames = pitch.selected_array
    f0 = frames["frequency"]
    voiced = f0 > 0
    if int(voiced.sum()) < 3:
        return None
    semitones = 12.0 * np.log2(f0[voiced] / 100.0)
    p10, p50, p90 = np.percentile(semitones, (10, 50, 90))
    strength = np.clip(frames["strength"][voiced], 1e-3, 0.999)
    hnr = float(np.median(10.0 * np.log10(strength / (1.0 - strength))))

    intensity = sound.to_intensity(minimum_pitch=100.0, time_step=0.01, subtract_mean=True)
    level = intensity.values[0]
    loud = level[level > level.max() - 25.0]
    i10, i50, i90 = np.percentile(loud, (10, 50, 90))

    jitter = shimmer = math.nan
    try:
        pulses = call([sound, pitch], "To PointProcess (cc)")
        jitter = 100.0 * call(pulses, "Get jitter (local)", 0, 0, 0.0001, 0.02, 1.3)
        shimmer = 100.0 * call([sound, pulses], "Get shimmer (local)", 0, 0, 0.0001, 0.02, 1.3, 1.6)
    except parselmouth.PraatError:
        pass  # too few pulses: left undefined

    pitch_times = pitch.xs()
    voiced_at = np.interp(intensity.xs(), pitch_times, voiced.astype(np.float64)) > 0.5
    rate = _nuclei(level, voiced_at) / duration
    return np.array(
        [
            p50,
            p90 - p10,
            i50,
            i90 - i10,
            jitter,
            shimmer,
            hnr,
            rate,
            _alpha_ratio(x),
            float(voiced.mean()),
        ],
        dtype=np.float32,
    )


def _nuclei(level: npt.NDArray[np.float64], voiced: npt.NDArray[np.bool_]) -> int:
    """Syllable nuclei: voiced intensity peaks within 25 dB of the loudest, 2 dB dips apart."""
    if len(level) < 3:
        return 0
    threshold = level.max() - 25.0
    inner = level[1:-1]
    peaks = (
        np.flatnonzero(
            (inner > level[:-2]) & (inner >= level[2:]) & (inner > threshold) & voiced[1:-1]
        )
        + 1
    )
    count = 0
    last = -1
    for p in peaks:
        if last < 0:
            last, count = int(p), 1
            continue
        dip = float(level[last : p + 1].min())
        if min(level[last], level[p]) - dip >= 2.0:
            last, count = int(p), count + 1
        elif level[p] > level[last]:
            last = int(p)
    return count


def _alpha_ratio(x: npt.NDArray[np.float64]) -> float:
    """Energy from 1 to 3.4 kHz over energy from 50 Hz to 1 kHz, in dB."""
    if len(x) < _FFT:
        return math.nan
    hop = _FFT // 2
    n = 1 + (len(x) - _FFT) // hop
    idx = np.arange(_FFT)[None, :] + hop * np.arange(n)[:, None]
    spectrum = np.abs(np.fft.rfft(x[idx] * _WINDOW, axis=1)) ** 2
    power = spectrum.sum(axis=0)
    lo = power[_LO].sum()
    hi = power[_HI].sum()
    return float(10.0 * np.log10((hi + 1e-12) / (lo + 1e-12)))
