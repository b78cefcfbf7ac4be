"""The semantic memo: every detector of a process shares one reading per distinct text, and what
a detector concludes is the same as with the model read every time."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from kairos.detection import semantic
from kairos.detection.detector import MomentDetector
from kairos.detection.detector_contracts import CombinerLike, default_semantic
from kairos.detection.semantic_memo import MAX_TEXT, SemanticMemo

AT = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
TURNS = [
    ("customer", "My flight to Denver was cancelled and my daughter's recital is at 7 tonight"),
    ("agent", "I am sorry to hear that, let me look at the options for you."),
    ("customer", "Please hurry, this is the third time you have let me down this month."),
    ("agent", "There is a seat on the 4 pm flight, would that work?"),
    ("customer", "Yes, thank you so much, that works."),
]


class Counted:
    """The shipped model, counting its reads."""

    def __init__(self, model: semantic.SemanticModel) -> None:
        self.model = model
        self.reads: list[str] = []
        self.version = model.version
        self.languages = model.languages

    @property
    def combiner(self) -> CombinerLike | None:
        return self.model.combiner

    def logits(self, text: str) -> Sequence[float]:
        self.reads.append(text)
        logits: Sequence[float] = self.model.logits(text)  # type: ignore[assignment]
        return logits


@pytest.fixture(scope="module")
def model() -> semantic.SemanticModel:
    found = semantic.load_default()
    assert found is not None, "the semantic model ships in kairos/detection/data"
    return found


def _replay(semantic_tier: object) -> list[str]:
    detector = MomentDetector(semantic=semantic_tier)  # type: ignore[arg-type]
    out = []
    for n, (speaker, text) in enumerate(TURNS):
        assessment = detector.update_text(
            text,
            speaker=speaker,  # type: ignore[arg-type]
            occurred_at=AT + timedelta(seconds=20 * n),
            event_id=f"e{n}",
        )
        out.append(assessment.model_dump_json())
    return out


def test_a_memo_changes_no_assessment_and_reads_each_text_once(
    model: semantic.SemanticModel,
) -> None:
    counted = Counted(model)
    memo = SemanticMemo(counted)
    live = _replay(memo)
    assert live == _replay(model)  # byte for byte what the model read every time gives
    customer_turns = [t for s, t in TURNS if s == "customer"]
    assert counted.reads == customer_turns
    # The review's replay of the same conversation reads nothing again.
    assert _replay(memo) == live
    assert counted.reads == customer_turns
    readings = memo.logits(customer_turns[0])
    with pytest.raises(ValueError):
        readings[0] = 0.0  # type: ignore[index]  # shared: read-only


def test_a_long_text_is_read_each_time_and_not_kept(model: semantic.SemanticModel) -> None:
    counted = Counted(model)
    memo = SemanticMemo(counted)
    pasted = "the parcel never arrived. " * (MAX_TEXT // 20)
    memo.logits(pasted)
    memo.logits(pasted)
    assert len(counted.reads) == 2


def test_the_process_detectors_share_one_memo_also_after_pickling() -> None:
    shared = default_semantic()
    assert isinstance(shared, SemanticMemo)
    detector = MomentDetector()
    detector.update_text("I am furious, you lost my bag again", occurred_at=AT)
    assert pickle.loads(pickle.dumps(detector))._semantic is shared
