"""Which language a customer writes in: py3langid's naive Bayes model, limited to the languages
Kairos has lexicons for.

py3langid (BSD) ships its model inside the wheel and needs only NumPy; on short customer texts it
was as accurate as lingua and faster than fastText's lite model once restricted to the six
languages (``benchmarks/language_id.py``, figures in ``docs/detection.md``). Texts of fewer than
two words or a handful of letters say too little and get no answer. The detector asks only on an
interaction's first few customer turns (:class:`LanguageVote`), so the cost is paid once.
"""

from __future__ import annotations

import array
import functools
import math
import unicodedata
from collections.abc import Callable
from typing import Any, Final, Protocol

import numpy as np

#: The languages with cue lexicons, ISO 639-1; English first.
LANGUAGES: Final = ("en", "es", "de", "fr", "pt", "it")
#: Only this much of a text is read: the first sentences settle it, and the cost grows with length.
_MAX_CHARS = 64
_MIN_LETTERS = 8
# A first turn of this many words, read with at least this probability, settles the language.
_SURE_WORDS = 8
_SURE = 0.995


class _Identifier(Protocol):
    def classify(self, text: str) -> tuple[str, float]: ...


@functools.cache
def _identifier() -> _Identifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped,unused-ignore]

    ident: _Identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(LANGUAGES))  # type: ignore[attr-defined]
    # The library keeps the chosen languages' weights as a strided view: a feature's six
    # weights lie 200 kB apart, six cache misses per feature on a cold cache. Rows gathered from
    # a C-ordered copy hold the same values in the same layout (so the scores are the same to the
    # bit; ``test_fast_paths`` holds them to the library's on 20,000 real turns), each read
    # from one cache line.
    ident.nb_ptc = np.ascontiguousarray(ident.nb_ptc)  # type: ignore[attr-defined]
    # The byte walk reads two per-state tables at every byte; as lists they point to int objects
    # spread over the heap (two cache misses a read on a cold cache), as arrays of the same
    # values one: the same counts, half the walk's time inside a replay.
    for name in ("_rowbase", "tk_output"):
        table = getattr(ident, name, None)
        if isinstance(table, list):
            setattr(ident, name, array.array("q", table))
    return ident


@functools.cache
def _classifier() -> Callable[[str], tuple[str, float]]:
    """The identifier's ``classify``, or the same computation without its layers where the
    installed py3langid is the one it was written against (0.4: a walk emitting one feature per
    state, scores from ``log1p`` of the counts, probabilities normalised, no aliased labels)."""
    library = _identifier()
    ident: Any = library
    layout = ("_rowbase", "tk_nextmove", "tk_output", "_sparse_score", "_alias_pairs")
    if not all(hasattr(ident, name) for name in layout) or ident._alias_pairs:
        return library.classify
    if not getattr(ident, "_norm_probs", False) or ident.min_confidence is not None:
        return library.classify
    return functools.partial(
        _classify,
        ident.tk_nextmove,
        ident._rowbase,
        ident.tk_output,
        ident.nb_ptc,
        ident.nb_pc,
        tuple(ident.nb_classes),
    )


def _classify(
    nextmove: Any,
    rowbase: Any,
    output: Any,
    ptc: np.ndarray[Any, Any],
    pc: np.ndarray[Any, Any],
    classes: tuple[str, ...],
    text: str,
) -> tuple[str, float]:
    """py3langid's ``classify`` (``_encode``, ``visit_counts``, ``_sparse_score``, ``_decide``)
    in one frame: the same walk, the same counts in the same order and the same NumPy calls on
    them, so the same language and probability to the bit (``test_fast_paths`` holds it to the
    library on 20,000 real turns). What it leaves out is the layers: a ``Counter`` built from a
    list, four method calls, NFC normalisation of ASCII text (which it leaves unchanged)."""
    if text.isupper():
        text = text.lower()
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    data = text.encode("utf8", errors="surrogatepass")
    state = 0
    counts: dict[int, int] = {}
    seen = counts.get
    for letter in data:
        state = nextmove[rowbase[state] + letter]
        feature = output[state]
        if feature >= 0:
            counts[feature] = seen(feature, 0) + 1
    if counts:
        n = len(counts)
        idx = np.fromiter(counts.keys(), dtype=np.intp, count=n)
        visits = np.fromiter(counts.values(), dtype=np.float32, count=n)
        scores = np.log1p(visits) @ ptc[idx] + pc
    else:
        scores = np.full(len(classes), 0.0, dtype=np.float32)
    scores *= 1.0 / math.sqrt(len(data) or 1)
    np.exp(scores - scores.max(), out=scores)
    scores /= scores.sum()
    i = int(scores.argmax())
    return classes[i], float(scores[i])


def load() -> None:
    """Load the language model now (about a second) rather than on the first customer turn."""
    _classifier()


def detect_language(text: str) -> str | None:
    """The language of ``text`` among :data:`LANGUAGES`, or None when it is too short to tell."""
    found = _detect(text)
    return found[0] if found is not None else None


def _detect(text: str) -> tuple[str, float] | None:
    text = text[:_MAX_CHARS]
    if text.count(" ") < 1 or not _has_letters(text):
        return None
    return _classifier()(text)


def _has_letters(text: str) -> bool:
    """Whether ``text`` holds at least ``_MIN_LETTERS`` letters, counted only until there are
    enough (a generator over all 64 characters took 2.8 µs a turn, this 0.4)."""
    n = 0
    for c in text:
        if c.isalpha():
            n += 1
            if n >= _MIN_LETTERS:
                return True
    return False


class LanguageVote:
    """An interaction's language: the majority of its first customer turns that say enough.

    Voting stops once one language has ``settle`` votes (or after ``2 * settle - 1`` votes), so a
    long interaction costs at most a few detections; a long first turn read with near certainty
    counts as two votes.

    >>> v = LanguageVote()
    >>> for text in ("Hola, mi vuelo fue cancelado", "ok", "necesito ayuda urgente por favor"):
    ...     _ = v.add(text)
    >>> v.language
    'es'
    """

    __slots__ = ("_settle", "_votes", "language", "settled")

    def __init__(self, settle: int = 2) -> None:
        self._votes: dict[str, int] = {}
        self.language: str | None = None
        self.settled = False
        self._settle = settle

    def add(self, text: str) -> str | None:
        """Count one customer turn (unless voting is over); return the language as of now."""
        if self.settled:
            return self.language
        found = _detect(text)
        if found is None:
            return self.language
        lang, confidence = found
        votes = self._votes
        # A long first turn read with near certainty counts twice: it settles the language
        # without a second detection (most interactions never change language).
        sure = not votes and confidence >= _SURE and text.count(" ") >= _SURE_WORDS - 1
        votes[lang] = votes.get(lang, 0) + (2 if sure else 1)
        # Ties keep the earlier leader: the first turns usually state the problem at length.
        if self.language is None or votes[lang] > votes.get(self.language, 0):
            self.language = lang
        if votes[self.language] >= self._settle or sum(votes.values()) >= 2 * self._settle - 1:
            self.settled = True
        return self.language
