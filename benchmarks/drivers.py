"""Contact drivers (``kairos.outcomes.drivers``): stability across samples on real airline
threads, and agreement with banking77's intents, beside scikit-learn's TF-IDF + k-means with the
same k, measured in the same run.

Usage: python benchmarks/drivers.py [--threads 4000] [--repeats 3]

- **Stability** (airline threads, the customer's first tweet of each thread): two random samples
  of 75% of the pool are grouped apart, and the adjusted Rand index (ARI) of the two groupings is
  taken on the contacts they share; the mean over ``--repeats`` pairs. 1 is the same drivers
  found twice, 0 is chance.
- **Intents** (banking77 test: 3,080 questions, 77 labelled intents): ARI and normalised mutual
  information (NMI) against the intents, with k chosen by Kairos (silhouette, at most 12 drivers,
  as in the report) and with k = 77.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from kairos.outcomes import themes
from kairos.replay import read_threads

Grouper = Callable[[Sequence[str], int | None], list[int]]


def kairos_labels(texts: Sequence[str], k: int | None) -> list[int]:
    labels = [0] * len(texts)
    for j, group in enumerate(themes.group(texts, k=k)):
        for i in group.members:
            labels[i] = j
    return labels


def sklearn_labels(texts: Sequence[str], k: int | None) -> list[int]:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2).fit_transform(texts)
    model = KMeans(n_clusters=k or 8, n_init=4, random_state=8).fit(x)
    return [int(v) for v in model.labels_]


def stability(texts: Sequence[str], grouper: Grouper, k: int | None, repeats: int) -> float:
    from sklearn.metrics import adjusted_rand_score

    scores = []
    n = len(texts)
    for r in range(repeats):
        rng = random.Random(r)
        a = sorted(rng.sample(range(n), int(0.75 * n)))
        b = sorted(rng.sample(range(n), int(0.75 * n)))
        la = dict(zip(a, grouper([texts[i] for i in a], k), strict=True))
        lb = dict(zip(b, grouper([texts[i] for i in b], k), strict=True))
        shared = sorted(set(a) & set(b))
        scores.append(adjusted_rand_score([la[i] for i in shared], [lb[i] for i in shared]))
    return statistics.fmean(scores)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3)
    data_env = os.environ.get("KAIROS_DATA_DIR")
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    parser.add_argument("--data-dir", type=Path, default=Path(data_env) if data_env else shared)
    args = parser.parse_args()
    airline = args.data_dir / "airline_threads" / "airlines_processed.csv.bz2"
    banking = args.data_dir / "banking77" / "test.csv"
    if not airline.exists() or not banking.exists():
        print(f"the shared data is not at {args.data_dir}", file=sys.stderr)
        return 2
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    console = Console()
    openings = [
        next((t.text for t in th.turns if t.speaker == "customer"), "")
        for th in read_threads(airline, limit=args.threads)
    ]
    openings = [t for t in openings if t]
    with banking.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    questions, intents = [r["text"] for r in rows], [r["category"] for r in rows]

    table = Table(title="Contact drivers: Kairos against TF-IDF + k-means (scikit-learn)")
    for column in ("measure", "Kairos", "scikit-learn", "ratio"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    with console.status("stability on airline threads"):
        started = time.perf_counter()
        k_airline = len(set(kairos_labels(openings, None)))
        seconds = time.perf_counter() - started
        ours = stability(openings, kairos_labels, None, args.repeats)
        peer = stability(openings, sklearn_labels, k_airline, args.repeats)
    table.add_row(
        f"airline stability, ARI ({len(openings):,} openings, k={k_airline})",
        f"{ours:.3f}", f"{peer:.3f}", f"{ours / peer:.2f}×" if peer else "–",
    )  # fmt: skip
    with console.status("banking77 intents"):
        for k in (None, 77):
            mine = kairos_labels(questions, k)
            kk = len(set(mine))
            theirs = sklearn_labels(questions, kk)
            how = f"k={kk}, by silhouette" if k is None else f"k={kk}"
            metrics = (("ARI", adjusted_rand_score), ("NMI", normalized_mutual_info_score))
            for name, metric in metrics:
                a, b = metric(intents, mine), metric(intents, theirs)
                ratio = f"{a / b:.2f}×" if b else "–"
                label = f"banking77 {name} vs 77 intents ({how})"
                table.add_row(label, f"{a:.3f}", f"{b:.3f}", ratio)
    console.print(table)
    console.print(
        f"grouping {len(openings):,} airline openings took {seconds:.1f} s (k by silhouette, 2..12)"
    )
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
