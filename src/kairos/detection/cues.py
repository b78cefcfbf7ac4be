"""Text cues: the lexicons of ``lexicon.py`` compiled into one regular expression per family.

Each phrase becomes a named group; ``match.lastgroup`` says which phrase fired, so one pass of
one pattern finds every cue of a family. Positive cues right after a negation ("not urgent",
"I'm not angry") are dropped; intensity (capitals, stretched letters, ``!!``) is measured apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from kairos.detection import lexicon
from kairos.detection.assessment import CueKind

#: Which families a negation in front of a cue switches off.
_NEGATABLE: Final = frozenset({"emotion", "urgency", "stakes", "churn"})

_NEGATION = re.compile(
    r"(?:\b(?:not|no|never|without|hardly|nothing)"
    r"|\b(?:do|does|did|is|was|are|were|have|has|had|wo|would|should)\s?n['’]?t)"
    r"\s+(?:[\w']+\s+){0,2}$"
)
_PHRASE_TOKEN = re.compile(r"n't|'| ")
_LOUD = re.compile(
    r"(?P<caps>(?<![\w])[A-Z][A-Z']{2,}(?![\w]))|(?P<stretch>([a-zA-Z])\3\3)|(?P<punct>[!?]{2,})"
)


@dataclass(frozen=True, slots=True)
class Hit:
    """One phrase of a lexicon found in a text, with its span."""

    family: CueKind
    labels: tuple[str, ...]
    weight: float
    start: int
    end: int
    text: str


def _phrase_to_regex(phrase: str) -> str:
    def token(m: re.Match[str]) -> str:
        t = m.group(0)
        if t == "n't":
            return r"\s?n['’]?t"
        if t == "'":
            return r"\s?['’]?"
        return r"[\s\-]+"

    return _PHRASE_TOKEN.sub(token, phrase)


@dataclass(frozen=True, slots=True)
class CompiledFamily:
    """One family's phrases as a single pattern, with the label and weight of each group."""

    name: CueKind
    pattern: re.Pattern[str]
    entries: dict[str, tuple[tuple[str, ...], float]]
    negatable: bool


def _branch(phrase: str, group: str) -> tuple[str, str]:
    """The first letter a phrase must start with ("" when it has none) and the rest of it."""
    body = _phrase_to_regex(phrase)
    first, second = body[:1], body[1:2]
    if first.isalnum() and second not in ("?", "*", "+", "{"):
        return first, f"{body[1:]}(?P<{group}>)"
    return "", f"(?:{body})(?P<{group}>)"


def _split_top(phrase: str) -> list[str]:
    """Split a phrase at the ``|`` that lie outside every group."""
    depth = 0
    parts: list[str] = []
    cur: list[str] = []
    for ch in phrase:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "|" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _close_paren(phrase: str) -> int:
    depth = 0
    for i, ch in enumerate(phrase):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return i
    raise ValueError(f"unbalanced phrase {phrase!r}")


def expand(phrase: str) -> list[str]:
    """Spell out a phrase's top-level and leading alternatives, so each starts with a letter."""
    parts = _split_top(phrase)
    if len(parts) > 1:
        return [e for p in parts for e in expand(p)]
    if not phrase.startswith("(?:"):
        return [phrase]
    j = _close_paren(phrase)
    rest = phrase[j + 1 :]
    optional = rest.startswith("?")
    rest = rest[1:] if optional else rest
    if rest[:1] in ("*", "+", "{"):
        return [phrase]
    out = [alt + rest for alt in _split_top(phrase[3:j])] + ([rest] if optional else [])
    return [e for o in out for e in expand(o)]


