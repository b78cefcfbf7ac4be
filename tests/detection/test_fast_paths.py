"""The detector's shortcuts give what the plain computation gives, on 20,000 real turns.

The speed work on the fast tier (``benchmarks/detector_speed.py``) must not move a single
assessment, or the quality figures measured before it would no longer hold: the text model's
``predict`` is checked against the sigmoid of its reference ``logits``, and the deadline finder's
pre-checks against running every pattern family on every text.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from kairos.detection.deadlines import find_deadlines
from kairos.detection.model import load_default
from kairos.replay import read_threads, threads_path

N = 20_000


@pytest.fixture(scope="module")
def turns() -> list[str]:
    path = threads_path()
    if path is None:
        pytest.skip("the shared airline threads are absent")
    texts: list[str] = []
    for thread in read_threads(path):
        texts.extend(turn.text for turn in thread.turns)
        if len(texts) >= N:
            break
    return texts[:N]


def test_predict_equals_the_reference_logits(turns: list[str]) -> None:
    model = load_default()
    if model is None:
        pytest.skip("no text model shipped")
    for text in [*turns, "", "!!!", "word " * 1500]:
        z = model.logits(text).tolist()
        expected = {h: 1.0 / (1.0 + math.exp(-v)) for h, v in zip(model.heads, z, strict=True)}
        got = model.predict(text)
        assert got.keys() == expected.keys()
        for head, p in expected.items():
            assert got[head] == pytest.approx(p, rel=0, abs=1e-15), (text, head)


@pytest.mark.parametrize("language", ["en", None])
def test_deadline_prechecks_drop_no_match(turns: list[str], language: str | None) -> None:
    now = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    found = 0
    for text in turns:
        quick = find_deadlines(text, now, "Europe/Madrid", language)
        full = find_deadlines(text, now, "Europe/Madrid", language, exhaustive=True)
        assert quick == full, text
        found += bool(quick)
    assert found > 100  # the replay does hold deadlines, so the comparison means something


@pytest.mark.parametrize(
    "text",
    [
        "I need it sorted right now",
        "my flight leaves in 2h and I am still here",
        "by ten tonight please",
        "the customer was satisfied with the money",
        "back on sat morning",
        "I know, with my family, someone often calls",
    ],
)
def test_prechecks_on_phrasings(text: str) -> None:
    # Common words the old substring pre-checks let through ("know", "with", "satisfied",
    # "someone"), and the phrasings they stand for.
    now = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    assert find_deadlines(text, now) == find_deadlines(text, now, exhaustive=True)
