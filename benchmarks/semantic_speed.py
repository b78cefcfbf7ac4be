"""The semantic tier's speed on one core: latency per utterance and batched throughput.

Usage: python benchmarks/semantic_speed.py [--n 3000] [--candidate OTHER.onnx]
Measures, on real customer turns of the airline threads and in the same run: the int8 ONNX model
one utterance at a time (p50 / p99), batched (32 per call, what workers do; and 32 per call from
all turns sorted by token length, so that little is padding), the whole detector
with and without the semantic tier, and VADER as the peer. onnxruntime runs on one thread.
With ``--candidate`` (another export of the model, e.g. one that ``semantic_exports.py`` built),
that file and the shipped one read every turn in turn (interleaved, so machine load hits both
alike) and a second table gives both, with the candidate's ratios to the shipped model.
Aims (issue 14): p99 under 5 ms per utterance, at least 1,000 utterances/s per core batched.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from kairos.detection import semantic
from kairos.detection.detector import MomentDetector
from kairos.replay import read_threads, threads_path

AT = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def customer_turns(n: int) -> list[str]:
    """Customers' turns from the real airline threads."""
    path = threads_path()
    if path is None:
        raise SystemExit("no airline_threads data: set KAIROS_DATA_DIR")
    texts: list[str] = []
    for thread in read_threads(path):
        texts.extend(t.text for t in thread.turns if t.speaker == "customer")
        if len(texts) >= n:
            break
    return texts[:n]


def _lat(fn, items) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for x in items:
        t = time.perf_counter()
        fn(x)
        out.append(time.perf_counter() - t)
    return out


def _side_by_side(
    console: Console, shipped: semantic.SemanticModel, path: Path, texts: list[str]
) -> None:
    """The shipped model and another export of it, interleaved turn by turn, as ratios."""
    other = semantic.SemanticModel(path, card=semantic.read_card(), threads=1)
    other.logits_many(texts[:64])
    models = {"shipped": shipped, path.name: other}
    lat: dict[str, list[float]] = {k: [] for k in models}
    for text in texts:
        for k, m in models.items():
            t = time.perf_counter()
            m.logits(text)
            lat[k].append(time.perf_counter() - t)
    spent = dict.fromkeys(models, 0.0)
    for _ in range(2):
        for k, m in models.items():
            t = time.perf_counter()
            m.logits_many(texts, batch=32)
            spent[k] += time.perf_counter() - t
    table = Table(title="Shipped model and candidate, interleaved, one core")
    for col in ("model", "MB", "p50 ms", "p99 ms", "bucketed batches /s", "p50 x", "p99 x",
                "batched x"):  # fmt: skip
        table.add_column(col, justify="right")
    first: tuple[float, float, float] | None = None
    for k in models:
        p50, p99 = (float(v) for v in np.percentile(np.array(lat[k]) * 1e3, [50, 99]))
        rate = 2 * len(texts) / spent[k]
        first = first or (p50, p99, rate)
        size = os.path.getsize(semantic.DEFAULT_MODEL if k == "shipped" else path) / 1e6
        table.add_row(
            k, f"{size:.1f}", f"{p50:.2f}", f"{p99:.2f}", f"{rate:,.0f}", f"{first[0] / p50:.2f}",
            f"{first[1] / p99:.2f}", f"{rate / first[2]:.2f}",
        )  # fmt: skip
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--candidate", type=Path, help="another ONNX export to time beside it")
    args = parser.parse_args()
    console = Console(width=140)  # a log file must not truncate the tables
    texts = customer_turns(args.n)
    model = semantic.SemanticModel(card=semantic.read_card(), threads=1)
    model.logits_many(texts[:64])  # warm-up outside the timing
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    tokens = [len(x) for x in model.ids(texts)]
    single = _lat(model.logits, texts)
    t = time.perf_counter()
    for s in range(0, len(texts), 32):
        model.logits_many(texts[s : s + 32], batch=32)
    batched_rate = len(texts) / (time.perf_counter() - t)
    # The same batches of 32 drawn from all turns sorted by length (what a worker that buckets
    # its queue by token length would run): little padding.
    t = time.perf_counter()
    model.logits_many(texts, batch=32)
    bucketed_rate = len(texts) / (time.perf_counter() - t)

    def with_semantic(text: str) -> None:
        MomentDetector(semantic=model).update_text(text, occurred_at=AT)

    def fast_tier(text: str) -> None:
        MomentDetector(semantic=None).update_text(text, occurred_at=AT)

    full = _lat(with_semantic, texts)
    fast = _lat(fast_tier, texts)
    peer = _lat(vader.polarity_scores, texts)
    table = Table(title=f"Semantic tier, {len(texts):,} real customer turns, one core")
    for col in ("what", "utterances/s", "p50 ms", "p99 ms", "vs VADER"):
        table.add_column(col, justify="right")
    vader_rate = len(peer) / sum(peer)
    for name, lat in (
        ("ONNX int8 model, one utterance per call", single),
        ("detector update with the semantic tier", full),
        ("detector update, fast tier only", fast),
        ("VADER polarity_scores (peer)", peer),
    ):
        rate = len(lat) / sum(lat)
        p50, p99 = np.percentile(np.array(lat) * 1e3, [50, 99])
        table.add_row(name, f"{rate:,.0f}", f"{p50:.2f}", f"{p99:.2f}", f"{rate / vader_rate:.2f}x")
    table.add_row(
        "ONNX int8 model, batches of 32", f"{batched_rate:,.0f}", "", "",
        f"{batched_rate / vader_rate:.2f}x",
    )  # fmt: skip
    table.add_row(
        "ONNX int8 model, batches of 32 bucketed by length", f"{bucketed_rate:,.0f}", "", "",
        f"{bucketed_rate / vader_rate:.2f}x",
    )  # fmt: skip
    console.print(table)
    t = time.perf_counter()
    model.ids(texts)
    tokenize_ms = (time.perf_counter() - t) / len(texts) * 1e3
    if args.candidate is not None:
        _side_by_side(console, model, args.candidate, texts)
    size = os.path.getsize(semantic.DEFAULT_MODEL) / 1e6
    tok = os.path.getsize(semantic.DEFAULT_TOKENIZER) / 1e6
    console.print(
        f"tokens per turn: median {int(np.median(tokens))}, p99 {int(np.percentile(tokens, 99))}; "
        f"model file {size:.1f} MB + tokenizer {tok:.1f} MB (aim < 30 MB); tokenizing "
        f"{tokenize_ms:.3f} ms a turn; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
