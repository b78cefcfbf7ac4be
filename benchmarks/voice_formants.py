"""Formants as an eleventh voice feature: a cue to the speaker's build that needs no baseline.

Usage: python benchmarks/voice_formants.py

The candidates and the rule they had to pass were written down before any run (docs/voice.md,
"Formants as a register cue, tried"). The vocal tract's size shows in its formants (formant
dispersion, Fitch 1997: a longer tract, more closely spaced formants), so a model could judge
pitch relative to the speaker's build without the caller's baseline; F1 also rises with vocal
effort. Each candidate is measured on every segment exactly as the ten features see it (8 kHz
μ-law, the features' 40 ms windows every 20 ms and their pitch track), from an order-10 LPC of
the voiced windows, and compared by ``voice_register.compare``: each alone as an eleventh feature,
then the best two together, cross-validated as ``kairos train-voice`` does and tested on the
espeak-ng voices. The first row, the ten features alone, must reproduce the shipped figures; the
shipped code and model are not changed.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from rich.console import Console
from voice_register import compare

from kairos.detection.voice import features
from kairos.detection.voice.frames import plan

Floats = npt.NDArray[np.float64]
FORMANT_CANDIDATES = ("f1_hz", "formant_dispersion_hz", "f0_rel_dispersion_st")
RATE = 8000
ORDER = 10
PRE_EMPHASIS = 0.97
#: A root of the predictor is a formant when its frequency is in this band (Hz, both ends in)...
FORMANT_BAND = (90.0, 3800.0)
#: ... and its bandwidth under this (Hz).
MAX_BANDWIDTH = 400.0
#: The candidates read the formants above this (Hz).
F1_FLOOR = 200.0
_PLAN = plan(RATE)
_HANN = np.hanning(_PLAN.win)


def formant_candidates(x: Floats) -> Floats:
    """The three candidates of one segment's 8 kHz μ-law samples (NaN where undefined)."""
    out = np.full(len(FORMANT_CANDIDATES), np.nan)
    if len(x) < _PLAN.win:
        return out
    windows = _PLAN.of_samples(x)
    lag, strength = features._pitch(windows.r, windows.amplitude, [len(windows)])
    voiced = strength > 0
    if voiced.sum() < 3:
        return out
    found = formants(x, voiced.nonzero()[0])
    found = found[found > F1_FLOOR]
    if len(found) >= 1:
        out[0] = found[0]
    if len(found) >= 4:
        out[1] = (found[3] - found[0]) / 3.0
        pitch = float(np.median(_PLAN.lag_rate / lag[voiced]))
        out[2] = 12.0 * math.log2(pitch / out[1])
    return out


def formants(x: Floats, rows: npt.NDArray[np.intp]) -> Floats:
    """The formants (Hz, ascending) of the 40 ms windows ``rows`` of ``x`` (window ``j`` starts
    at frame ``j``): each pre-emphasised and Hann-windowed, their autocorrelations summed, an
    order-10 predictor by Levinson-Durbin, and its roots of positive angle in the formant band
    with a narrow enough bandwidth."""
    idx = _PLAN.frame * rows[:, None] + np.arange(_PLAN.win)[None, :]
    seg = x[idx]
    y = seg.copy()
    y[:, 1:] -= PRE_EMPHASIS * seg[:, :-1]
    y *= _HANN
    r = np.array([np.einsum("ij,ij->", y[:, : y.shape[1] - k], y[:, k:]) for k in range(ORDER + 1)])
    a = levinson(r, ORDER)
    if a is None:
        return np.zeros(0)
    roots = np.roots(a)
    roots = roots[np.angle(roots) > 0]
    freq = np.angle(roots) * RATE / (2.0 * math.pi)
    bandwidth = -RATE / math.pi * np.log(np.abs(roots))
    keep = (freq >= FORMANT_BAND[0]) & (freq <= FORMANT_BAND[1]) & (bandwidth < MAX_BANDWIDTH)
    return np.sort(freq[keep])


def levinson(r: Floats, order: int) -> Floats | None:
    """The prediction-error filter ``1, a1 .. a_order`` of the autocorrelation ``r`` (Levinson-
    Durbin); None when ``r`` holds no energy or the recursion breaks down."""
    if not r[0] > 0:
        return None
    a = np.zeros(order + 1)
    a[0] = 1.0
    error = r[0]
    for i in range(1, order + 1):
        k = -(r[i] + a[1:i] @ r[i - 1 : 0 : -1]) / error
        a[1 : i + 1] = a[1 : i + 1] + k * a[i - 1 :: -1][:i]
        error *= 1.0 - k * k
        if not error > 0:
            return None
    return a


def main(console: Console) -> None:
    """Measure every candidate and print one table."""
    compare(console, formant_candidates, FORMANT_CANDIDATES)


if __name__ == "__main__":
    main(Console(width=200))