def compile_family(name: CueKind, family: lexicon.Family) -> CompiledFamily:
    """Compile a family of labelled phrases into one pattern over lower-cased text."""
    by_letter: dict[str, list[str]] = {}
    by_label: set[str] = set()
    entries: dict[str, tuple[tuple[str, ...], float]] = {}
    for label, phrases in family.items():
        labels = tuple(label.split("+"))
        for n, (phrase, weight) in enumerate(phrases):
            for k, variant in enumerate(expand(phrase.lower())):
                group = f"g{len(by_label)}_{n}_{k}"
                entries[group] = (labels, weight)
                letter, rest = _branch(variant, group)
                by_letter.setdefault(letter, []).append(rest)
        by_label.add(label)
    # Speed: the regex engine rejects a branch that starts with a literal in one step, so the
    # phrases are grouped by first letter and each names its group with an empty marker at its
    # end (a named group in front would hide the literal). ``lastgroup`` is then the marker.
    branches = [
        f"{re.escape(letter)}(?:{'|'.join(rests)})" if letter else "|".join(rests)
        for letter, rests in sorted(by_letter.items(), key=lambda kv: kv[0] == "")
    ]
    pattern = re.compile(r"(?<![\w])(?:" + "|".join(branches) + r")(?![\w])")
    return CompiledFamily(name, pattern, entries, name in _NEGATABLE)


FAMILIES: Final[tuple[CompiledFamily, ...]] = (
    compile_family("emotion", lexicon.EMOTION),
    compile_family("urgency", lexicon.URGENCY),
    compile_family("stakes", lexicon.STAKES_LEX),
    compile_family("churn", lexicon.CHURN),
    compile_family("complexity", lexicon.COMPLEXITY),
)
CUSTOMER_FAMILIES: Final = FAMILIES
AGENT_FAMILY: Final = compile_family("agent", lexicon.AGENT)


def _negated(text: str, start: int) -> bool:
    return _NEGATION.search(text, max(0, start - 30), start) is not None


def fold(text: str) -> str:
    """Lower-case ``text`` keeping every character at its index, so spans stay valid."""
    low = text.lower()
    if len(low) == len(text):
        return low
    # A few characters lower-case to two ("İ"); keep those as they are.
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def scan(text: str, families: tuple[CompiledFamily, ...] = FAMILIES) -> list[Hit]:
    """Every lexicon hit in ``text``, family by family, in text order within a family."""
    hits: list[Hit] = []
    low = fold(text).replace("’", "'")
    for fam in families:
        entries = fam.entries
        for m in fam.pattern.finditer(low):
            group = m.lastgroup
            if group is None:  # pragma: no cover - every branch is a named group
                continue
            labels, weight = entries[group]
            start, end = m.span()
            if fam.negatable and weight > 0 and _negated(low, start):
                continue
            hits.append(Hit(fam.name, labels, weight, start, end, text[start:end]))
    return hits


@dataclass(frozen=True, slots=True)
class Intensity:
    """How loudly a text is written: shouting, stretched words, stacked punctuation."""

    value: float
    start: int | None
    end: int | None


def intensity(text: str) -> Intensity:
    """Measure shouting (ALL CAPS words), stretched letters and ``!!``/``?!`` in a text."""
    span: tuple[int, int] | None = None
    caps = stretched = punct = 0
    for m in _LOUD.finditer(text):
        kind = m.lastgroup
        if kind == "caps":
            word = m.group(0).rstrip("'")
            # Acronyms and a lone capitalised "I'M" are not shouting; short texts are not either.
            if word in lexicon.CAPS_EXEMPT or len(text) < 12:
                continue
            caps += 1
        elif kind == "stretch":
            # Three of a letter outside "www" and roman numerals is someone stretching a word.
            if m.group(0)[0].lower() in "wxi":
                continue
            stretched += 1
        else:
            punct += 1
        span = span or m.span()
    bangs = text.count("!")
    value = min(1.0, 0.22 * min(caps, 4) + 0.2 * stretched + 0.25 * punct + 0.08 * bangs)
    if value <= 0.0:
        return Intensity(0.0, None, None)
    return Intensity(value, span[0] if span else None, span[1] if span else None)
