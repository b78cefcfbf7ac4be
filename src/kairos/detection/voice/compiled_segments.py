"""Each stream's segment state over a live pass's decisions, compiled: one loop for every
stream of the pass.

``Segmenter._step`` runs a stream's open segment (its first frame, speech frames and trailing
pause) over a block's twenty decisions in Python: a live pass of 32 streams made 32 lists of
decisions and ran 32 such loops. ``steps_into`` runs the same state machine, decision by
decision, over every row of the pass's decision array at once, and writes the segments each
row closed. The values are integers and the rule is the same, so the segments are the same
(``test_voice_segments.py`` checks it against ``Segmenter._step``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kairos.detection.voice.compiled import _jit

Ints = npt.NDArray[np.intp]
Bools = npt.NDArray[np.bool_]

#: The columns of ``steps_into``'s state: frames judged, the open segment's first frame (-1
#: when none is open), its speech frames and its trailing non-speech frames.
FRAMES, OPEN, SPEECH, GAP = 0, 1, 2, 3


@_jit
def steps_into(
    speech: Bools, counts: Ints, state: Ints, pause: int, longest: int, closed: Ints, n_closed: Ints
) -> None:
    """Row ``r``: ``Segmenter._step`` over ``speech[r, :counts[r]]`` from ``state[r]`` (``FRAMES``,
    ``OPEN``, ``SPEECH``, ``GAP``), which it leaves as the row's state after them; the segments
    closed, ``(start, stop, speech frames)``, into ``closed[r, :n_closed[r]]``."""
    for r in range(speech.shape[0]):
        f, seg, n_speech, gap = state[r, 0], state[r, 1], state[r, 2], state[r, 3]
        k = 0
        for j in range(counts[r]):
            voiced = speech[r, j]
            f += 1
            if seg < 0:
                if not voiced:
                    continue
                seg, n_speech, gap = f - 1, 0, 0
            if voiced:
                n_speech += 1
                gap = 0
            else:
                gap += 1
                if gap >= pause:
                    closed[r, k, 0], closed[r, k, 1], closed[r, k, 2] = seg, f - gap, n_speech
                    k += 1
                    seg = -1
                    continue
            if f - seg >= longest:
                closed[r, k, 0], closed[r, k, 1], closed[r, k, 2] = seg, f, n_speech
                k += 1
                seg = -1
        state[r, 0], state[r, 1], state[r, 2], state[r, 3] = f, seg, n_speech, gap
        n_closed[r] = k


def warm() -> None:
    """Compile (or load from the cache) the kernel on values of the types a live pass passes."""
    speech = np.ones((2, 4), dtype=np.bool_)
    state = np.zeros((2, 4), dtype=np.intp)
    state[:, OPEN] = -1
    closed = np.zeros((2, 4, 3), dtype=np.intp)
    steps_into(speech, np.array([4, 3], dtype=np.intp), state, 12, 40, closed, np.zeros(2, np.intp))
