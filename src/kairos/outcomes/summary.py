"""The written summary of a contact, extractive and offline: what the customer needed, what was
done, what was promised and by when, what is still open. Every line is a sentence somebody said,
kept with the turn it came from (its evidence), so a reader can check it against the transcript.

No model is hosted or downloaded: sentences are chosen by what they say (a request, an action
done, a commitment with its time, a problem still there) and where (the customer's opening, the
agent's last word). ``benchmarks/summary.py`` measures it against human summaries (DialogSum,
ROUGE) beside the lead-sentences baseline.

>>> turns = [
...     Turn("customer", "Hi. I was charged twice for one order, can you refund one?", "e1"),
...     Turn("agent", "Sorry about that. I have refunded the second charge.", "e2"),
...     Turn("agent", "You will see it on your statement within 5 working days.", "e3"),
... ]
>>> for line in summarize(turns, resolved=True).lines:
...     print(line.part, "|", line.text, "|", line.event_id)
needed | I was charged twice for one order, can you refund one? | e1
done | I have refunded the second charge. | e2
promised | You will see it on your statement within 5 working days. | e3
>>> summarize(turns, resolved=True).lines[2].when
'within 5 working days'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

PARTS = ("needed", "done", "promised", "open")
#: A part's heading, as the desktop and the review show it.
HEADINGS = {
    "needed": "What the customer needed",
    "done": "What was done",
    "promised": "What was promised, and by when",
    "open": "Still open",
}

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“(])")
_GREETING = re.compile(
    r"^(?:hi|hello|hey|good (?:morning|afternoon|evening)|thanks?|thank you|ok(?:ay)?|yes|no|"
    r"sure|right|great|bye|goodbye|sorry)\b[\s,.!?]*$",
    re.I,
)
_NEED = re.compile(
    r"\b(?:i need|i want|i'd like|i would like|i'm looking for|i am looking for|can you|could you|"
    r"would you|please|help|problem|issue|wrong|broken|not working|doesn't work|cancel|refund|"
    r"charged|lost|missed|cancelled|canceled|delayed|how (?:do|can)|why|where|when)\b|\?",
    re.I,
)
_DONE = re.compile(
    r"\b(?:i(?:'ve| have)|we(?:'ve| have)|it(?:'s| has| is) been|has been|have been|i just|"
    r"all set|done|sorted|fixed|here (?:is|are)|i(?:'m| am) (?:sending|booking|processing))\b",
    re.I,
)
_PROMISE = re.compile(
    r"\b(?:i'll|i will|we'll|we will|you'll|you will|you should|going to|will (?:be|get|receive|"
    r"arrive|call|send|email)|call you back|get back to you|follow up|within|by (?:tomorrow|"
    r"tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|the end|\d))\b",
    re.I,
)
_WHEN = re.compile(
    r"\b(?:within [\w\s-]{1,25}?(?=[,.;!?]|$)|by (?:tomorrow|tonight|the end of \w+|"
    r"(?:next )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|\d{1,2}(?::\d\d)?"
    r"\s*(?:am|pm)?)|tomorrow|tonight|today|next \w+|in \d+ \w+|at \d{1,2}(?::\d\d)?\s*(?:am|pm)?)",
    re.I,
)
_STILL = re.compile(
    r"\b(?:still|not yet|hasn't|haven't|isn't|doesn't|won't|can't|no one|nobody|again|"
    r"not resolved|not fixed|unacceptable)\b|\?",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Turn:
    """One utterance: who said it (customer or agent), what, and its event (the evidence)."""

    speaker: str
    text: str
    event_id: str | None = None
    seq: int | None = None


@dataclass(frozen=True, slots=True)
class SummaryLine:
    """One sentence of the summary, the part it answers, and the turn it came from."""

    part: str
    text: str
    speaker: str
    event_id: str | None
    seq: int | None
    when: str | None = None


@dataclass
class Summary:
    """A contact's summary: lines in the order of :data:`PARTS`."""

    lines: list[SummaryLine] = field(default_factory=list)

    def part(self, name: str) -> list[SummaryLine]:
        """The lines of one part."""
        return [line for line in self.lines if line.part == name]

    @property
    def text(self) -> str:
        """The summary as plain prose, one sentence after another."""
        return " ".join(line.text for line in self.lines)


def sentences(text: str) -> list[str]:
    """A turn split into sentences, greetings and fillers dropped."""
    parts = [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]
    return [s for s in parts if not _GREETING.match(s) and len(s.split()) >= 3]


def _pick(
    turns: Sequence[Turn], speaker: str, pattern: re.Pattern[str], *, most: int, last: bool
) -> list[tuple[Turn, str]]:
    found = [
        (t, s)
        for t in turns
        if t.speaker == speaker
        for s in sentences(t.text)
        if pattern.search(s)
    ]
    return found[-most:] if last else found[:most]


def summarize(turns: Sequence[Turn], *, resolved: bool | None = None) -> Summary:
    """The contact's summary from its turns (customer and agent; others are ignored).

    ``resolved``: how it ended, when known; an unresolved or unknown ending keeps the customer's
    last unanswered problem as "still open".
    """
    out = Summary()
    used: set[str] = set()

    def add(part: str, picked: list[tuple[Turn, str]]) -> None:
        for turn, sentence in picked:
            if sentence in used:
                continue
            used.add(sentence)
            when = _WHEN.search(sentence) if part == "promised" else None
            out.lines.append(
                SummaryLine(part, sentence, turn.speaker, turn.event_id, turn.seq,
                            when.group(0).strip() if when else None)
            )  # fmt: skip

    needed = _pick(turns, "customer", _NEED, most=1, last=False)
    if not needed:  # no request said in so many words: the customer's first sentence
        needed = [(t, s) for t in turns if t.speaker == "customer" for s in sentences(t.text)][:1]
    add("needed", needed)
    add("done", _pick(turns, "agent", _DONE, most=2, last=True))
    add("promised", _pick(turns, "agent", _PROMISE, most=2, last=True))
    if resolved is not True:
        add("open", _pick(turns, "customer", _STILL, most=1, last=True))
    order = {name: i for i, name in enumerate(PARTS)}
    out.lines.sort(key=lambda line: order[line.part])
    return out


def lead(turns: Sequence[Turn], count: int = 3) -> str:
    """The baseline: the first ``count`` sentences said, whoever said them."""
    said = [s for t in turns for s in sentences(t.text)]
    return " ".join(said[:count])
