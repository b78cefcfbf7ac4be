"""The cue trigger's leading literals: read past groups and apostrophes, never dropping a match."""

from __future__ import annotations

import re

import pytest

from kairos.detection import cues
from kairos.detection.cue_patterns import _phrase_to_regex, leading_literals, prefixes


@pytest.mark.parametrize(
    ("variant", "literals"),
    [
        ("i (?:need|have) to go", ("i need to go", "i have to go")),
        ("cancel(?:led)? my", ("cancelled my", "cancel my")),
        ("i'm done", ("im done", "i m done", "i'm done", "i 'm done")),
        ("can't believe", ("cant believe", "can't believe")),
        ("colou?r", ("colo",)),  # a letter made optional ends the literal, as in ``prefixes``
        ("f+u+c+k+", ("f",)),
        ("ha(?:ha)+", ("ha",)),  # a repeated group: the literal before it
        ("\\d+ hours", prefixes("\\d+ hours")),  # digits: as ``prefixes`` lists them
    ],
)
def test_leading_literals(variant: str, literals: tuple[str, ...]) -> None:
    assert leading_literals(variant) == literals


@pytest.mark.parametrize(
    "text",
    ["I'm done with you", "i m done", "im done.", "I 'm done", "can't believe it", "cant believe",
     "I need to go now", "i have  to go", "they cancelled my booking"],
)  # fmt: skip
def test_each_literal_set_covers_what_the_phrase_matches(text: str) -> None:
    """Where the phrase matches at a word start, one of its literals starts there (spaces in a
    literal stand for any run of spaces and hyphens, as in the trigger)."""
    low = cues.fold(text)
    for variant in ("i'm done", "can't believe", "i (?:need|have) to go", "cancel(?:led)? my"):
        pattern = re.compile(r"(?<![\w])" + _phrase_to_regex(variant))
        for m in pattern.finditer(low):
            said = re.sub(r"[\s\-]+", " ", low[m.start() :])
            assert any(said.startswith(lit) for lit in leading_literals(variant)), (text, variant)


def test_the_trigger_fires_on_fewer_word_starts_than_first_letters_would() -> None:
    sel = cues._selection(cues.customer_families("en"))
    # Phrases start "i'm ...", "i need ...", "you're ...", "it's ...": none goes on like these.
    assert sel.trigger.findall(" i think you said it was") == []
