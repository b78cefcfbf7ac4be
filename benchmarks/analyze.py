"""``kairos analyze`` speed on the real airline threads, with the detector alone as the peer.

Usage: python benchmarks/analyze.py [--n 43044] [--workers 0]
Prints conversations/s of the whole review chain (hindsight detector run, per-turn sentiment,
agent behaviours with coaching, re-asks, outcome classes) on one process and on every core,
beside the detector alone over the same turns (``MomentDetector.observe_text``, what
``kairos score`` does): the ratio is what the review adds. The aim: 40,000 threads in 5 minutes.
"""

from __future__ import annotations

import argparse
import os
import time

from rich.console import Console
from rich.table import Table

from kairos.detection.detector import MomentDetector
from kairos.outcomes.archive import analyze, read_threads_csv
from kairos.replay import threads_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=None, help="threads (default: all)")
    parser.add_argument("--workers", type=int, default=0, help="processes (0: every core)")
    args = parser.parse_args()
    path = threads_path()
    if path is None:
        raise SystemExit("no airline_threads data: set KAIROS_DATA_DIR")
    console = Console()
    t = time.perf_counter()
    conversations = list(read_threads_csv(path, limit=args.n))
    read_s = time.perf_counter() - t
    turns = sum(len(c.turns) for c in conversations)

    t = time.perf_counter()
    for c in conversations:
        detector = MomentDetector()
        for turn in c.turns:
            detector.observe_text(turn.text, speaker=turn.speaker)
        detector.scores()
    peer_s = time.perf_counter() - t

    t = time.perf_counter()
    analyze(conversations, workers=1)
    one_s = time.perf_counter() - t
    workers = args.workers or os.cpu_count() or 1
    t = time.perf_counter()
    analyze(conversations, workers=workers)
    many_s = time.perf_counter() - t

    n = len(conversations)
    table = Table(title=f"{n:,} airline threads, {turns:,} turns (read in {read_s:.1f} s)")
    for column in ("run", "seconds", "threads/s", "vs detector alone"):
        table.add_column(column, justify="right" if column != "run" else "left")
    table.add_row("detector alone, 1 process (peer)", f"{peer_s:.1f}", f"{n / peer_s:,.0f}", "1.00")
    table.add_row("kairos analyze chain, 1 process", f"{one_s:.1f}", f"{n / one_s:,.0f}",
                  f"{peer_s / one_s:.2f}")  # fmt: skip
    table.add_row(f"kairos analyze chain, {workers} processes", f"{many_s:.1f}",
                  f"{n / many_s:,.0f}", f"{peer_s / many_s:.2f}")  # fmt: skip
    console.print(table)
    projected = 40_000 / (n / many_s) + read_s * 40_000 / n
    console.print(f"40,000 threads: about {projected:.0f} s with reading (aim: under 300 s)")


if __name__ == "__main__":
    main()
