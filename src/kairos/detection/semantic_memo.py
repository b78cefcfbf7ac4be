"""The semantic tier's readings, remembered by text: a turn is read by the model once per process.

The live detector reads each customer turn as it arrives; when the contact ends, the outcomes
review replays the whole conversation through a fresh detector and would read every turn again
(on the ingest path that was the largest single cost per event). The model is a pure function
of the text, so its logits are kept in a bounded, least-recently-used memo shared by every
detector of the process: the review's replay, and a text seen before ("ok thanks"), cost a
lookup. The answers are the very arrays the model gave (made read-only), so nothing a detector
computes changes. The memo holds the turns' words: an erasure empties it
(:mod:`kairos.detection.text_memo`).

>>> class Counting:
...     version, combiner, languages = "v", None, frozenset({"en"})
...     calls = 0
...     def logits(self, text):
...         import numpy as np
...         Counting.calls += 1
...         return np.array([float(len(text))], dtype=np.float32)
>>> memo = SemanticMemo(Counting(), maxsize=2)
>>> [float(memo.logits("ok")[0]), float(memo.logits("ok")[0]), Counting.calls]
[2.0, 2.0, 1]
>>> memo.version, memo.languages
('v', frozenset({'en'}))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from kairos.detection.detector_contracts import CombinerLike, SemanticLike
from kairos.detection.text_memo import TextMemo

#: Distinct turns remembered: a few thousand contacts' worth on a busy floor, a few MB.
MAXSIZE = 16_384
#: Longer texts (a pasted email) are read each time rather than kept.
MAX_TEXT = 4_000


class SemanticMemo:
    """A :class:`SemanticLike` that reads each distinct text with the wrapped model once."""

    def __init__(self, model: SemanticLike, *, maxsize: int = MAXSIZE) -> None:
        self.model = model
        self.memo: TextMemo[Sequence[float]] = TextMemo(self._compute, maxsize=maxsize)

    def _compute(self, text: str) -> Sequence[float]:
        logits = self.model.logits(text)
        if isinstance(logits, np.ndarray):
            logits.setflags(write=False)  # shared by every detector that reads this text
        return logits

    @property
    def version(self) -> str:
        """The wrapped model's version."""
        return self.model.version

    @property
    def combiner(self) -> CombinerLike | None:
        """The wrapped model's combiner."""
        return self.model.combiner

    @property
    def languages(self) -> frozenset[str]:
        """The languages the wrapped model reads."""
        return self.model.languages

    def logits(self, text: str) -> Sequence[float]:
        """The model's logits for ``text``, read once per distinct text."""
        if len(text) > MAX_TEXT:
            return self.model.logits(text)
        return self.memo.get(text)

    def __reduce__(self) -> tuple[Any, ...]:
        # A pickled detector points at the model; the memo is the process's own, never copied.
        return (_memo_of, (self.model,))


def _memo_of(model: SemanticLike) -> SemanticMemo:
    from kairos.detection.detector_contracts import default_semantic

    shared = default_semantic()
    if isinstance(shared, SemanticMemo) and shared.model is model:
        return shared
    return SemanticMemo(model)
