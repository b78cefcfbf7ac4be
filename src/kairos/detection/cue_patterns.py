"""How a lexicon becomes regular expressions, and the folding that text is matched on.

Each phrase's syntax (``lexicon.py``) is turned into a regex, its top-level alternatives
expanded, the leading letters that may start it listed, and a whole family compiled into one
pattern of named groups (``CompiledFamily``). ``cues.py`` runs them over :func:`fold`-ed text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from kairos.detection import lexicon
from kairos.detection.assessment import CueKind

#: Which families a negation in front of a cue switches off.
_NEGATABLE: Final = frozenset({"emotion", "urgency", "stakes", "churn"})
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


#: How many groups and apostrophes after a phrase's first literal :func:`leading_literals`
#: spells out, and how many literals one phrase may list at most (past that its first literal,
#: as :func:`prefixes` reads it, stands for it).
_DEEP: Final = 3
_MAX_LITERALS: Final = 32
#: What an apostrophe of a phrase matches (``\s?['’]?``, text folded): nothing, a space, an
#: apostrophe, or both; in "n't" (``\s?n['’]?t``) the "n" is already read, and only a literal
#: that starts with the first literal is kept (a match that does not is not tried today).
_APOSTROPHE: Final = ("", " ", "'", " '")
_NT: Final = ("", "'")


def _walk(v: str, i: int, acc: str, depth: int, out: list[str]) -> None:
    """Append the literals a match of ``v[i:]`` must start with, after ``acc``, to ``out``."""
    while i < len(v):
        ch = v[i]
        optional = v[i + 1 : i + 2] in ("?", "*", "{")
        if ch.isalnum() or ch in "_&" or ch == " ":
            if optional:  # a character made optional is not part of the literal
                break
            if ch != " " or not acc.endswith(" "):
                acc += ch
            i += 1
        elif ch == "'" and depth > 0 and not optional:
            nt = acc.endswith("n") and v[i + 1 : i + 2] == "t"
            for mark in _NT if nt else _APOSTROPHE:
                _walk(v, i + 1, acc + mark if mark != " " or not acc.endswith(" ") else acc,
                      depth - 1, out)  # fmt: skip
            return
        elif v.startswith("(?:", i) and depth > 0:
            rest = v[i:]
            alternatives = expand(rest)
            if alternatives == [rest]:  # a repeated group ("(?:ha)+"): the literal before it
                break
            for alt in alternatives:
                _walk(alt, 0, acc, depth - 1, out)
            return
        else:
            break
    out.append(acc)


def leading_literals(variant: str) -> tuple[str, ...]:
    """The literals an expanded phrase must start with, read on past the groups and apostrophes
    after its first literal: ``i (?:need|have) to`` -> ``i need to``, ``i have to`` where
    :func:`prefixes` stops at ``i ``; ``i'm done`` -> ``im done``, ``i m done``, ``i'm done``,
    ``i 'm done``. Every match of the phrase that starts with its first literal starts with one
    of them, so the trigger (``cues._trigger``) fires where ``i`` starts a word only when one
    of them follows.
    """
    first = prefixes(variant)
    if len(first) != 1 or not (variant[:1].isalnum() or variant[:1] in "_&"):
        return first
    found: list[str] = []
    _walk(variant, 0, "", _DEEP, found)
    literals = tuple(dict.fromkeys(found))
    if len(literals) > _MAX_LITERALS or not all(lit.startswith(first[0]) for lit in literals):
        return first
    return literals


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
                starts.update(leading_literals(variant))
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
