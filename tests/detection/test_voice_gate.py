"""The gate's compiled energy rule (``compiled_gate``) against NumPy's energies and the rule
written frame by frame in Python.

Not NumPy's doubles to the bit: a frame's sum of squares runs in four lanes (``einsum`` adds in
its own order) and the logarithm is the C library's, so an energy may differ from NumPy's by a
few units in the last place of the sum, about 1e-14 dB at these levels. The tolerance, 1e-9 dB,
is five orders of magnitude above that and far below any real change: a sample left out, the
frame's length off by one or the 1e-10 left out each move a frame's energy by 1e-4 dB or more.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from tests.detection.voice_support import _calls

from kairos.detection.voice import batch, compiled_gate
from kairos.detection.voice.vad import VoicedGate, frame_energy

Floats = npt.NDArray[np.float64]

#: dB (see the module's docstring).
TOLERANCE = 1e-9


def _numpy_energy(frames: Floats) -> Floats:
    """The NumPy energies before the kernels."""
    db: Floats = 10.0 * np.log10(np.einsum("ij,ij->i", frames, frames) / frames.shape[1] + 1e-10)
    return db


def _rule(db: list[float], floor: float) -> tuple[list[bool], float]:
    """Frame by frame: the floor rises 3 dB a second and falls at once to a quieter frame (not
    under -85 dB); loud is 6 dB over it and over -75 dB."""
    loud = []
    for d in db:
        floor = min(floor + 0.06, max(d, -85.0))
        loud.append(d > max(floor + 6.0, -75.0))
    return loud, floor


def _frames(count: int) -> list[Floats]:
    """Real calls' 20 ms frames, quiet and loud, in blocks of 20, one list per call."""
    return [c.astype(np.float64).reshape(-1, 20, 160) for c in _calls(count, 12.0)]


def test_frame_energies_are_numpys_within_the_tolerance() -> None:
    """A stream's energies (``vad.frame_energy``) against NumPy's; a real change lies outside."""
    frames = np.concatenate(_frames(2)[0])
    rng = np.random.default_rng(4)
    noise = rng.standard_normal((50, 160)) * 10.0 ** -rng.integers(0, 6, (50, 1))
    # float32 samples, as a stream's are.
    frames = np.concatenate([frames, noise]).astype(np.float32).astype(np.float64)
    got, want = frame_energy(frames.astype(np.float32)), _numpy_energy(frames)
    assert np.abs(got - want).max() < TOLERANCE
    loud = want > -60.0
    for changed in (frames[:, 1:], frames[:, :-1] * frames[:, :-1].shape[1] / 160):
        off = _numpy_energy(changed)
        assert (np.abs(off - want)[loud] > 1e4 * TOLERANCE).mean() > 0.9


def test_odd_frames_sum_every_sample() -> None:
    """A frame of an odd length (11,025 Hz) sums its last sample too."""
    x = np.arange(1.0, 222.0).reshape(1, 221) / 221.0
    assert abs(compiled_gate.square_sum(x[0]) - float(x[0] @ x[0])) < 1e-12


def test_a_pass_decides_as_the_frame_by_frame_rule() -> None:
    """A live pass's floors and decisions (``batch.decide_together``) are the rule's on NumPy's
    energies, across blocks, with blocks of different lengths in one pass."""
    calls = _frames(6)
    gates = [VoicedGate(8000) for _ in calls]
    floors = [-60.0] * len(calls)
    seen, spoken = [], 0
    for k in range(len(calls[0])):
        blocks = [c[k][: 20 - (i % 3) * 5].astype(np.float32) for i, c in enumerate(calls)]
        decided = batch.decide_together(gates, blocks)
        for i, (block, (speech, _)) in enumerate(zip(blocks, decided, strict=True)):
            loud, floors[i] = _rule(_numpy_energy(block.astype(np.float64)).tolist(), floors[i])
            assert abs(gates[i]._floor - floors[i]) < TOLERANCE
            # Speech is loud and voiced: never a frame the energy rule left out.
            assert not (speech & ~np.array(loud)).any()
            seen.append(floors[i])
            spoken += int(speech.sum())
    # The floors moved both ways over the calls, and speech was heard.
    assert max(seen) > -60.0 and min(seen) == -85.0 and spoken > 100
