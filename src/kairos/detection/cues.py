"""Text cues: the lexicons compiled into one regular expression per family and language.

Each phrase becomes a named group; ``match.lastgroup`` says which phrase fired. Finding cues is
two steps: one pass of a single *trigger* pattern (a trie of every phrase's leading letters, all
families and languages together) marks the word starts where some phrase could begin, and only
there is each interested family's pattern tried with ``match``. Most words start no phrase, so a
text costs one pass however many families and languages there are. Positive cues right after a
negation ("not urgent", "no es urgente") are dropped; intensity (capitals, stretched letters,
``!!``) is measured apart.

Matching runs on :func:`fold`: lower case, accents dropped, curly apostrophes made straight, each
character kept at its index so spans point into the original text. Lexicons are written without
accents ("kundige", "resilier") and match text typed with or without them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Final

from kairos.detection import lexicon, lexicon_de, lexicon_es, lexicon_fr, lexicon_it, lexicon_pt
from kairos.detection.assessment import CueKind

#: Which families a negation in front of a cue switches off.
_NEGATABLE: Final = frozenset({"emotion", "urgency", "stakes", "churn"})

_NEGATION_EN = (
    r"(?:\b(?:not|no|never|without|hardly|nothing)"
    r"|\b(?:do|does|did|is|was|are|were|have|has|had|wo|would|should)\s?n['’]?t)"
)
_SEPARATORS = re.compile(r"[\s\-]+")
_PHRASE_TOKEN = re.compile(r"n't|'| ")

_FOLD: Final = str.maketrans(
    {
        **{c: "a" for c in "áàâäãå"},
        **{c: "e" for c in "éèêë"},
        **{c: "i" for c in "íìîï"},
        **{c: "o" for c in "óòôöõ"},
        **{c: "u" for c in "úùûü"},
        "ç": "c",
        "ñ": "n",
        "’": "'",
        "‘": "'",
    }
)


def fold(text: str) -> str:
    """Lower-case ``text``, drop accents and straighten apostrophes, keeping every index."""
    low = text.lower()
    if low.isascii():
        return low
    if len(low) != len(text):
        # A few characters lower-case to two ("İ"); keep those as they are.
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return low.translate(_FOLD)


#: Lexicon modules by ISO 639-1 code; each has the families of ``lexicon.py`` and ``NEGATION``.
LEXICONS: Final[dict[str, ModuleType]] = {
    "en": lexicon,
    "es": lexicon_es,
    "de": lexicon_de,
    "fr": lexicon_fr,
    "pt": lexicon_pt,
    "it": lexicon_it,
}
_CUSTOMER_FAMILIES: Final[tuple[tuple[CueKind, str], ...]] = (
    ("emotion", "EMOTION"),
    ("urgency", "URGENCY"),
    ("stakes", "STAKES_LEX"),
    ("churn", "CHURN"),
    ("complexity", "COMPLEXITY"),
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


@dataclass(frozen=True, slots=True, eq=False)
class CompiledFamily:
    """One family's phrases as a single pattern, with the label and weight of each group."""

    name: CueKind
    pattern: re.Pattern[str]
    entries: dict[str, tuple[tuple[str, ...], float]]
    negatable: bool
    lang: str = "en"
    #: The leading literal of every phrase: where in a text the pattern can start to match.
    prefixes: frozenset[str] = frozenset()
    negation: re.Pattern[str] | None = None


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


_DIGITS: Final = tuple("0123456789")


def prefixes(variant: str) -> tuple[str, ...]:
    """The literal text an expanded phrase must start with (a space stands for any separator).

    ``outrag(?:ed|eous)`` -> ``outrag``; ``my (?:card|wallet)`` -> ``my `` ; ``f+u+c+k+`` ->
    ``f``; ``\\d+ hours`` -> the ten digits; ``\\$\\d+`` -> ``$``. A phrase that starts with
    neither a literal nor a digit cannot be indexed and is refused.
    """
    if variant.startswith("\\d"):
        return _DIGITS
    if variant.startswith("\\") and len(variant) > 1 and not variant[1].isalnum():
        return (variant[1],)
    out: list[str] = []
    for ch in variant:
        if not (ch.isalnum() or ch in "_ &"):
            # A character made optional by the next one is not part of the prefix.
            if ch in "?*{" and out:
                out.pop()
            break
        if ch == " " and out[-1:] == [" "]:
            continue
        out.append(ch)
    if not out or out[0] == " ":
        raise ValueError(f"phrase {variant!r} does not start with a literal or a digit")
    return ("".join(out),)


