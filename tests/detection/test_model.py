"""The learned text model: loading, prediction, determinism and round trips."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from kairos.detection import datasets, model, training
from kairos.detection.datasets import Example


def _tiny() -> model.TextModel:
    rng = np.random.default_rng(7)
    w = rng.normal(size=(1 << 10, len(model.HEADS)))
    return model.TextModel(w, np.zeros(len(model.HEADS)), bits=10, platt=(1.5, -3.0))


def _examples() -> list[Example]:
    rows = [
        ("my card was stolen and money is gone", 1, 0),
        ("someone took money from my account", 1, 0),
        ("i want to close my account", 0, 1),
        ("please terminate my account", 0, 1),
        ("what are your opening hours", 0, 0),
        ("how do i top up", 0, 0),
        ("where is my new card", 0, 0),
        ("fraud on my card, help", 1, 0),
    ]
    out = []
    for i, (text, stakes, churn) in enumerate(rows * 3):
        labels = {"emotion": stakes, "stakes": stakes, "churn": churn, "dissatisfaction": churn}
        split = "dev" if i >= 16 else "train"
        out.append(Example("toy", str(i), text, split, labels, int(stakes or churn)))  # type: ignore[arg-type]
    return out


def test_predict_in_range_and_unseen_tokens() -> None:
    m = _tiny()
    for text in ["", "zzqx unseen-token ÄÖÜ 😀", "my flight got cancelled"]:
        p = m.predict(text)
        assert set(p) == set(m.heads)
        assert all(0.0 < v < 1.0 for v in p.values())
    many = m.predict_many(["a b", "", "c"])
    assert many.shape == (3, len(m.heads))
    assert np.allclose(many[0], list(m.predict("a b").values()))


def test_calibrate_is_platt() -> None:
    m = _tiny()
    assert m.calibrate(2.0) == pytest.approx(0.5)
    assert m.calibrate(5.0) > m.calibrate(1.0)


def test_npz_and_pickle_round_trip(tmp_path: Path) -> None:
    m = _tiny()
    path = tmp_path / "m.npz"
    m.save(path)
    back = model.load(path)
    again = pickle.loads(pickle.dumps(m))
    text = "someone stole my card"
    assert back.version == m.version == again.version
    assert back.predict(text) == m.predict(text) == again.predict(text)
    assert back.platt == m.platt
    m.save(tmp_path / "m2.npz")
    assert path.read_bytes() == (tmp_path / "m2.npz").read_bytes()


def test_training_is_deterministic(tmp_path: Path) -> None:
    rows = _examples()
    a, reports = training.fit_heads(rows, seed=3, bits=12)
    b, _ = training.fit_heads(rows, seed=3, bits=12)
    a.save(tmp_path / "a.npz")
    b.save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert {r.head for r in reports} == set(model.HEADS)
    assert a.predict("my card was stolen")["stakes"] > a.predict("how do i top up")["stakes"]


def test_featurize_matches_inference() -> None:
    m = _tiny()
    x = training.featurize(["someone stole my card"], bits=10)
    weights = m._weights  # the float16-rounded weights the model sums
    z = x @ weights + 0.0
    assert np.allclose(np.asarray(z)[0], m.logits("someone stole my card"), atol=1e-5)


def test_fit_platt_orders_scores() -> None:
    raw = np.array([0.0, 0.5, 1.0, 3.0, 4.0, 5.0, 2.0, 2.5])
    y = np.array([0, 0, 0, 1, 1, 1, 0, 1])
    a, b = training.fit_platt(raw, y)
    assert a > 0
    assert 1 / (1 + np.exp(-(a * 5 + b))) > 0.5 > 1 / (1 + np.exp(-(a * 0 + b)))


def test_shipped_model_stakes() -> None:
    m = model.load_default()
    if m is None:
        pytest.skip("no shipped model file (run `kairos train`)")
    assert m.heads == model.HEADS
    assert m.version.startswith("text-v1+")
    hi = m.predict("someone stole my card and took all my money")["stakes"]
    lo = m.predict("what are your opening hours")["stakes"]
    assert hi > 0.7 > 0.3 > lo
    assert m.predict("I want to close my account")["churn"] > 0.5
    assert model.DEFAULT_PATH.stat().st_size < 5_000_000


def test_inference_does_not_import_sklearn() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from kairos.detection import model; m = model.load_default(); "
        "m and m.predict('hello there'); print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_train_on_shared_subset_is_deterministic() -> None:
    root = datasets.data_dir()
    if root is None:
        pytest.skip("the shared data directory is not there (set KAIROS_DATA_DIR)")
    rows = [e for e in datasets.load("banking77", root=root) if datasets.stable_bucket(e.id) < 300]
    a, ra = training.fit_heads(rows, seed=0, bits=14)
    b, _ = training.fit_heads(rows, seed=0, bits=14)
    assert a.version == b.version
    stakes = next(r for r in ra if r.head == "stakes")
    assert stakes.auc > 0.8
