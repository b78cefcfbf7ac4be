"""The semantic tier: the shipped ONNX model, its fusion with the lexical tier, the trainer."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from kairos.detection import semantic, semantic_training
from kairos.detection.detector import MomentDetector
from kairos.detection.semantic import Combiner, SemanticModel

AT = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
ANGRY = "This is the third time you've lost my bag and nobody calls me back. I'm furious."
ROUTINE = "Hi, could you tell me your opening hours on Saturday?"


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    found = semantic.load_default()
    assert found is not None, "the semantic model ships in kairos/detection/data"
    return found


def test_model_file_is_small_and_int8(model: SemanticModel) -> None:
    assert semantic.DEFAULT_MODEL.stat().st_size < 30e6
    assert model.version.startswith("semantic-v1+")


def test_logits_rank_an_upset_customer_above_a_routine_question(model: SemanticModel) -> None:
    angry, routine = model.logits_many([ANGRY, ROUTINE])
    assert angry.shape == (len(semantic.TARGETS),)
    assert angry[0] > routine[0] + 2.0
    p = semantic.probabilities(angry)
    assert p["mot"] > 0.8 and p["emotion"] > 0.5


def test_batched_and_single_scoring_agree(model: SemanticModel) -> None:
    texts = [ANGRY, ROUTINE, "ok", "My flight got cancelled and the wedding is tomorrow!!"]
    batch = model.logits_many(texts, batch=3)
    for text, row in zip(texts, batch, strict=True):
        # int8 activations are scaled per batch tensor, so a text's neighbours move its logits
        # a little (measured up to 0.3 here); not enough to reorder these texts.
        assert np.allclose(model.logits(text), row, atol=0.5)
    assert list(np.argsort(batch[:, 0])) == list(np.argsort([model.logits(t)[0] for t in texts]))


#: Turns of very different lengths, so that batching them pads and mixes activation ranges.
MIXED = [
    ANGRY,
    ROUTINE,
    "ok",
    "thanks!",
    "My flight got cancelled and the wedding is tomorrow!! Nobody at the desk will help me.",
    "I have been on hold for two hours, this is the worst service I have ever had, cancel it "
    "all, I am moving to another bank tomorrow morning and telling everyone why.",
    "balance enquiry please, that's all I needed, thanks",
    "the staff were rude",
    "Can I change my delivery address?",
    "This is the third time my order is lost.",
]


def test_a_turn_reads_the_same_alone_and_inside_a_batch(model: SemanticModel) -> None:
    alone = np.stack([model.logits(t) for t in MIXED])
    assert np.array_equal(model.logits_each(MIXED), alone)
    # Whatever surrounds it: reversed, and a different company.
    assert np.array_equal(model.logits_each(MIXED[::-1]), alone[::-1])
    assert np.array_equal(model.logits_each(MIXED[2:5]), alone[2:5])
    calls: list[int] = []
    model.logits_each(MIXED, progress=lambda: calls.append(1))
    assert len(calls) == len(MIXED)


def test_calibration_reads_each_turn_alone(model: SemanticModel) -> None:
    from kairos.detection import fusion
    from kairos.detection.datasets import Example
    from kairos.detection.training import raw_scores

    labels = [1, 0, 0, 0, 1, 1, 0, 1, 0, 1]
    # The third copy's labels are flipped, so the rows are not separable and the fit is finite.
    labels = labels + labels + [1 - v for v in labels]
    rows = [
        Example(source=f"s{i % 2}", id=str(i), text=t, split="dev", labels={}, mot=y)
        for i, (t, y) in enumerate(zip(MIXED * 3, labels, strict=True))
    ]
    texts = [e.text for e in rows]
    y = np.array([e.mot for e in rows], dtype=np.int64)
    w = semantic_training.balanced_weights([e.source for e in rows], [int(v) for v in y])
    raw = raw_scores(fusion.load_default(), texts)
    live = model.logits_each(texts)[:, 0].astype(np.float64)
    fitted = fusion.calibrate(model, rows)
    assert fitted == fusion.fit_combiner(raw, live, y, w, lexical=fusion.lexical_slope())
    batched = model.logits_many(texts)[:, 0].astype(np.float64)
    if not np.array_equal(batched, live):  # int8 activations scaled per batch (logits_many)
        assert fitted != fusion.fit_combiner(raw, batched, y, w, lexical=fusion.lexical_slope())


def test_empty_batch(model: SemanticModel) -> None:
    assert model.logits_many([]).shape == (0, len(semantic.TARGETS))


def test_combiner_prior_moves_the_score_but_not_the_order() -> None:
    even = Combiner(lexical=0.5, semantic=1.0, bias=-1.0)
    rare = Combiner(lexical=0.5, semantic=1.0, bias=-1.0, prior=Combiner.prior_for(0.05))
    assert math.isclose(even.score(2.0, 0.0), 0.5)
    assert rare.score(2.0, 0.0) < 0.1
    pairs = [(0.0, -2.0), (1.0, 0.5), (3.0, 2.0)]
    assert sorted(pairs, key=lambda p: even.score(*p)) == sorted(
        pairs, key=lambda p: rare.score(*p)
    )
    with pytest.raises(ValueError):
        Combiner.prior_for(1.0)


def test_the_knee_holds_the_lexical_slope_only_where_pressure_meets_affect() -> None:
    from kairos.detection import fusion

    rng = np.random.default_rng(0)
    n = 4000
    # Proxy labels that only the semantic logit predicts: below the knee the raw score is noise.
    logit = rng.normal(size=n)
    y = (logit + rng.normal(scale=0.5, size=n) > 0).astype(np.int64)
    raw = rng.uniform(0.0, 1.5, size=n)
    raw[:50] = rng.uniform(4.0, 6.0, size=50)  # a few contacts with a stake and a deadline
    c = fusion.fit_combiner(raw, logit, y, np.ones(n), lexical=1.2)
    assert c.knee == fusion.KNEE and c.lexical == 1.2
    assert 0.0 <= c.below < 0.2 and c.semantic > 1.0
    # Above the knee each point of raw score still counts at the held slope.
    assert c.lexical_term(5.0) - c.lexical_term(4.0) == pytest.approx(1.2)
    assert c.lexical_term(1.5) - c.lexical_term(0.5) == pytest.approx(c.below)
    held = fusion.fit_combiner(raw, logit, y, np.ones(n), lexical=1.2, knee=None)
    assert held.knee is None and held.lexical_term(2.0) == pytest.approx(2.4)


def test_detector_uses_the_semantic_tier_with_evidence(model: SemanticModel) -> None:
    d = MomentDetector(semantic=model)
    a = d.update_text(ANGRY, occurred_at=AT)
    assert model.version in a.model_version
    cue = next(c for c in a.reasons if c.kind == "model" and c.label == "semantic")
    assert cue.text and ANGRY.startswith(cue.text) and cue.value is not None and cue.value > 0.5
    calm = MomentDetector(semantic=model).update_text(ROUTINE, occurred_at=AT)
    assert a.mot_score > calm.mot_score
    assert not any(c.label == "semantic" for c in calm.reasons)


GERMAN_ANGRY = (
    "Das ist jetzt das dritte Mal, dass mein Koffer verloren geht, und niemand ruft zurück. "
    "Ich bin wütend."
)
SPANISH_ANGRY = (
    "Es la tercera vez que pierden mi maleta y nadie me devuelve la llamada. Estoy furioso."
)
FRENCH_ANGRY = (
    "C'est la troisième fois que vous perdez ma valise et personne ne me rappelle. Je suis furieux."
)


def test_the_card_reads_the_languages_the_trainer_writes(model: SemanticModel) -> None:
    assert semantic.read_card()["languages"] == list(semantic.LANGUAGES)
    assert model.languages == frozenset(semantic.LANGUAGES)


def test_an_angry_spanish_customer_gets_the_semantic_reason(model: SemanticModel) -> None:
    # Spanish passed benchmarks/semantic_languages.py's rule (2026-12-06).
    a = MomentDetector(semantic=model).update_text(SPANISH_ANGRY, occurred_at=AT)
    assert a.language == "es"
    cue = next(c for c in a.reasons if c.kind == "model" and c.label == "semantic")
    assert cue.text and SPANISH_ANGRY.startswith(cue.text)
    lexical = MomentDetector(semantic=None).update_text(SPANISH_ANGRY, occurred_at=AT)
    assert a.mot_score != lexical.mot_score


@pytest.mark.parametrize(
    ("text", "language"), [(GERMAN_ANGRY, "de"), (FRENCH_ANGRY, "fr")], ids=["de", "fr"]
)
def test_a_customer_in_an_unread_language_is_scored_by_the_lexical_tier_alone(
    model: SemanticModel, text: str, language: str
) -> None:
    # French has no labeled set to pass the rule on; German passed it only with the folds' own
    # combiners and lost on its test split with the shipped weights (docs/model-card.md). The
    # semantic tier stays silent on both, although the model itself reads these turns as upset.
    assert (
        language not in model.languages and semantic.probabilities(model.logits(text))["mot"] > 0.5
    )
    a = MomentDetector(semantic=model).update_text(text, occurred_at=AT)
    assert a.language == language
    assert not any(c.label == "semantic" for c in a.reasons)
    lexical = MomentDetector(semantic=None).update_text(text, occurred_at=AT)
    assert a.mot_score == lexical.mot_score


def test_precomputed_logits_give_the_same_assessment(model: SemanticModel) -> None:
    inline = MomentDetector(semantic=model)
    inline.observe_text(ANGRY, occurred_at=AT)
    given = MomentDetector(semantic=model)
    given.observe_text(ANGRY, occurred_at=AT, semantic_logits=model.logits(ANGRY))
    assert inline.scores().mot_score == given.scores().mot_score


def test_a_calm_last_line_does_not_undo_the_moment(model: SemanticModel) -> None:
    d = MomentDetector(semantic=model)
    first = d.update_text(ANGRY, occurred_at=AT)
    later = d.update_text("ok thanks", occurred_at=AT)
    assert later.mot_score >= 0.5 * first.mot_score


def test_detector_without_semantic_tier_says_so() -> None:
    a = MomentDetector(semantic=None).update_text(ANGRY, occurred_at=AT)
    assert "semantic" not in a.model_version


def test_sample_weights_balance_sources_and_classes() -> None:
    rows = [{"source": "big", "y": [1, None, None, None, None]}] * 90
    rows += [{"source": "big", "y": [0, None, None, None, None]}] * 10
    rows += [{"source": "small", "y": [1, None, None, None, None]}] * 5
    rows += [{"source": "small", "y": [0, None, None, None, None]}] * 5
    w = semantic_training.sample_weights(rows)
    big_pos, big_neg = w[:90].sum(), w[90:100].sum()
    small = w[100:].sum()
    assert math.isclose(big_pos, big_neg, rel_tol=1e-5)
    assert math.isclose(big_pos + big_neg, small * math.sqrt(100 / 10), rel_tol=1e-5)
    assert math.isclose(w.sum(), len(rows), rel_tol=1e-5)


def test_examples_file_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [{"source": "s", "id": "1", "text": "héllo", "split": "train", "lang": "en",
             "y": [1, None, 0, None, None]}]  # fmt: skip
    path = tmp_path / "x.jsonl.gz"
    semantic_training.write_examples(rows, path)
    first = path.read_bytes()
    semantic_training.write_examples(rows, path)
    assert path.read_bytes() == first
    assert semantic_training.read_examples(path) == rows


def test_weights_round_trip_through_chunks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")

    class Tiny(torch.nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.big = torch.nn.Embedding(5000, 64)
            self.head = torch.nn.Linear(64, 5)

    m = Tiny()
    files = semantic_training.save_weights(m, tmp_path / "w", chunk_mb=0.2)
    assert len(files) > 2 and all(f.stat().st_size < 0.3e6 for f in files)
    state = semantic_training.load_state(files)
    assert np.allclose(state["big.weight"], m.big.weight.detach().numpy(), rtol=2e-3, atol=2e-3)
