"""The voice-activity gate's energy rule, compiled: each frame's energy, its logarithm, the
noise floor and the decision in one loop.

A live pass judged these in about a dozen NumPy calls over a streams x frames array (the
frames' energies, their logarithms, a running minimum for the floors, the comparisons), and the
energies read every sample once more after the decimation had. Now the decimation adds each
frame's sum of squares as it reads the samples (``compiled_spectra.decimate_into``), and one
loop here takes each frame in one step: ``10 log10(sum / frame + 1e-10)``, the floor
``min(previous floor + rise, max(energy, -85))`` and the decision ``energy > max(floor + 6,
-75)``.

Not NumPy's doubles to the bit: the sums run pair by pair in four lanes (``square_sum``, not
``einsum``'s order), the logarithm is the C library's and the floor is the recursion itself
(NumPy computed it as a running minimum of ``max(energy, -85) - j * rise`` shifted back, which
rounds otherwise), so an energy differs from NumPy's in the last bits. A stream fed alone
(``Segmenter._judge``: ``vad.frame_energy`` then ``VoicedGate.decide``) and a live pass
(``batch.decide_together``) add the same sums in the same order and go through the same rule,
so they agree to the bit.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from kairos.detection.voice.compiled import _jit

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]
Bools = npt.NDArray[np.bool_]

#: The floor never falls below this (dB), a frame is never loud under ``QUIET`` and needs
#: ``OVER`` dB above the floor.
FLOOR_MIN = -85.0
QUIET = -75.0
OVER = 6.0


@_jit
def square_sum(x: Floats) -> float:
    """``x``'s sum of squares, pair by pair (samples ``2q`` and ``2q + 1``), the pairs in four
    running sums (pair ``q`` into sum ``q % 4`` while four pairs remain) combined as a tree,
    then the last pairs and an odd last sample in order: the order in which
    ``compiled_spectra.decimate_into`` adds a frame while it decimates it."""
    pairs = len(x) // 2
    a0 = a1 = a2 = a3 = 0.0
    q = 0
    while q + 4 <= pairs:
        i = 2 * q
        a0 += x[i] * x[i] + x[i + 1] * x[i + 1]
        a1 += x[i + 2] * x[i + 2] + x[i + 3] * x[i + 3]
        a2 += x[i + 4] * x[i + 4] + x[i + 5] * x[i + 5]
        a3 += x[i + 6] * x[i + 6] + x[i + 7] * x[i + 7]
        q += 4
    total = (a0 + a1) + (a2 + a3)
    while q < pairs:
        total += x[2 * q] * x[2 * q] + x[2 * q + 1] * x[2 * q + 1]
        q += 1
    if len(x) % 2:
        total += x[-1] * x[-1]
    return total


@_jit
def _db(total: float, frame: int) -> float:
    """``10 log10(total / frame + 1e-10)``: a frame's energy from its sum of squares."""
    mean = total / frame
    mean += 1e-10
    return math.log10(mean) * 10.0


@_jit
def frame_energy(frames: Floats) -> Floats:
    """Each row's ``10 log10(mean square + 1e-10)``."""
    out = np.empty(frames.shape[0])
    for j in range(frames.shape[0]):
        out[j] = _db(square_sum(frames[j]), frames.shape[1])
    return out


@_jit
def floor_into(db: Floats, floor: float, rise: float, loud: Bools) -> float:
    """The floor frame by frame from ``floor`` (the one before ``db[0]``), each frame's
    decision into ``loud``; the floor at the last frame."""
    for j in range(len(db)):
        e = db[j]
        floor += rise
        # ``max(e, FLOOR_MIN)`` as ``np.maximum``: NaN stays NaN (and then stays the floor).
        low = e if e >= FLOOR_MIN or e != e else FLOOR_MIN
        if low < floor or low != low:
            floor = low
        over = floor + OVER
        loud[j] = e > (over if over >= QUIET else QUIET)
    return floor


@_jit
def gate_into(
    sums: Floats, frame: int, counts: Ints, floors: Floats, rise: float, db: Floats, loud: Bools
) -> None:
    """Row ``r`` of a pass: its first ``counts[r]`` frames (their sums of squares in
    ``sums[r]``, ``frame`` samples each) judged from the floor ``floors[r]``, their energies
    into ``db[r]`` and decisions into ``loud[r]`` (False past ``counts[r]``); ``floors[r]``
    becomes the floor at its last frame."""
    for r in range(sums.shape[0]):
        c = counts[r]
        row = db[r]
        for j in range(c):
            row[j] = _db(sums[r, j], frame)
        floors[r] = floor_into(row[:c], floors[r], rise, loud[r, :c])
        for j in range(c, sums.shape[1]):
            loud[r, j] = False


def warm() -> None:
    """Compile (or load from the cache) these kernels on values of the types the gate passes."""
    frame_energy(np.ones((4, 8)))
    loud = np.zeros((2, 4), dtype=np.bool_)
    floor_into(np.zeros(4), -60.0, 0.06, loud[0])
    counts = np.array([4, 3], dtype=np.intp)
    # A live pass's sums: a view past each row's previous frame.
    gate_into(np.ones((2, 5))[:, 1:], 8, counts, np.zeros(2), 0.06, np.zeros((2, 4)), loud)
