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
- **Names** (fixed on 2026-12-06 before the naming was changed): for the same groupings, the
  driver's name (``drivers.name_groups``) beside its heaviest terms (the themes' label), in the
  same run. *Names the intent*: the name shares a word with its group's commonest banking77
  intent (the intent split on ``_``; both sides lower-cased, a final ``s`` of a word longer than
  three letters dropped, words of one or two letters ignored), as a share of contacts (each
  group weighted by its size). *Said*: the name's words stand together, in order, in at least one
  of its group's texts (a name a customer said), as a share of drivers. *Distinct*: the share of
  drivers whose name no other driver of the same grouping has. The rule for a new naming, fixed
  with these measures: it replaces the old if "names the intent" rises by 0.02 or more on both
  banking77 groupings and neither "said" nor "distinct" falls by more than 0.02 on any grouping.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from kairos.outcomes import drivers, themes
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


def _words(text: str) -> list[str]:
    words = [w for w in re.findall(r"[a-z][a-z']*", text.lower().replace("_", " "))]
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words]


def _said(name: str, texts: Sequence[str]) -> bool:
    want = _words(name)
    for text in texts:
        have = _words(text)
        if any(have[i : i + len(want)] == want for i in range(len(have) - len(want) + 1)):
            return True
    return False


def name_figures(
    texts: Sequence[str], k: int | None, intents: Sequence[str] | None
) -> dict[str, tuple[float, float]]:
    """(Kairos's names, the heaviest terms) for each naming measure of one grouping."""
    groups = themes.group(texts, k=k)
    named = {"Kairos": drivers.name_groups(texts, groups), "terms": [g.label for g in groups]}
    out: dict[str, list[float]] = {}
    for names in named.values():
        said = [_said(n, [texts[i] for i in g.members]) for n, g in zip(names, groups, strict=True)]
        counts = Counter(names)
        out.setdefault("said", []).append(sum(said) / len(groups))
        out.setdefault("distinct", []).append(sum(counts[n] == 1 for n in names) / len(groups))
        if intents is not None:
            hits = 0
            for name, g in zip(names, groups, strict=True):
                intent = Counter(intents[i] for i in g.members).most_common(1)[0][0]
                own = {w for w in _words(name) if len(w) > 2}
                hits += len(g.members) * bool(own & {w for w in _words(intent) if len(w) > 2})
            out.setdefault("names the intent", []).append(hits / len(texts))
    return {key: (pair[0], pair[1]) for key, pair in out.items()}


def naming_table(
    openings: Sequence[str], questions: Sequence[str], intents: Sequence[str], k_airline: int
) -> Table:
    table = Table(title="Contact drivers' names: Kairos's phrase against the heaviest terms")
    for column in ("grouping", "measure", "Kairos", "heaviest terms"):
        table.add_column(column, justify="left" if column in {"grouping", "measure"} else "right")
    runs: list[tuple[str, Sequence[str], int | None, Sequence[str] | None]] = [
        (f"airline openings (k={k_airline})", openings, k_airline, None),
        ("banking77 (k by silhouette)", questions, None, intents),
        ("banking77 (k=77)", questions, 77, intents),
    ]
    for label, texts, k, truth in runs:
        for measure, (ours, peer) in name_figures(texts, k, truth).items():
            table.add_row(label, measure, f"{ours:.3f}", f"{peer:.3f}")
    return table


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
    with console.status("names"):
        console.print(naming_table(openings, questions, intents, k_airline))
    console.print(
        f"grouping {len(openings):,} airline openings took {seconds:.1f} s (k by silhouette, 2..12)"
    )
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
