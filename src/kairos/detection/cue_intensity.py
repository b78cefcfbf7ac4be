"""Intensity of customer text, measured apart from the lexicons: capitals, stretched letters and
repeated ``!``/``?``, with the span that shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from kairos.detection import lexicon


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
# What either needs at the least, found much faster than the patterns themselves (a plain
# character-class scan, substring tests): most texts have neither and skip them.
_CAPS_RUN = re.compile(r"[A-Z][A-Z'][A-Z']")
_STACKED = re.compile(r"[!?][!?]")


def intensity(text: str) -> Intensity:
    """Measure shouting (ALL CAPS words), stretched letters and ``!!``/``?!`` in a text."""
    span: tuple[int, int] | None = None
    caps = stretched = punct = 0
    # Shouting needs three capitals in a row, stacked punctuation two of "!"/"?".
    may_shout = _CAPS_RUN.search(text) is not None or _STACKED.search(text) is not None
    found = list(_SHOUT.finditer(text)) if may_shout else []
    if _STRETCH.search(text) is not None:
        shouted = [m.span() for m in found if m.lastgroup == "caps"]
        # A stretch inside a shouted word ("NOOOO") is part of the shouting, counted once.
        found.extend(
            m for m in _STRETCH.finditer(text) if not any(a <= m.start() < b for a, b in shouted)
        )
    if not found and "!" not in text:
        return _QUIET
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
