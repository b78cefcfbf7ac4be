"""The functionals of many segments at once: pitch, loudness, perturbation, rate and effort.

``features.features_together`` picks the pitch of every window of every segment closed in one
pass; this turns those pitch tracks and the segments' samples into each segment's ``FEATURES``:
the pitch and harmonics-to-noise values of the voiced windows through NumPy's logarithms (one
call each for all segments), the loudness of 32 ms windows every 10 ms (each the pairwise sum
of 16 runs of 16 samples' energies, ``compiled_functionals.loudness_power``) through NumPy's
``log10``, and the rest (deciles, jitter and shimmer, syllable nuclei, band energies, voicing)
in one compiled loop over the segments (``compiled_functionals.segment_functionals``). The
compiled loops repeat the NumPy code they replaced operation for operation, sums in NumPy's
pairwise order, so every feature is the one it gave, to the bit
(``tests/detection/voice_reference_functionals.py`` keeps that code as the reference), and a
segment measured with others gets what it gets alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from kairos.detection.voice import compiled_functionals as compiled
from kairos.detection.voice.codecs import FloatArray
from kairos.detection.voice.frames import Windows, plan

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]

ANALYSIS_RATE = 8000
_PLAN = plan(ANALYSIS_RATE)
_WIN = _PLAN.win  # 40 ms
_HOP = _PLAN.frame  # 20 ms
_PITCH_RATE = _PLAN.lag_rate
_LOUD_WIN = 256  # 32 ms, as Praat's intensity at a 100 Hz minimum pitch
_LOUD_HOP = 80  # 10 ms
_REF = 4e-10  # (20 µPa)^2: dB as Praat reports intensity
#: Loudness windows are summed from runs of this many samples (a divisor of hop and window).
_BLOCK = math.gcd(_LOUD_HOP, _LOUD_WIN)


#: A segment as parts laid end to end: its windows' blocks and its samples' blocks (at 8 kHz).
Parts = tuple[Sequence[Windows], Sequence[npt.NDArray[np.floating]]]


def functionals_together(
    segments: Sequence[Parts],
    lag: Floats,
    strength: Floats,
    amplitude: Floats,
) -> list[FloatArray | None]:
    """Each segment's ``FEATURES`` (its windows and samples at 8 kHz, as parts) from its
    windows' pitch period ``lag``, periodicity ``strength`` (0 unvoiced) and ``amplitude``,
    concatenated in the segments' order; None for a segment with fewer than three voiced
    windows."""
    voiced = strength > 0
    # The logarithms stay NumPy's (its vectorised ones may round otherwise than the C library).
    semitones = 12.0 * np.log2(_PITCH_RATE / lag[voiced] / 100.0)
    r = np.minimum(np.maximum(strength[voiced], 1e-3), 0.999)
    hnr = 10.0 * np.log10(r / (1.0 - r))
    xs = [x for _, parts in segments for x in parts]
    sizes = [sum(len(x) for x in parts) for _, parts in segments]
    samples = np.concatenate(xs, dtype=np.float64) if len(xs) > 1 else _doubles(xs[0])
    power, level_at = compiled.loudness_power(
        samples, _starts(sizes), _LOUD_WIN, _LOUD_HOP, _BLOCK, _REF
    )
    level = np.log10(power, out=power)
    level *= 10.0
    parts = [w.bands for ws, _ in segments for w in ws]
    values = compiled.segment_functionals(
        _starts([sum(len(w) for w in ws) for ws, _ in segments]),
        np.ascontiguousarray(lag),
        np.ascontiguousarray(amplitude),
        voiced,
        semitones,
        hnr,
        level,
        level_at,
        np.concatenate(parts) if len(parts) > 1 else np.ascontiguousarray(parts[0]),
        np.array([n / ANALYSIS_RATE for n in sizes]),
        _LOUD_HOP,
        _LOUD_WIN // 2 - _WIN // 2,
        _HOP,
    )
    # A segment with too little voicing is a row of NaN (its voicing is never NaN otherwise).
    measured = (~np.isnan(values[:, 9])).tolist()
    return [f if ok else None for f, ok in zip(values.astype(np.float32), measured, strict=True)]


def _starts(lengths: list[int]) -> Ints:
    """Where each of parts of ``lengths`` starts when they are laid end to end."""
    return np.cumsum([0, *lengths[:-1]])


def _doubles(x: npt.NDArray[np.floating]) -> Floats:
    """``x`` as contiguous float64."""
    return np.ascontiguousarray(x, dtype=np.float64)


def nuclei(level: Floats, voiced: npt.NDArray[np.bool_]) -> int:
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
