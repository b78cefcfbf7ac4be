"""Probe: does a WordLlama static embedding read the non-English sets better than the lexical tier?

Run: ``pip install wordllama==0.4.0.post1`` (not a Kairos dependency: the probe's answer was no,
see docs/model-card.md), then ``python benchmarks/wordllama_probe.py [--folds a,b] [--stack a,b]``.

Protocol, fixed before any figure was seen (2026-12-05):

- Rows, proxy labels and splits: ``kairos.detection.datasets.load_all()``, exactly as
  ``benchmarks/quality.py``'s leave-one-source-out rows.
- Embedding: the 256-dimensional ``l2_supercat`` token table and the tokenizer that the
  ``wordllama`` wheel ships (read from the package's own files; nothing is downloaded), the text's
  token ids without special tokens, their vectors averaged, the mean scaled to unit length.
- ``WL+LR``: logistic regression on the embedding (C=1, balanced classes, the recipe of
  quality.py's frozen MiniLM+LR peer), trained on the train split of every set but the left-out
  one, scored on the left-out set's test split (and EmoEvent-es's dev split, as quality.py does).
- ``WL+LR, English sets only`` (cross-lingual): the same head trained on the English sets' train
  splits only, scored on the German, Portuguese and Spanish left-out sets.
- ``stacked``: the head's logit fed into the existing fused score in place of the semantic tier's
  logit (``fusion.fit_combiner``, the fold's lexical Platt slope held above the knee, fitted on the
  other sets' dev splits with the shipped set/class weighting), and the same without the knee.
- Peers in the same run: the fold's lexical tier (its raw score; the service's non-English score
  is its Platt calibration, the same ranking), VADER, and, where ``var/semantic/loso_scores.npz``
  exists, the semantic tier's fold model and MiniLM+LR from ``kairos train-semantic --loso``.
- Decision rule: integrate only if stacking lifts at least two of de (test), pt (test) and es
  (dev) by 0.02 or more and lowers none by more than 0.01.
- Also: the hand-written French and Italian cases (head trained on every train split), and the
  cost of embedding one customer turn beside VADER's ``polarity_scores`` (same turns, same run).

Writes ``var/bench/wordllama_probe.md`` and ``var/bench/wordllama_probe.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from quality import CASES, auc, vader  # the same AUC and VADER peer as the quality benchmark
from rich.console import Console
from rich.progress import track
from rich.table import Table
from safetensors.numpy import load_file
from semantic_speed import customer_turns  # the same real customer turns it times
from sklearn.linear_model import LogisticRegression
from tokenizers import Tokenizer

from kairos.detection import datasets, fusion, training
from kairos.detection.semantic_training import balanced_weights

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
LOSO = ROOT / "var" / "semantic" / "loso_scores.npz"
NON_ENGLISH = ("germeval2017", "b2w_reviews", "emoevent_es")
ALSO_DEV = frozenset({"emoevent_es"})
console = Console(width=170)
COLUMNS = ("set", "n", "pos", "lexical tier", "WL+LR", "WL+LR, English sets only", "stacked",
           "stacked, no knee", "stacked, English head", "semantic tier (fold)", "MiniLM+LR",
           "VADER")  # fmt: skip


class Embedder:
    """Mean-pooled, unit-length WordLlama token vectors (the wheel's l2_supercat 256-d table)."""

    def __init__(self) -> None:
        pkg = resources.files("wordllama")
        self.tokenizer = Tokenizer.from_file(
            str(pkg / "tokenizers" / "l2_supercat_tokenizer_config.json")
        )
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        weights = load_file(str(pkg / "weights" / "l2_supercat_256.safetensors"))
        self.table = weights["embedding.weight"].astype(np.float32)

    def _pool(self, ids: list[int]) -> npt.NDArray[np.float32]:
        if not ids:
            return np.zeros(self.table.shape[1], dtype=np.float32)
        v = self.table[np.asarray(ids)].mean(axis=0)
        n = float(np.linalg.norm(v))
        return v / n if n > 0 else v

    def one(self, text: str) -> npt.NDArray[np.float32]:
        """One text, as a live turn would be read."""
        return self._pool(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def many(self, texts: Sequence[str], chunk: int = 2048) -> npt.NDArray[np.float32]:
        """Many texts (the tokenizer batches; pooling is per text, so no padding enters)."""
        out = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        for i in range(0, len(texts), chunk):
            enc = self.tokenizer.encode_batch(list(texts[i : i + chunk]), add_special_tokens=False)
            for j, e in enumerate(enc):
                out[i + j] = self._pool(e.ids)
        return out


def head(x: npt.NDArray[np.float32], y: npt.NDArray[np.int64]) -> LogisticRegression:
    """The frozen-encoder peer's recipe: C=1, balanced classes."""
    clf = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
    clf.fit(x, y)
    return clf


def loso_fold(
    held: str,
    rows: Sequence[datasets.Example],
    x: npt.NDArray[np.float32],
    *,
    stack: bool,
    fold_scores: Any,
) -> list[dict[str, Any]]:
    """The left-out set's rows of the table (see the module doc)."""
    y = np.array([e.mot for e in rows], dtype=np.int64)
    src = np.array([e.source for e in rows])
    split = np.array([e.split for e in rows])
    train = (src != held) & (split == "train")
    clf = head(x[train], y[train])
    english = train & ~np.isin(src, NON_ENGLISH)
    en_clf = head(x[english], y[english]) if held in NON_ENGLISH else None
    combs: dict[str, Any] = {}
    if stack:
        model, _ = training.fit_heads([e for e in rows if e.source != held])
        dev = np.flatnonzero((src != held) & (split == "dev"))
        raw_dev = training.raw_scores(model, [rows[i].text for i in dev])
        slope, _ = training.fit_platt(raw_dev, y[dev])
        w = balanced_weights(list(src[dev]), [int(v) for v in y[dev]])
        logit = clf.decision_function(x[dev])
        combs["stacked"] = (clf, fusion.fit_combiner(raw_dev, logit, y[dev], w, lexical=slope))
        combs["stacked, no knee"] = (
            clf,
            fusion.fit_combiner(raw_dev, logit, y[dev], w, lexical=slope, knee=None),
        )
        if en_clf is not None:
            en_logit = en_clf.decision_function(x[dev])
            en_comb = fusion.fit_combiner(raw_dev, en_logit, y[dev], w, lexical=slope)
            combs["stacked, English head"] = (en_clf, en_comb)
    out: list[dict[str, Any]] = []
    for sp in ("test", "dev") if held in ALSO_DEV else ("test",):
        ix = np.flatnonzero((src == held) & (split == sp))
        yy = y[ix]
        r: dict[str, Any] = {"set": held if sp == "test" else f"{held} (dev split)",
                             "n": len(ix), "pos": float(yy.mean()),
                             "WL+LR": auc(yy, clf.decision_function(x[ix]))}  # fmt: skip
        if en_clf is not None:
            r["WL+LR, English sets only"] = auc(yy, en_clf.decision_function(x[ix]))
        if stack:
            raw = training.raw_scores(model, [rows[i].text for i in ix])
            r["lexical tier"] = auc(yy, raw)
            for name, (c, comb) in combs.items():
                s = c.decision_function(x[ix])
                r[name] = auc(yy, np.array([comb.score(a, b) for a, b in zip(raw, s, strict=True)]))
        r["VADER"] = auc(yy, vader([rows[i].text for i in ix]))
        if fold_scores is not None:
            index, z = fold_scores
            keys = [index[f"{rows[i].source}\t{rows[i].id}\t{rows[i].split}"] for i in ix]
            r["semantic tier (fold)"] = auc(yy, z[f"logits__{held}"][keys, 0].astype(np.float64))
            r["MiniLM+LR"] = auc(yy, z[f"frozen__{held}"][keys].astype(np.float64))
        out.append(r)
    return out


def in_domain(rows: Sequence[datasets.Example], x: npt.NDArray[np.float32]) -> list[dict[str, Any]]:
    """With each language's own train split (as the shipped models are trained): the shipped
    lexical tier against it stacked with WL+LR (head on every train split, combiner on every dev
    split); de and pt test splits. In-domain, so it flatters both columns alike."""
    from kairos.detection.model import load_default

    y = np.array([e.mot for e in rows], dtype=np.int64)
    split = np.array([e.split for e in rows])
    clf = head(x[split == "train"], y[split == "train"])
    model = load_default()
    dev = np.flatnonzero(split == "dev")
    raw_dev = training.raw_scores(model, [rows[i].text for i in dev])
    slope, _ = training.fit_platt(raw_dev, y[dev])
    w = balanced_weights([rows[i].source for i in dev], [int(v) for v in y[dev]])
    comb = fusion.fit_combiner(raw_dev, clf.decision_function(x[dev]), y[dev], w, lexical=slope)
    out: list[dict[str, Any]] = []
    for held in ("germeval2017", "b2w_reviews"):
        ix = np.flatnonzero(np.array([e.source == held and e.split == "test" for e in rows]))
        raw = training.raw_scores(model, [rows[i].text for i in ix])
        s = clf.decision_function(x[ix])
        stacked = np.array([comb.score(a, b) for a, b in zip(raw, s, strict=True)])
        out.append({"set": f"{held} (in-domain)", "n": len(ix), "pos": float(y[ix].mean()),
                    "lexical tier": auc(y[ix], raw), "WL+LR": auc(y[ix], s),
                    "stacked": auc(y[ix], stacked)})  # fmt: skip
    return out


def own_cases(
    rows: Sequence[datasets.Example], x: npt.NDArray[np.float32], emb: Embedder
) -> dict[str, float]:
    """ROC AUC of WL+LR (trained on every train split) on the hand-written fr/it cases."""
    train = np.array([e.split == "train" for e in rows])
    y = np.array([e.mot for e in rows], dtype=np.int64)
    clf = head(x[train], y[train])
    with CASES.open(encoding="utf-8", newline="") as f:
        cases = list(csv.DictReader(f, delimiter="\t"))
    out: dict[str, float] = {}
    for lang in sorted({c["lang"] for c in cases}):
        part = [c for c in cases if c["lang"] == lang]
        s = clf.decision_function(emb.many([c["text"] for c in part]))
        out[lang] = auc(np.array([int(c["mot"]) for c in part], dtype=np.int64), s)
    return out


def speed(emb: Embedder, n: int) -> dict[str, float]:
    """Per-turn cost of the embedding (+ the head's dot product) beside VADER, interleaved."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    turns = customer_turns(n)
    w = np.zeros(emb.table.shape[1], dtype=np.float32)
    wl: list[float] = []
    vd: list[float] = []
    for text in track(turns, description="timing", console=console):
        t = time.perf_counter()
        float(emb.one(text) @ w)
        wl.append(time.perf_counter() - t)
        t = time.perf_counter()
        sia.polarity_scores(text)
        vd.append(time.perf_counter() - t)

    def p(xs: list[float], q: int) -> float:
        return statistics.quantiles(xs, n=100)[q - 1] * 1e6

    return {"turns": float(len(turns)), "wl_p50_us": p(wl, 50), "wl_p99_us": p(wl, 99),
            "wl_per_s": len(wl) / sum(wl), "vader_p50_us": p(vd, 50), "vader_p99_us": p(vd, 99),
            "vader_per_s": len(vd) / sum(vd)}  # fmt: skip


def _f(v: Any) -> str:
    if isinstance(v, float):
        return "n/a" if v != v else f"{v:.3f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def report(table: list[dict[str, Any]], cases: dict[str, float], sp: dict[str, float]) -> None:
    """Print the tables; write Markdown and JSON under var/bench."""
    seen = {k for r in table for k in r}
    cols = [c for c in COLUMNS if c in seen] + sorted(seen - set(COLUMNS))
    t = Table(title="WordLlama probe: ROC AUC on the left-out set (higher is better)")
    for c in cols:
        t.add_column(c, justify="left" if c == "set" else "right")
    md = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in table:
        cells = [_f(r.get(c, "")) for c in cols]
        t.add_row(*cells)
        md.append("| " + " | ".join(cells) + " |")
    console.print(t)
    lines = [
        "Hand-written cases, WL+LR trained on every train split, ROC AUC: "
        + "; ".join(f"{k} {v:.3f}" for k, v in cases.items()),
    ]
    if sp:
        lines.append(
            f"One turn embedded + scored: p50 {sp['wl_p50_us']:.1f} µs, p99 {sp['wl_p99_us']:.1f}"
            f" µs, {sp['wl_per_s']:,.0f}/s; VADER on the same {sp['turns']:.0f} turns: p50 "
            f"{sp['vader_p50_us']:.1f} µs, p99 {sp['vader_p99_us']:.1f} µs, "
            f"{sp['vader_per_s']:,.0f}/s; throughput ratio WordLlama / VADER "
            f"{sp['wl_per_s'] / sp['vader_per_s']:.2f}x."
        )
    for line in lines:
        console.print(line)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "wordllama_probe.md").write_text("\n".join([*md, "", *lines, ""]), encoding="utf-8")
    (OUT / "wordllama_probe.json").write_text(
        json.dumps({"loso": table, "cases": cases, "speed": sp}, indent=1), encoding="utf-8"
    )


def main() -> None:
    """Parse options, run, report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", default="", help="comma-separated sets (default: all)")
    parser.add_argument(
        "--stack",
        default=",".join(NON_ENGLISH),
        help="folds that also fit the lexical tier and the stacked score",
    )
    parser.add_argument("--loso", type=Path, default=LOSO, help="train-semantic --loso scores")
    parser.add_argument("--speed-turns", type=int, default=2000)
    parser.add_argument("--in-domain", action="store_true", help="also the in-domain rows")
    args = parser.parse_args()
    t0 = time.perf_counter()
    emb = Embedder()
    rows = [e for e in datasets.load_all() if e.mot is not None]
    x = emb.many([e.text for e in rows])
    console.print(f"embedded {len(rows):,} rows in {time.perf_counter() - t0:.1f} s")
    fold_scores = None
    if args.loso.is_file():
        z = np.load(args.loso)
        fold_scores = ({k: i for i, k in enumerate(z["ids"].tolist())}, z)
    stack = {s for s in args.stack.split(",") if s}
    folds = [f for f in args.folds.split(",") if f] or list(datasets.LABELED_SETS)
    table: list[dict[str, Any]] = []
    for held in track(folds, description="folds", console=console):
        table += loso_fold(held, rows, x, stack=held in stack, fold_scores=fold_scores)
    if args.in_domain:
        table += in_domain(rows, x)
    cases = own_cases(rows, x, emb)
    sp = speed(emb, args.speed_turns) if args.speed_turns else {}
    report(table, cases, sp)
    console.print(f"took {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
