"""Coaching on the agent's own words: blame, deflection and a premature close, each with the
apology or ownership wording to use instead.

:func:`coach` is a pure function of one agent utterance (no database, no bus), so the desktop, the
live bus listener (:mod:`kairos.assist.live`) and the benchmark all call the same thing. Rules are
phrase patterns with guards for the readings that must not fire: "I'm sorry, that was our fault"
is ownership, not blame; "it's not your fault" is reassurance; "you should have received an email"
is information; "I'll close the case once you confirm it's fixed" is a good close.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from kairos.assist.coaching_local import _LOCAL
from kairos.assist.coaching_phrases import _RULES, NUDGE_KINDS, NudgeKind, _Rule
from kairos.detection.cues import fold
from kairos.detection.language import detect_language
from kairos.detection.text_memo import TextMemo

__all__ = ["NUDGE_KINDS", "Nudge", "NudgeKind", "coach"]


class Nudge(BaseModel):
    """Agent words that blame, deflect or close too soon, and what to say instead."""

    model_config = ConfigDict(frozen=True)

    kind: NudgeKind
    rule: str
    span: str
    start: int
    end: int
    suggestion: str


# Words just before a match that turn it around: "I'm not saying it's your fault", "if there's
# nothing else I'll close the chat", "is there nothing we can do?".
_NEGATED = re.compile(
    r"(?:\bnot|n't|\bnever|\bnone|\bnor|\bwithout)\W+(?:\w+\W+){0,2}$", re.IGNORECASE
)
_CONDITIONAL = re.compile(
    r"\b(?:if|once|when|whenever|after|unless|in case|whether|until|as soon as)\b[^.!?;]*$",
    re.IGNORECASE,
)
_QUESTIONED = re.compile(r"\b(?:is|isn't|was|wasn't|are)\s+there\s*$", re.IGNORECASE)
# After a close: the agent waits for the customer to confirm, which is the right way to close.
_CONFIRMED_LATER = re.compile(
    r"^[^.!?]{0,40}?\b(?:once|when|after|as soon as|if|until|unless)\b\s+(?:you|it|everything|"
    r"the|that|this|we|i)\b",
    re.IGNORECASE,
)


# Any phrase of any language's own rules, in one pattern: words none of them can match need no
# language (its only use here is to pick those rules), and a detection costs 50-300 us a turn.
_ANY_LOCAL = re.compile(
    "|".join(f"(?:{rule.pattern.pattern})" for rules in _LOCAL.values() for rule in rules)
)

_PUNCTUATION = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
# How far back a guard looks: the same clause, roughly.
_WINDOW = 40


def _clause_before(text: str, start: int, ends: str = ".!?;\n") -> str:
    before = text[max(0, start - _WINDOW) : start]
    # A guard never reaches across a sentence end.
    cut = max(before.rfind(c) for c in ends)
    return before[cut + 1 :] if cut >= 0 else before


def _guarded(rule: _Rule, text: str, match: re.Match[str]) -> bool:
    before = _clause_before(text, match.start())
    after = text[match.end() : match.end() + 60]
    for guard in rule.guards:
        # A negation turns around only its own clause: "that's not my department, you'll have
        # to call" still hands the customer off.
        if guard == "negated" and _NEGATED.search(_clause_before(text, match.start(), ".!?;,:\n")):
            return True
        if guard == "conditional" and _CONDITIONAL.search(before):
            return True
        if guard == "questioned" and _QUESTIONED.search(before):
            return True
        if guard == "confirmed_later" and _CONFIRMED_LATER.search(after):
            return True
    return False


def coach(text: str, language: str | None = None) -> list[Nudge]:
    """The blame, deflection and premature-close phrases in an agent's words, in text order,
    each with a suggested apology or ownership wording; empty when there is nothing to coach.

    ``language`` (ISO 639-1) is the interaction's; without it the text's own is detected. The
    English rules always apply, a language's own rules (and suggestions in it) as well.

    A pure function of its arguments, remembered per distinct text: the live listener coaches
    each agent turn as it is applied and the outcomes review reads the same turns again when
    the contact ends (the nudges are frozen, shared; each caller gets its own list). The memo
    is emptied when a customer is erased (:mod:`kairos.detection.text_memo`).
    """
    if not text:
        return []
    if len(text) > _MEMO_TEXT:
        return list(_coach(text, language))
    return list(_remembered.get(text, language))


def _coach(text: str, language: str | None) -> tuple[Nudge, ...]:
    folded = fold(text)
    if language is None and _ANY_LOCAL.search(folded) is not None:
        language = detect_language(text)
    # Same length, so offsets point into the original text.
    normalised = text.translate(_PUNCTUATION)
    found: list[Nudge] = []
    passes: list[tuple[tuple[_Rule, ...], str]] = [(_RULES, normalised)]
    if language in _LOCAL:
        passes.append((_LOCAL[language], folded))
    for rules, subject in passes:
        for rule in rules:
            for match in rule.pattern.finditer(subject):
                if match.end() == match.start() or _guarded(rule, subject, match):
                    continue
                found.append(
                    Nudge(
                        kind=rule.kind,
                        rule=rule.name,
                        span=text[match.start() : match.end()],
                        start=match.start(),
                        end=match.end(),
                        suggestion=rule.suggestion,
                    )
                )
    # Where two rules claim overlapping words, the earlier, longer phrase speaks for both.
    found.sort(key=lambda n: (n.start, -(n.end - n.start)))
    kept: list[Nudge] = []
    for nudge in found:
        if kept and nudge.start < kept[-1].end:
            continue
        kept.append(nudge)
    return tuple(kept)


#: Distinct agent turns remembered (a few thousand contacts' worth); longer texts are read again.
_MEMO_SIZE = 8_192
_MEMO_TEXT = 4_000
_remembered: TextMemo[tuple[Nudge, ...]] = TextMemo(_coach, maxsize=_MEMO_SIZE)
