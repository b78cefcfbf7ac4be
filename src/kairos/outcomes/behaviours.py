"""Agent behaviours in a transcript, each with its evidence span.

Empathy and apology, ownership ("leave it with me"), blame and deflection, premature close
("there's nothing more I can do") and re-asks of facts the customer already gave. The detector's
agent cues (``kairos.detection``) are the first source; a few phrasings of empathy and ownership
it does not weigh are added here; blame, deflection and premature close come from
``kairos.assist.coaching.coach``, the rules that coach agents live.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kairos.assist.coaching import coach
from kairos.customers.facts import asked_facts, extract_facts
from kairos.detection import cues

KINDS: tuple[str, ...] = (
    "empathy", "ownership", "blame", "deflection", "premature_close", "reask",
)  # fmt: skip

_APOLOGY = re.compile(r"sorry|apologi|apologies|understand|must be|imagine|frustrat", re.I)

# Phrasings of empathy and ownership beside the detector's lexicon (which weighs the customer's
# reaction to them); these only need to be recognised.
_EMPATHY = re.compile(
    r"\b(?:i (?:can )?(?:completely |totally )?(?:understand|imagine)|i hear you|"
    r"(?:that's|that is|this is) (?:so |really |very )?(?:frustrating|disappointing|not okay|"
    r"not ok|not what we want)|we(?:'re| are) (?:so |very |really )?sorry|"
    r"sorry (?:to hear|for (?:the|any|this|that))|(?:i|we) apologi[sz]e)\b",
    re.I,
)
_OWNERSHIP = re.compile(
    r"\b(?:leave it with me|(?:i'll|i will|let me) (?:look into|check|sort|fix|handle|"
    r"take care of|follow up|get (?:this|that|it) (?:sorted|fixed|resolved)|rebook|refund|"
    r"escalate|make (?:this|it) right)|(?:i've|i have) (?:rebooked|refunded|fixed|sorted|"
    r"resolved|escalated|credited|passed (?:this|it) on)|i(?:'m| am) on it)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Found:
    """One behaviour with the turn it was in and the span within that turn's text."""

    kind: str
    label: str
    text: str
    start: int
    end: int
    turn: int
    event_id: str | None
    source: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON form stored with a review."""
        return {
            "kind": self.kind,
            "label": self.label,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "turn": self.turn,
            "event_id": self.event_id,
            "source": self.source,
        }


_COACH_KINDS = {"blame": "blame", "deflect": "deflection", "premature_close": "premature_close"}
# The issue names "there's nothing more I can do" a premature close; coaching files it under
# deflection (its advice is the same). The review counts it where the issue does.
_COACH_RULES = {"nothing_i_can_do": "premature_close"}


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < e and s < end for s, e in spans)


def agent_turn(text: str, *, turn: int, event_id: str | None = None) -> list[Found]:
    """Behaviours in one agent utterance."""
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, label: str, start: int, end: int, source: str) -> None:
        if _overlaps(taken, start, end):
            return
        taken.append((start, end))
        found.append(Found(kind, label, text[start:end], start, end, turn, event_id, source))

    # The same rules that coach agents live (kairos.assist.coaching) name blame, deflection
    # and premature closes here.
    for nudge in coach(text):
        kind = _COACH_RULES.get(nudge.rule) or _COACH_KINDS.get(nudge.kind)
        if kind is not None:
            add(kind, nudge.kind, nudge.start, nudge.end, "coach")
    for hit in cues.scan(text, (cues.AGENT_FAMILY,)):
        if "+".join(hit.labels) == "ownership":
            kind = "empathy" if _APOLOGY.search(hit.text) else "ownership"
            add(kind, kind, hit.start, hit.end, "detector")
    for pattern, kind in ((_EMPATHY, "empathy"), (_OWNERSHIP, "ownership")):
        for m in pattern.finditer(text):
            add(kind, kind, m.start(), m.end(), "outcomes")
    return found


def reasks(
    turns: Sequence[tuple[str, str, str | None]],
) -> list[Found]:
    """Agent turns that ask for a fact the customer already stated earlier in the conversation.

    ``turns`` are ``(speaker, text, event_id)`` in order.
    """
    known: dict[str, int] = {}
    found: list[Found] = []
    for index, (speaker, text, event_id) in enumerate(turns):
        if speaker == "customer":
            for fact in extract_facts(text):
                known.setdefault(fact.name, index)
        elif speaker == "agent":
            for name in asked_facts(text):
                if name in known:
                    found.append(
                        Found(
                            "reask",
                            name,
                            text[:160],
                            0,
                            min(len(text), 160),
                            index,
                            event_id,
                            "facts",
                        )
                    )
    return found
