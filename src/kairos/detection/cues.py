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
from kairos.detection.cue_intensity import Intensity as Intensity
from kairos.detection.cue_intensity import intensity as intensity
from kairos.detection.cue_patterns import _SEPARATORS, compile_family
from kairos.detection.cue_patterns import CompiledFamily as CompiledFamily
from kairos.detection.cue_patterns import expand as expand
from kairos.detection.cue_patterns import fold as fold
from kairos.detection.cue_patterns import prefixes as prefixes

_NEGATION_EN = (
    r"(?:\b(?:not|no|never|without|hardly|nothing)"
    r"|\b(?:do|does|did|is|was|are|were|have|has|had|wo|would|should)\s?n['’]?t)"
)


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
    #: The families to try where each trigger literal matched, filled as literals are met.
    tried: dict[str, _Chosen]


@functools.cache
def _selection(families: tuple[CompiledFamily, ...]) -> _Selection:
    """The trigger of ``families`` (built once per combination: English and one language, say)."""
    trigger, masks = _trigger(families)
    return _Selection(trigger, masks, {})


def _chosen(families: tuple[CompiledFamily, ...], mask: int) -> _Chosen:
    return tuple((i, f) for i, f in enumerate(families) if _BIT[id(f)] & mask)


def _tried(sel: _Selection, families: tuple[CompiledFamily, ...], prefix: str) -> _Chosen:
    """The families to try where ``prefix`` matched (kept for the literals themselves)."""
    mask = sel.masks.get(prefix)
    if mask is None:  # separators other than one space ("my  card", "fed-up"): not kept
        return _chosen(families, sel.masks[_SEPARATORS.sub(" ", prefix)])
    chosen = sel.tried[prefix] = _chosen(families, mask)
    return chosen


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
    tried = sel.tried
    hits: list[tuple[int, int, Hit]] = []
    ends = [0] * len(families)  # where each family's last hit ended (by its order)
    negated: set[tuple[str, int]] = set()
    for m in sel.trigger.finditer(" " + low):
        prefix = m.group(1)
        chosen = tried.get(prefix)
        if chosen is None:
            chosen = _tried(sel, families, prefix)
        pos = m.start()  # in ``low``: the match starts one character early, on the added " "
        for order, fam in chosen:
            if pos < ends[order]:
                continue
            found = fam.pattern.match(low, pos)
            if found is None:
                continue
            group = found.lastgroup
            if group is None:  # pragma: no cover - every branch is a named group
                continue
            labels, weight = fam.entries[group]
            end = found.end()
            ends[order] = end
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


def warm() -> None:
    """Build every language's trigger now rather than on its first interaction (tens of ms)."""
    for lang in LEXICONS:
        _selection(customer_families(lang))
        _selection(agent_families(lang))
