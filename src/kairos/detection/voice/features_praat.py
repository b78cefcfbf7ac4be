"""The Praat measures Kairos used before its NumPy features (kept for ``benchmarks/voice.py``).

The same ``FEATURES`` as ``kairos.detection.voice.features``, measured with Praat through
praat-parselmouth: about 3.5 times the CPU of the NumPy version per segment.

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
import parselmouth
from parselmouth.praat import call

from kairos.detection.voice.codecs import FloatArray, mulaw_decode, mulaw_encode
from kairos.detection.voice.features import (
    ANALYSIS_RATE,
    alpha_ratio,
    to_analysis_rate,
)
from kairos.detection.voice.functionals import nuclei

PITCH_FLOOR = 75.0
PITCH_CEILING = 600.0
PITCH_STEP = 0.02


def praat_segment_features(
    samples: FloatArray, sample_rate: int = ANALYSIS_RATE
) -> FloatArray | None:
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
    rate = nuclei(level, voiced_at) / duration
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
            alpha_ratio(x),
            float(voiced.mean()),
        ],
        dtype=np.float32,
    )