def compile_family(
    name: CueKind, family: lexicon.Family, lang: str = "en", negation: str | None = None
) -> CompiledFamily:
    """Compile a family of labelled phrases into one pattern over folded text."""
    by_letter: dict[str, list[str]] = {}
    by_label: set[str] = set()
    entries: dict[str, tuple[tuple[str, ...], float]] = {}
    starts: set[str] = set()
    for label, phrases in family.items():
        labels = tuple(label.split("+"))
        for n, (phrase, weight) in enumerate(phrases):
            for k, variant in enumerate(expand(fold(phrase))):
                group = f"g{len(by_label)}_{n}_{k}"
                entries[group] = (labels, weight)
                letter, rest = _branch(variant, group)
                by_letter.setdefault(letter, []).append(rest)
                starts.update(prefixes(variant))
        by_label.add(label)
    # Speed: the regex engine rejects a branch that starts with a literal in one step, so the
    # phrases are grouped by first letter and each names its group with an empty marker at its
    # end (a named group in front would hide the literal). ``lastgroup`` is then the marker.
    branches = [
        f"{re.escape(letter)}(?:{'|'.join(rests)})" if letter else "|".join(rests)
        for letter, rests in sorted(by_letter.items(), key=lambda kv: kv[0] == "")
    ]
    pattern = re.compile(r"(?<![\w])(?:" + "|".join(branches) + r")(?![\w])")
    negatable = name in _NEGATABLE
    neg = re.compile(negation + r"\s+(?:[\w']+\s+){0,2}$") if negatable and negation else None
    return CompiledFamily(name, pattern, entries, negatable, lang, frozenset(starts), neg)


def _language_families(lang: str, module: ModuleType) -> tuple[CompiledFamily, ...]:
    negation = _NEGATION_EN if lang == "en" else module.NEGATION
    return tuple(
        compile_family(kind, getattr(module, attr), lang, negation)
        for kind, attr in _CUSTOMER_FAMILIES
    )


#: The customer families of each language.
BY_LANGUAGE: Final[dict[str, tuple[CompiledFamily, ...]]] = {
    lang: _language_families(lang, module) for lang, module in LEXICONS.items()
}
FAMILIES: Final[tuple[CompiledFamily, ...]] = BY_LANGUAGE["en"]
CUSTOMER_FAMILIES: Final = FAMILIES
#: The agent's stance (blame, ownership) per language.
AGENT_BY_LANGUAGE: Final[dict[str, CompiledFamily]] = {
    lang: compile_family("agent", module.AGENT, lang) for lang, module in LEXICONS.items()
}
AGENT_FAMILY: Final = AGENT_BY_LANGUAGE["en"]


@functools.cache
def customer_families(lang: str | None) -> tuple[CompiledFamily, ...]:
    """The families to scan a customer's words with: English's, and the language's if another.

    English stays on because customers mix it in ("refund", "ok, cancel my account").
    """
    if lang is None or lang == "en" or lang not in BY_LANGUAGE:
        return FAMILIES
    return FAMILIES + BY_LANGUAGE[lang]


@functools.cache
def agent_families(lang: str | None) -> tuple[CompiledFamily, ...]:
    """The agent families for an interaction in ``lang`` (English always included)."""
    if lang is None or lang == "en" or lang not in AGENT_BY_LANGUAGE:
        return (AGENT_FAMILY,)
    return (AGENT_FAMILY, AGENT_BY_LANGUAGE[lang])


def _numbered() -> tuple[CompiledFamily, ...]:
    every = [f for fams in BY_LANGUAGE.values() for f in fams] + list(AGENT_BY_LANGUAGE.values())
    return tuple(every)


_ALL: Final = _numbered()
_BIT: Final[dict[int, int]] = {id(f): 1 << i for i, f in enumerate(_ALL)}


def _trie_regex(words: list[str]) -> str:
    """One pattern matching the longest of ``words`` that starts where it is tried."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alts = [
            (r"[\s\-]+" if ch == " " else re.escape(ch)) + emit(child)
            for ch, child in sorted(node.items())
            if ch
        ]
        if "" in node:
            alts.append("")
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return emit(trie)


def _trigger(families: tuple[CompiledFamily, ...]) -> tuple[re.Pattern[str], dict[str, int]]:
    """One pattern for the leading literals of ``families``, and each literal's family bits."""
    own: dict[str, int] = {}
    for fam in families:
        for p in fam.prefixes:
            own[p] = own.get(p, 0) | _BIT[id(fam)]
    # The match is the longest prefix found there; every shorter prefix of it matches too.
    masks = {
        p: functools.reduce(lambda acc, k: acc | own.get(p[:k], 0), range(1, len(p) + 1), 0)
        for p in own
    }
    # Matched on " " + text: the engine skips quickly to the non-word characters, and the
    # lookahead consumes only that one, so a trigger spanning words hides none inside it.
    return re.compile(r"[\W](?=(" + _trie_regex(sorted(own)) + "))"), masks


_Chosen = tuple[tuple[int, CompiledFamily], ...]


@dataclass(frozen=True, slots=True)
class _Selection:
    """What scanning with one tuple of families needs: its trigger and which families to try."""

    trigger: re.Pattern[str]
    masks: dict[str, int]
    tried: dict[int, _Chosen]


@functools.cache
def _selection(families: tuple[CompiledFamily, ...]) -> _Selection:
    """The trigger of ``families`` (built once per combination: English and one language, say)."""
    trigger, masks = _trigger(families)
    return _Selection(trigger, masks, {})


def _chosen(families: tuple[CompiledFamily, ...], mask: int) -> _Chosen:
    return tuple((i, f) for i, f in enumerate(families) if _BIT[id(f)] & mask)


def _one_language_per_span(
    hits: list[tuple[int, int, Hit]],
    families: tuple[CompiledFamily, ...],
    negated: set[tuple[str, int]],
) -> list[tuple[int, int, Hit]]:
    """Where two languages' lexicons read the same words, keep one reading.

    A word both share ("hospital", "urgent") is one cue, the first family's; a cue inside another
    language's longer phrase of the same family gives way to it ("pas urgent" is calm, not
    "urgent"); and none survives a negation of either language ("ce n'est pas urgent").
    """
    kept: list[tuple[int, int, Hit]] = []
    seen = set(negated)
    for h in hits:
        hit = h[2]
        at = (hit.family, hit.start)
        if at in seen:
            continue
        inside = any(
            g[2].family == hit.family
            and families[g[0]].lang != families[h[0]].lang
            and g[2].start <= hit.start < g[2].end
            and g[2].end - g[2].start > hit.end - hit.start
            for g in hits
        )
        if not inside:
            seen.add(at)
            kept.append(h)
    return kept


def scan(text: str, families: tuple[CompiledFamily, ...] = FAMILIES) -> list[Hit]:
    """Every lexicon hit in ``text``, family by family (in ``families`` order), in text order
    within a family."""
    low = fold(text)
    sel = _selection(families)
    cache = sel.tried
    hits: list[tuple[int, int, Hit]] = []
    ends: dict[int, int] = {}
    negated: set[tuple[str, int]] = set()
    masks = sel.masks
    for m in sel.trigger.finditer(" " + low):
        prefix = m.group(1)
        mask = masks.get(prefix)
        if mask is None:  # separators other than one space: "my  card", "fed-up"
            mask = masks[_SEPARATORS.sub(" ", prefix)]
        chosen = cache.get(mask)
        if chosen is None:
            chosen = cache[mask] = _chosen(families, mask)
        pos = m.start()  # in ``low``: the match starts one character early, on the added " "
        for order, fam in chosen:
            fid = id(fam)
            if pos < ends.get(fid, 0):
                continue
            found = fam.pattern.match(low, pos)
            if found is None:
                continue
            group = found.lastgroup
            if group is None:  # pragma: no cover - every branch is a named group
                continue
            labels, weight = fam.entries[group]
            end = found.end()
            ends[fid] = end
            neg = fam.negation
            if neg is not None and weight > 0 and neg.search(low, max(0, pos - 30), pos):
                negated.add((fam.name, pos))
                continue
            hits.append((order, pos, Hit(fam.name, labels, weight, pos, end, text[pos:end])))
    if len(hits) > 1:
        hits.sort(key=lambda h: (h[0], h[1]))
    if len(families) > len(FAMILIES) and (len(hits) > 1 or negated):
        hits = _one_language_per_span(hits, families, negated)
    return [h[2] for h in hits]


@dataclass(frozen=True, slots=True)
class Intensity:
    """How loudly a text is written: shouting, stretched words, stacked punctuation."""

    value: float
    start: int | None
    end: int | None


_QUIET: Final = Intensity(0.0, None, None)
# Shouting and stacked punctuation start at a capital, "!" or "?", so the engine skips quickly
# over the lower-case letters; a stretched letter can start anywhere and is looked for apart.
_SHOUT = re.compile(r"(?P<punct>[!?]{2,})|(?P<caps>[A-Z](?<![\w][A-Z])[A-Z']{2,}(?![\w]))")
_STRETCH = re.compile(r"([a-zA-Z])\1\1")


def intensity(text: str) -> Intensity:
    """Measure shouting (ALL CAPS words), stretched letters and ``!!``/``?!`` in a text."""
    span: tuple[int, int] | None = None
    caps = stretched = punct = 0
    found = list(_SHOUT.finditer(text))
    shouted = [m.span() for m in found if m.lastgroup == "caps"]
    # A stretch inside a shouted word ("NOOOO") is part of the shouting, counted once.
    found.extend(
        m for m in _STRETCH.finditer(text) if not any(a <= m.start() < b for a, b in shouted)
    )
    if len(found) > 1:
        found.sort(key=lambda m: m.start())
    for m in found:
        kind = m.lastgroup
        if kind == "caps":
            word = m.group(0).rstrip("'")
            # Acronyms and a lone capitalised "I'M" are not shouting; short texts are not either.
            if word in lexicon.CAPS_EXEMPT or len(text) < 12:
                continue
            caps += 1
        elif kind is None:
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
        return _QUIET
    return Intensity(value, span[0] if span else None, span[1] if span else None)


def warm() -> None:
    """Build every language's trigger now rather than on its first interaction (tens of ms)."""
    for lang in LEXICONS:
        _selection(customer_families(lang))
        _selection(agent_families(lang))
